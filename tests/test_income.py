"""The Income page, its JSON and its CSV files, from hand-built Yahoo answers stored by a warm-up.

The portfolio (USD) holds a quarterly payer that also paid a special dividend and was bought again on an
ex-date, a monthly payer, one that stopped paying, a London stock paying in pence, one split 2:1 inside the
last 12 months, and one whose dividends its owner entered by hand across a split he entered too.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest
import time_machine

from app.extensions import db
from app.models import Portfolio, Transaction
from app.prices import get_price_service
from tests.conftest import make_user
from tests.yahoo_stub import Symbol

EVENING = datetime(2026, 11, 17, 23, 0)  # Tuesday, after the close
START = date(2024, 1, 2)


def business_day(day):
    """The first weekday on or after `day`, as Yahoo dates its events."""
    stamp = pd.Timestamp(day)
    while stamp.weekday() >= 5:
        stamp += pd.Timedelta(days=1)
    return stamp.date()


QUARTERLY = {business_day(date(y, m, 10)): 0.5 for y in (2024, 2025, 2026) for m in (3, 6, 9, 12)
             if date(y, m, 10) <= date(2026, 9, 10)}
MONTHLY = {business_day(date(y, m, 5)): 0.1 for y in (2024, 2025, 2026) for m in range(1, 13)
           if date(y, m, 5) <= date(2026, 11, 5)}
SYMBOLS = [
    Symbol("QPAY", start_price=40, dividends={**QUARTERLY, date(2026, 7, 1): 3.0}),
    Symbol("MPAY", start_price=10, dividends=MONTHLY),
    Symbol("STOP", start_price=30, dividends={date(2024, 12, 10): 0.4, date(2025, 3, 10): 0.4, date(2025, 6, 10): 0.4}),
    Symbol("VOD.L", currency="GBp", start_price=70,
           dividends={date(2025, 7, 1): 4.5, date(2026, 2, 2): 4.5, date(2026, 7, 1): 4.5}),
    # A 2:1 split on 1 May 2026: Yahoo shows every dividend in today's shares (1.00 before is 0.50).
    Symbol("SPLT", start_price=50, splits={date(2026, 5, 1): 2.0},
           dividends={date(2025, 12, 1): 0.5, date(2026, 3, 2): 0.5, date(2026, 6, 1): 0.5, date(2026, 9, 1): 0.5}),
    Symbol("USRS", start_price=20, splits={date(2026, 5, 1): 2.0}),
    Symbol("GBPUSD=X", currency="USD", start_price=1.25, kind="CURRENCY"),
]
TRADES = [
    (START, "BUY", "QPAY", 100, 40, "USD"), (date(2026, 6, 10), "BUY", "QPAY", 50, 45, "USD"),  # on an ex-date
    (START, "BUY", "MPAY", 200, 10, "USD"), (START, "BUY", "STOP", 100, 30, "USD"),
    (START, "BUY", "VOD.L", 1000, 0.7, "GBP"), (START, "BUY", "SPLT", 100, 50, "USD"),
    (START, "BUY", "USRS", 100, 20, "USD"), (date(2026, 3, 2), "DIVIDEND", "USRS", 1, 100, "USD"),
    (date(2026, 5, 1), "SPLIT", "USRS", 2, 0, "USD"), (date(2026, 6, 1), "DIVIDEND", "USRS", 1, 100, "USD"),
]
# Worked out by hand: each ticker's last 12 months and next 12 months, in dollars.
# QPAY: 0.50 on 100 shares on 10 Dec, 10 Mar and 10 Jun (not on the 50 bought that day), on 150 on 10 Sep, and
# the special 3.00 on 150 on 1 Jul. USRS: the two $100 its owner entered.
TRAILING = {"QPAY": 50 + 50 + 50 + 75 + 450,
            "MPAY": 12 * 200 * 0.1, "VOD.L": 2 * 1000 * 4.5 / 100 * 1.25, "SPLT": 4 * 200 * 0.5, "USRS": 200.0}
PROJECTED = {"QPAY": 4 * 150 * 0.5, "MPAY": 12 * 200 * 0.1, "VOD.L": 2 * 1000 * 4.5 / 100 * 1.25,
             "SPLT": 4 * 200 * 0.5, "USRS": 4 * 200 * 0.5}


@pytest.fixture
def income_portfolio(app, client, auth, yahoo):
    """The portfolio above, its prices warmed from the stand-in Yahoo, its owner signed in."""
    with time_machine.travel(EVENING, tick=False):
        yahoo.add(*SYMBOLS)
        flat = yahoo.frame("GBPUSD=X").copy()
        flat[["close", "adjclose"]] = 1.25
        yahoo.replace_frame("GBPUSD=X", flat)
        owner = make_user()
        portfolio = Portfolio(owner=owner, name="Income: test", base_currency="USD")
        db.session.add(portfolio)
        for day, kind, ticker, quantity, price, currency in TRADES:
            db.session.add(Transaction(portfolio=portfolio, trade_date=day, type=kind, ticker=ticker,
                                       quantity=Decimal(str(quantity)), price=Decimal(str(price)), fees=Decimal(0),
                                       currency=currency))
        db.session.commit()
        get_price_service(app).warm([s.name for s in SYMBOLS], start=START)
        auth.login()
    yield portfolio


@pytest.fixture
def at_evening():
    with time_machine.travel(EVENING, tick=False):
        yield


def income_json(client, portfolio):
    resp = client.get(f"/api/portfolios/{portfolio.id}/income")
    assert resp.status_code == 200
    return resp.get_json()


def test_received_trailing_and_projected_income_by_holding(client, income_portfolio, at_evening, yahoo):
    calls = yahoo.chart_requests
    data = income_json(client, income_portfolio)
    assert data["status"] == "ready" and data["currency"] == "USD"
    by_ticker = {h["ticker"]: h for h in data["holdings"]}
    assert {t: h["trailing_12m"] for t, h in by_ticker.items() if h["trailing_12m"]} == pytest.approx(TRAILING)
    assert {t: h["projected_12m"] for t, h in by_ticker.items() if h["projected_12m"]} == pytest.approx(PROJECTED)
    assert by_ticker["STOP"]["trailing_12m"] == 0 and by_ticker["STOP"]["projected_12m"] == 0
    assert data["trailing_12m"] == pytest.approx(sum(TRAILING.values()))
    assert data["projected_12m_total"] == pytest.approx(sum(PROJECTED.values()))
    assert sum(m["amount"] for m in data["projected"]) == pytest.approx(data["projected_12m_total"])
    assert {m["ticker"] for m in data["projected"]} == set(PROJECTED)
    notes = " ".join(data["notes"])
    assert "QPAY paid a special dividend of 3 USD a share on 1 Jul 2026" in notes and "left out" in notes
    assert "STOP has paid no dividend since 10 Jun 2025" in notes
    assert by_ticker["QPAY"]["yield_on_cost"] == pytest.approx(TRAILING["QPAY"] / (100 * 40 + 50 * 45))
    assert yahoo.chart_requests == calls and yahoo.summary_calls == []  # the page read the database only


def test_each_payment_is_marked_by_its_source_and_counts_the_shares_held_on_its_ex_date(client, income_portfolio,
                                                                                        at_evening):
    data = income_json(client, income_portfolio)
    payments = {(p["ticker"], p["date"]): p for p in data["payments"]}
    june = payments[("QPAY", "2026-06-10")]
    assert (june["source"], june["shares"], june["amount_base"]) == ("yahoo", 100, 50.0)  # not the 50 bought that day
    assert payments[("QPAY", "2026-09-10")]["shares"] == 150
    assert payments[("SPLT", "2025-12-01")]["shares"] == 200  # 100 before the split, in today's units
    assert payments[("SPLT", "2025-12-01")]["amount_base"] == 100.0  # what 100 shares × 1.00 paid
    assert payments[("VOD.L", "2026-07-01")]["currency"] == "GBp"
    assert payments[("VOD.L", "2026-07-01")]["amount_base"] == pytest.approx(56.25)  # 1000 × 4.5p × $1.25/£
    assert [p["source"] for p in data["payments"] if p["ticker"] == "USRS"] == ["entered", "entered"]
    assert not any(t == "USRS" and p["source"] == "yahoo" for (t, _), p in payments.items())
    # Per month, by source; every month from the first payment to this one.
    months = {m["month"]: m for m in data["received"]}
    assert months["2026-06"]["entered"] == 100 and months["2026-06"]["yahoo"] == pytest.approx(50 + 100 + 20)
    assert list(months)[-1] == "2026-11" and len(months) == len(set(months))
    years = {y["year"]: y["amount"] for y in data["received_by_year"]}
    assert sum(years.values()) == pytest.approx(sum(p["amount_base"] for p in data["payments"]))
    upcoming = data["upcoming"]
    assert upcoming == sorted(upcoming, key=lambda u: u["date"]) and upcoming[0]["date"] > "2026-11-17"
    assert {u["ticker"] for u in upcoming if u["date"] <= "2026-12-31"} >= {"QPAY", "MPAY", "SPLT"}


def test_the_income_json_has_an_etag_and_answers_304_unchanged(client, income_portfolio, at_evening):
    url = f"/api/portfolios/{income_portfolio.id}/income"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_income_page_shows_the_totals_tables_and_chart_data(client, income_portfolio, at_evening):
    page = client.get(f"/portfolios/{income_portfolio.id}/income").get_data(as_text=True)
    assert f"${sum(TRAILING.values()):,.2f}" in page
    assert f"${sum(PROJECTED.values()):,.2f}" in page
    assert "data-received='[" in page and "<script>" not in page.split("</head>")[1].replace(" ", "")
    assert 'class="tag yahoo"' in page and 'class="tag entered"' in page
    assert "left out of the projection" in page and "No dividend in the last 12 months and none expected: STOP" in page


def test_the_income_csv_lists_every_payment_with_its_source(client, income_portfolio, at_evening):
    resp = client.get(f"/portfolios/{income_portfolio.id}/income.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert 'filename="income-test-income.csv"' in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    data = income_json(client, income_portfolio)
    assert len(rows) == data["payments_count"] == len(data["payments"])  # fewer than the 100 the answer holds
    vod = next(r for r in rows if r["ticker"] == "VOD.L" and r["date"] == "2026-07-01")
    assert (vod["source"], vod["shares"], vod["per_share"], vod["currency"], vod["amount_in_base"], vod["base"]) == (
        "yahoo", "1000", "4.5", "GBp", "56.25", "USD")


def test_a_pair_with_no_rate_yet_is_said_and_asked_of_the_runner(app, client, auth, no_network):
    owner = make_user()
    portfolio = Portfolio(owner=owner, name="Euro", base_currency="USD")
    db.session.add(portfolio)
    db.session.add(Transaction(portfolio=portfolio, trade_date=START, type="DIVIDEND", ticker="SAP.DE",
                               quantity=Decimal(1), price=Decimal(12), fees=Decimal(0), currency="EUR"))
    db.session.commit()
    auth.login()
    data = client.get(f"/api/portfolios/{portfolio.id}/income").get_json()
    assert data["status"] == "warming" and "EURUSD=X" in data["message"]
    assert "EURUSD=X" in get_price_service(app).wanted.peek()
    page = client.get(f"/portfolios/{portfolio.id}/income").get_data(as_text=True)
    assert "No exchange rate yet for EURUSD=X" in page
    assert len(no_network.calls) == 0


def test_an_empty_portfolio_says_so(client, auth, app):
    owner = make_user()
    portfolio = Portfolio(owner=owner, name="Empty", base_currency="USD")
    db.session.add(portfolio)
    db.session.commit()
    auth.login()
    assert client.get(f"/api/portfolios/{portfolio.id}/income").get_json()["status"] == "empty"
    page = client.get(f"/portfolios/{portfolio.id}/income").get_data(as_text=True)
    assert "No transactions yet" in page and "No sales yet" in page


def test_the_answer_holds_the_latest_hundred_payments_and_the_csv_every_one(client, auth, no_network):
    from datetime import timedelta

    from tests.conftest import make_portfolio

    owner = make_user()
    trades = [(START, "BUY", "AAA", 10, 10)] + [(START + timedelta(days=i + 1), "DIVIDEND", "AAA", 1, i + 1)
                                                 for i in range(150)]
    portfolio = make_portfolio(owner, trades=trades)
    auth.login()
    data = client.get(f"/api/portfolios/{portfolio.id}/income").get_json()
    assert data["payments_count"] == 150 and len(data["payments"]) == 100
    assert data["payments"][0]["amount_base"] == 150  # newest first
    body = client.get(f"/portfolios/{portfolio.id}/income.csv").get_data(as_text=True)
    assert len(body.strip().splitlines()) == 151
    assert "The latest 50 of 150 payments" in client.get(f"/portfolios/{portfolio.id}/income").get_data(as_text=True)
