"""ISINs: an import stores them marked to resolve and never calls the network; the price runner finds each
one's Yahoo symbol (yfinance's Search, stood in for by `responses`); the holdings page says so, and takes a
symbol typed by hand."""

import json
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from bs4 import BeautifulSoup

from app.extensions import db
from app.imports import service
from app.jobs import run_cycle
from app.models import Portfolio, Security, Transaction, utcnow
from app.prices import isin
from tests.conftest import make_portfolio, make_user
from tests.test_imports_flow import upload
from tests.test_imports_formats import held, import_fixture
from tests.yahoo_stub import Symbol

SEARCH = re.compile(r"^https://query2\.finance\.yahoo\.com/v1/finance/search")
IBKR = "\n".join([
    '"Buy/Sell","TradeDate","ISIN","Quantity","TradePrice","CurrencyPrimary","IBCommission"',
    '"BUY","20240110","{isin}","10","100.5","{currency}","-1"',
]) + "\n"


class Search:
    """Yahoo's search endpoint: answers per ISIN, and remembers what was asked."""

    def __init__(self, rsps, answers):
        self.answers, self.asked = answers, []
        rsps.add_callback(responses.GET, SEARCH, callback=self.answer)

    def answer(self, request):
        query = parse_qs(urlsplit(request.url).query)["q"][0]
        self.asked.append(query)
        quotes = self.answers.get(query)
        if quotes == "down":
            return 500, {}, "<html>Will be right back</html>"
        return 200, {"Content-Type": "application/json"}, json.dumps({"quotes": quotes or [], "news": []})


def quote(symbol, kind="ETF", exchange="NYQ"):
    return {"symbol": symbol, "quoteType": kind, "exchange": exchange, "shortname": symbol}


def holding_of(owner, code, currency="USD", name="Main"):
    portfolio = make_portfolio(owner, name=name)
    preview = service.preview(portfolio, IBKR.format(isin=code, currency=currency), "ibkr.csv")
    service.commit(portfolio, preview.batch)
    return portfolio


def test_an_import_makes_no_request_and_marks_the_isin(owner, no_network):
    portfolio = holding_of(owner, "US9220427424")
    assert held(portfolio.id) == {"US9220427424": 10}
    security = db.session.get(Security, "US9220427424")
    assert (security.isin, security.to_resolve, security.currency) == ("US9220427424", True, "USD")
    assert len(no_network.calls) == 0


def test_the_runner_resolves_an_isin_preferring_the_files_listing_and_currency(app, owner, yahoo):
    search = Search(yahoo.rsps, {
        "IE00B4L5Y983": [quote("SWDA.L"), quote("EUNL.DE"), quote("IWDA.AS"), quote("IWDA.MX")],
        "CH0111762537": [quote("0QKD.L", "EQUITY"), quote("SREN.SW", "EQUITY"), quote("SSREF", "EQUITY")],
    })
    first, _ = import_fixture(owner, "ibkr.csv")  # IE00B4L5Y983 on AEB (Amsterdam) in EUR
    second = holding_of(owner, "CH0111762537", "CHF", name="Second")
    versions = {p.id: p.data_version for p in Portfolio.query}
    assert isin.resolve_pending_isins() == {"IE00B4L5Y983": "IWDA.AS", "CH0111762537": "SREN.SW"}
    assert sorted(search.asked) == ["CH0111762537", "IE00B4L5Y983"]
    db.session.expire_all()
    assert held(first.id)["IWDA.AS"] == 12 and "IE00B4L5Y983" not in held(first.id)
    assert held(second.id) == {"SREN.SW": 10}
    assert all(p.data_version == versions[p.id] + 1 for p in Portfolio.query)  # their dashboards recompute
    assert db.session.get(Security, "IE00B4L5Y983") is None
    assert (db.session.get(Security, "IWDA.AS").isin, db.session.get(Security, "IWDA.AS").kind) == (
        "IE00B4L5Y983", "etf")
    # The next file naming that ISIN in that currency gets the symbol at once, with no request.
    third = holding_of(owner, "CH0111762537", "CHF", name="Third")
    assert held(third.id) == {"SREN.SW": 10} and sorted(search.asked) == ["CH0111762537", "IE00B4L5Y983"]


def test_an_isin_yahoo_does_not_know_is_marked_and_asked_again_only_a_day_later(app, owner, yahoo, client, auth):
    search = Search(yahoo.rsps, {"US0378331005": []})
    portfolio = holding_of(owner, "US0378331005")
    assert isin.resolve_pending_isins() == {"US0378331005": None}
    security = db.session.get(Security, "US0378331005")
    assert security.to_resolve and security.unknown_since is not None
    assert isin.resolve_pending_isins() == {} and search.asked == ["US0378331005"]
    assert isin.resolve_pending_isins(now=utcnow() + isin.RETRY_AFTER + timedelta(hours=1)) == {
        "US0378331005": None}
    auth.login()
    page = client.get(f"/portfolios/{portfolio.id}").get_data(as_text=True)
    assert "no symbol found for ISIN US0378331005" in page


def test_an_outage_decides_nothing_and_stops_the_run(app, owner, yahoo):
    search = Search(yahoo.rsps, {"US5949181045": "down"})
    holding_of(owner, "US5949181045")
    holding_of(owner, "US88160R1014", name="Later")
    assert isin.resolve_pending_isins() == {}
    assert set(search.asked) == {"US5949181045"}  # the run stopped at the first failure (yfinance asks twice)
    assert all(s.to_resolve and s.unknown_since is None for s in Security.query)


def test_with_demo_prices_nothing_is_asked(app_factory, no_network):
    app = app_factory(PRICE_SOURCE="demo")
    with app.app_context():
        holding_of(make_user(), "US02079K3059")
        assert isin.resolve_pending_isins() == {} and len(no_network.calls) == 0


def test_the_warm_up_resolves_isins_first_and_then_prices_the_symbols(app, owner, yahoo):
    search = Search(yahoo.rsps, {"US9256521090": [quote("VICI", "EQUITY")]})
    yahoo.add(Symbol("VICI"), Symbol("SPY"), Symbol("QQQ"), Symbol("VTI"))
    portfolio = holding_of(owner, "US9256521090")
    with app.app_context():
        report = run_cycle(app, force=True)
    assert search.asked == ["US9256521090"]
    assert "VICI" in report.scheduled[0].fetched and yahoo.requests_for("US9256521090") == []
    with app.app_context():
        assert held(portfolio.id) == {"VICI": 10}


def test_the_holdings_page_says_resolving_and_takes_a_symbol_typed_by_hand(client, auth, owner, no_network):
    mine = holding_of(owner, "US67066G1040")
    theirs = holding_of(make_user("other@example.com"), "US67066G1040", name="Theirs")
    auth.login()
    page = client.get(f"/portfolios/{mine.id}").get_data(as_text=True)
    assert "resolving ISIN US67066G1040…" in page
    form = BeautifulSoup(page, "html.parser").find("form", class_="symbol-form")
    assert form["action"] == f"/portfolios/{mine.id}/isin"
    resp = client.post(form["action"], data={"isin": "US67066G1040", "symbol": "nvda"})
    assert "US67066G1040 is now NVDA." in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert held(mine.id) == {"NVDA": 10}
    assert held(theirs.id) == {"US67066G1040": 10}  # one owner's typing does not move another's holding
    assert db.session.get(Security, "US67066G1040").to_resolve  # still waiting for the other portfolio
    assert len(no_network.calls) == 0


@pytest.mark.parametrize(("symbol", "message"), [
    ("US0378331005", "that is an ISIN"), ("A B", "A symbol has no spaces."), ("", "Type the symbol."),
])
def test_a_symbol_that_cannot_be_used_changes_nothing(client, auth, owner, symbol, message):
    portfolio = holding_of(owner, "IE00B3RBWM25", "EUR")
    auth.login()
    resp = client.post(f"/portfolios/{portfolio.id}/isin", data={"isin": "IE00B3RBWM25", "symbol": symbol})
    assert message in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert held(portfolio.id) == {"IE00B3RBWM25": 10}


def test_an_isin_the_portfolio_does_not_hold_changes_nothing(client, auth, owner):
    portfolio = make_portfolio(owner, trades=[(date(2024, 1, 2), "BUY", "AAPL", 1, 100)])
    auth.login()
    resp = client.post(f"/portfolios/{portfolio.id}/isin", data={"isin": "CA0641491075", "symbol": "BNS"})
    assert "holds nothing under CA0641491075" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert Transaction.query.one().ticker == "AAPL"


def test_typing_a_symbol_needs_the_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        portfolio_id = holding_of(make_user(), "US0846707026").id
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    page = client.get("/login").get_data(as_text=True)
    token = BeautifulSoup(page, "html.parser").find("input", {"name": "csrf_token"})["value"]
    client.post("/login", data={"email": "owner@example.com", "password": "correct-horse", "csrf_token": token})
    resp = client.post(f"/portfolios/{portfolio_id}/isin", data={"isin": "US0846707026", "symbol": "BRK-B"})
    assert resp.status_code == 400
    page = client.get(f"/portfolios/{portfolio_id}").get_data(as_text=True)
    token = BeautifulSoup(page, "html.parser").find("form", class_="symbol-form").find(
        "input", {"name": "csrf_token"})["value"]
    resp = client.post(f"/portfolios/{portfolio_id}/isin",
                       data={"isin": "US0846707026", "symbol": "BRK-B", "csrf_token": token})
    assert resp.status_code == 302
    with app.app_context():
        assert held(portfolio_id) == {"BRK-B": 10}


def test_the_preview_says_which_isins_wait_for_a_symbol(client, auth, owner):
    portfolio = make_portfolio(owner)
    auth.login()
    page = upload(client, portfolio.id, IBKR.format(isin="US17275R1023", currency="USD")).get_data(as_text=True)
    assert "1 security is named only by ISIN (US17275R1023)" in page
