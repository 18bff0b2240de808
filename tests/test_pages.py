"""Pages that never show a wrong number: unpriced holdings, honest totals, tiles, transactions, the Prices page."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from bs4 import BeautifulSoup

from app.extensions import db
from app.formatting import clock, money, plain
from app.models import Portfolio, Transaction
from app.prices import get_price_service
from tests.conftest import make_portfolio, make_user
from tests.test_dashboard import count_queries
from tests.yahoo_stub import Symbol

EVENING = datetime(2026, 11, 17, 23, 0)  # Tuesday, after the close
BOUGHT = date(2025, 3, 3)


@pytest.fixture
def signed_in(client, auth, app):
    user = make_user()
    auth.login()
    return user


def buys(*tickers, quantity=10, price=100):
    return [(BOUGHT, "BUY", t, quantity, price) for t in tickers]


def soup(resp):
    assert resp.status_code == 200, resp.status_code
    return BeautifulSoup(resp.data, "html.parser")


def holdings(client, portfolio):
    return client.get(f"/api/portfolios/{portfolio.id}/holdings").get_json()


def summary(page):
    return {card["id"]: " ".join(card.get_text(" ").split()) for card in page.select(".summary .stat")}


def test_unpriced_holdings_show_a_dash_and_why_never_zero(client, signed_in, no_network):
    portfolio = make_portfolio(signed_in, trades=buys("AAPL", "MSFT"))
    page = soup(client.get(f"/portfolios/{portfolio.id}"))
    cards = summary(page)
    assert cards["stat-value"].startswith("Value — no prices yet for 2 holdings cost $2,000.00")
    assert "Unrealized gain —" in cards["stat-unrealized"] and "Total return —" in cards["stat-return"]
    assert "$0.00" not in page.select_one(".summary").get_text()
    reasons = [r.get_text(" ", strip=True) for r in page.select("#holdings .hide-sm .reason")]
    assert reasons == ["no price yet", "no price yet"]
    data = holdings(client, portfolio)
    assert data["total_value"] is None and data["unrealized_gain"] is None and data["total_return"] is None
    assert data["total_cost"] == 2000.0 and data["priced"] == 0 and data["holdings_count"] == 2
    assert [h["reason"] for h in data["holdings"]] == ["no price yet", "no price yet"]


@time_machine.travel(EVENING, tick=False)
def test_partly_priced_totals_say_how_many_holdings_they_cover(app, client, signed_in, yahoo):
    yahoo.add(Symbol("AAPL"))
    portfolio = make_portfolio(signed_in, trades=buys("AAPL", "NOPE"))
    get_price_service(app).warm(["AAPL", "NOPE"], start=BOUGHT)
    data = holdings(client, portfolio)
    aapl = next(h for h in data["holdings"] if h["ticker"] == "AAPL")
    assert data["priced"] == 1 and data["total_value"] == pytest.approx(aapl["market_value"])
    assert data["total_cost"] == 2000.0 and data["priced_cost"] == 1000.0  # the real cost, both holdings
    assert data["unrealized_gain"] == pytest.approx(aapl["market_value"] - 1000.0)
    nope = next(h for h in data["holdings"] if h["ticker"] == "NOPE")
    assert nope["market_value"] is None and nope["reason"] == "unknown ticker"
    page = soup(client.get(f"/portfolios/{portfolio.id}"))
    cards = summary(page)
    assert "value of 1 of 2 holdings" in cards["stat-value"] and "cost $2,000.00" in cards["stat-value"]
    assert "on 1 of 2 open positions" in cards["stat-unrealized"]
    assert page.select_one('tr[data-ticker="NOPE"] .hide-sm .reason').get_text(strip=True) == "unknown ticker"


@time_machine.travel(EVENING, tick=False)
def test_with_yahoo_unreachable_and_no_prices_the_page_says_so(app, client, signed_in, no_network):
    portfolio = make_portfolio(signed_in, trades=buys("AAPL"))
    service = get_price_service(app)
    service.source.breaker.open()
    since = service.stats.get("breaker")["changed_at"]
    page = soup(client.get(f"/portfolios/{portfolio.id}"))
    status = " ".join(page.select_one("#price-status").get_text(" ").split())
    assert status.startswith("Yahoo Finance has been unreachable since")
    assert "no prices have been fetched yet" in status and "last known prices" not in status
    reason = page.select_one("#holdings .hide-sm .reason")
    assert reason.get_text(" ", strip=True).startswith("Yahoo unreachable since")
    assert reason.find("time")["datetime"] == since
    assert holdings(client, portfolio)["holdings"][0]["reason_since"] == since


@time_machine.travel(EVENING, tick=False)
def test_total_return_is_unrealized_plus_realized_plus_dividends_minus_fees(app, client, signed_in, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("KO"))
    portfolio = make_portfolio(signed_in, trades=[
        (BOUGHT, "BUY", "AAPL", 10, 100), (BOUGHT, "BUY", "KO", 10, 50),
        (date(2025, 6, 2), "SELL", "KO", 4, 60),  # realized 4 × 10 = 40
        (date(2025, 7, 1), "DIVIDEND", "AAPL", 1, 7.5),
    ])
    get_price_service(app).warm(["AAPL", "KO"], start=BOUGHT)
    before = holdings(client, portfolio)
    assert before["realized_gain"] == pytest.approx(40.0) and before["dividends"] == pytest.approx(7.5)
    assert before["total_return"] == pytest.approx(before["unrealized_gain"] + 40.0 + 7.5)
    client.post(f"/portfolios/{portfolio.id}/transactions/new", data={
        "trade_date": "2025-08-01", "type": "FEE", "ticker": "AAPL", "quantity": "1", "price": "12.5", "fees": "0",
        "currency": "USD"})
    after = holdings(client, portfolio)
    assert after["fees"] == pytest.approx(12.5)
    assert after["total_return"] == pytest.approx(before["total_return"] - 12.5)
    assert after["unrealized_gain"] == pytest.approx(before["unrealized_gain"])
    cards = summary(soup(client.get(f"/portfolios/{portfolio.id}")))
    assert "realized +$40.00 · dividends +$7.50 · fees -$12.50" in cards["stat-return"]
    assert money(after["total_return"], signed=True) in cards["stat-return"]


@time_machine.travel(EVENING, tick=False)
def test_portfolio_tiles_show_value_and_day_change_in_a_fixed_number_of_queries(app, client, signed_in, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("MSFT"))
    first = make_portfolio(signed_in, name="First", trades=buys("AAPL"))
    get_price_service(app).warm(["AAPL", "MSFT"], start=BOUGHT)
    page = soup(client.get("/portfolios"))
    tile = page.select_one(f'li[data-portfolio="{first.id}"]').get_text(" ")
    value = holdings(client, first)
    assert money(value["total_value"]) in tile and money(value["day_change"], signed=True) in tile and "today" in tile
    db.session.expire_all()  # the test and the app share a session: make both counts read the user afresh
    _, one = count_queries(app, lambda: client.get("/portfolios"))
    for n in range(5):
        make_portfolio(signed_in, name=f"More {n}", trades=buys("AAPL", "MSFT"))
    db.session.expire_all()
    resp, six = count_queries(app, lambda: client.get("/portfolios"))
    assert resp.status_code == 200 and resp.data.count(b'class="card tile"') == 6
    assert six == one, (one, six)


def many_transactions(owner, count=128):
    portfolio = Portfolio(owner=owner, name="Busy", base_currency="USD")
    db.session.add(portfolio)
    for i in range(count):
        db.session.add(Transaction(portfolio=portfolio, trade_date=date(2024, 1, 1) + timedelta(days=i),
                                   type="BUY", ticker="AAPL" if i % 2 else "MSFT", quantity=Decimal("10.00000000"),
                                   price=Decimal("100.50000000"), fees=Decimal(1), currency="USD",
                                   note="n" * 300 if i == count - 1 else None))
    db.session.commit()
    return portfolio


def rows(page):
    return page.select("#transactions tbody tr")


def test_transactions_come_fifty_a_page_from_sql(app, client, signed_in):
    portfolio = many_transactions(signed_in)
    url = f"/portfolios/{portfolio.id}/transactions"
    statements = []
    from sqlalchemy import event

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        first = soup(client.get(url))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert any("LIMIT" in s.upper() and "OFFSET" in s.upper() for s in statements)
    assert len(rows(first)) == 50 and "page 1 of 3" in first.select_one(".pager").get_text()
    newest = rows(first)[0].get_text(" ")
    assert "2024-05-07" in newest and "10 × $100.50" in newest and "-$1,006.00" in newest  # as entered, no zeros
    note = rows(first)[0].select_one(".note-cell")
    assert note["title"] == "n" * 300 and len(note.get_text()) < 80
    last = soup(client.get(f"{url}?page=3"))
    assert len(rows(last)) == 28 and "2024-01-01" in rows(last)[-1].get_text()
    assert len(rows(soup(client.get(f"{url}?page=99")))) == 28  # past the end: the last page
    assert "128 transactions · buys -$128,768.00" in first.select_one("#tx-totals").get_text(" ")


def test_transactions_filter_by_ticker_type_and_dates(app, client, signed_in):
    portfolio = many_transactions(signed_in)
    db.session.add(Transaction(portfolio=portfolio, trade_date=date(2024, 2, 1), type="DIVIDEND", ticker="MSFT",
                               quantity=Decimal(1), price=Decimal("12.34"), fees=Decimal(0), currency="USD"))
    db.session.commit()
    url = f"/portfolios/{portfolio.id}/transactions"
    msft = soup(client.get(f"{url}?ticker=msft"))
    assert "65 transactions match" in msft.select_one("#tx-totals").get_text(" ")
    assert all("MSFT" in r.get_text() for r in rows(msft))
    assert "ticker=MSFT" in msft.select_one('.pager a[rel="next"]')["href"].replace("msft", "MSFT")
    dividends = soup(client.get(f"{url}?type=DIVIDEND"))
    assert len(rows(dividends)) == 1 and "+$12.34" in rows(dividends)[0].get_text()
    january = soup(client.get(f"{url}?start=2024-01-10&end=2024-01-19"))
    assert [r.select_one("td").get_text() for r in rows(january)][::9] == ["2024-01-19", "2024-01-10"]
    bad = soup(client.get(f"{url}?start=2024-99-01&type=STEAL"))
    assert len(bad.select(".filters .error")) == 2 and len(rows(bad)) == 50  # bad filters: said, and left out
    backwards = soup(client.get(f"{url}?start=2024-03-01&end=2024-02-01"))
    assert "The end comes before the start." in backwards.select_one(".filters .error").get_text()
    odd = soup(client.get(f"{url}?portfolio_id=999&_external=1&page=2"))  # other keys are not filters
    assert f"/portfolios/{portfolio.id}/transactions?page=3" in odd.select_one('.pager a[rel="next"]')["href"]
    none = soup(client.get(f"{url}?ticker=ZZZZ"))
    assert "No transactions match these filters" in none.get_text()


@time_machine.travel(EVENING, tick=False)
def test_prices_page_speaks_to_a_person_first(app, client, signed_in, yahoo):
    signed_in.is_admin = True  # the page is the operator's
    yahoo.add(Symbol("AAPL"))
    make_portfolio(signed_in, trades=buys("AAPL"))
    get_price_service(app).warm(["AAPL"], start=BOUGHT)
    page = soup(client.get("/status"))
    headline = " ".join(page.select_one("#price-words .headline").get_text(" ").split())
    assert headline.startswith("Prices are current; last update") and "; next update" in headline
    assert page.select_one(".operator") is not None and "Requests to Yahoo" in page.select_one(".operator").text


def test_prices_page_never_claims_last_known_prices_when_there_are_none(app, client, signed_in, no_network):
    signed_in.is_admin = True
    make_portfolio(signed_in, trades=buys("AAPL"))
    get_price_service(app).source.breaker.open()
    headline = soup(client.get("/status")).select_one("#price-words .headline").get_text(" ")
    assert "no prices have been fetched yet" in headline and "last known prices" not in headline
    assert "next try" in headline


def test_numbers_are_written_as_entered():
    assert plain(Decimal("10.00000000")) == "10" and plain(Decimal("0.12500000")) == "0.125" and plain(None) == ""
    assert money(Decimal("0.12340000"), exact=True) == "$0.1234" and money(Decimal("170.5"), exact=True) == "$170.50"
    now = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
    assert clock("2026-11-17T14:02:05+00:00", now=now) == "14:02 UTC"
    assert clock("2026-11-16T14:02:05", now=now) == "16 Nov 14:02 UTC"  # naive means UTC
