"""Security profiles: fetched by the price runner only (a few per beat, again after a week), read by the
Allocation page; an outage pauses them and decides nothing; demo prices have profiles of their own.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.jobs import run_cycle
from app.models import FundSector, Portfolio, Security, Transaction
from app.prices import get_price_service
from app.prices.profiles import NEXT_KEY, refresh_profiles
from tests.conftest import make_user
from tests.yahoo_stub import Symbol, fund_profile, stock_profile

EVENING = datetime(2026, 11, 17, 23, 0)  # Tuesday, after the close
START = date(2025, 1, 2)
QUARTERS = {date(y, m, 10): 0.26 for y, m in [(2025, 12), (2026, 3), (2026, 6), (2026, 9)]}
HELD = [("AAPL", 10, 150, "USD"), ("SAP.DE", 5, 200, "EUR"), ("SPY", 4, 500, "USD"), ("VFIAX", 3, 400, "USD")]


@pytest.fixture
def held(app, client, auth, yahoo):
    """A portfolio of a stock, a stock in euros, an ETF and a fund with no sector data, priced, owner signed in."""
    with time_machine.travel(EVENING, tick=False):
        yahoo.add(Symbol("AAPL", start_price=150, dividends=QUARTERS),
                  Symbol("SAP.DE", currency="EUR", start_price=200), Symbol("SPY", start_price=500, kind="ETF"),
                  Symbol("VFIAX", start_price=400, kind="MUTUALFUND"),
                  Symbol("EURUSD=X", start_price=1.1, kind="CURRENCY"), Symbol("QQQ"), Symbol("VTI"))
        yahoo.profiles.update({
            "AAPL": stock_profile("Technology", "Consumer Electronics", "United States", dividend_rate=1.04,
                                  ex_dividend_date=date(2026, 12, 8)),
            "SAP.DE": stock_profile("Technology", "Software - Application", "Germany", currency="EUR"),
            "SPY": fund_profile({"technology": 0.31, "healthcare": 0.12, "financial_services": 0.13}),
            "VFIAX": fund_profile(None, quote_type="MUTUALFUND"),
        })
        owner = make_user()
        portfolio = Portfolio(owner=owner, name="Spread", base_currency="USD")
        db.session.add(portfolio)
        for ticker, quantity, price, currency in HELD:
            db.session.add(Transaction(portfolio=portfolio, trade_date=START, type="BUY", ticker=ticker,
                                       quantity=Decimal(quantity), price=Decimal(price), fees=Decimal(0),
                                       currency=currency))
        db.session.commit()
        get_price_service(app).warm([t for t, *_ in HELD] + ["EURUSD=X"], start=START)
        auth.login()
    return portfolio


def allocation_json(client, portfolio):
    resp = client.get(f"/api/portfolios/{portfolio.id}/allocation")
    assert resp.status_code == 200
    return resp.get_json()


def named(rows):
    return {row["name"]: row for row in rows}


@time_machine.travel(EVENING, tick=False)
def test_pages_never_ask_yahoo_the_runner_fetches_a_few_profiles_a_beat(app, client, held, yahoo):
    charts = yahoo.chart_requests
    for path in (f"/portfolios/{held.id}/allocation", f"/api/portfolios/{held.id}/allocation",
                 f"/portfolios/{held.id}/income", f"/api/portfolios/{held.id}/income", f"/portfolios/{held.id}"):
        assert client.get(path).status_code == 200
    assert yahoo.summary_calls == [] and yahoo.chart_requests == charts  # zero requests from page views
    before = allocation_json(client, held)
    assert named(before["by_sector"])["Unknown"]["value"] > 0 and "not known yet" in " ".join(before["notes"])

    first = run_cycle(app)  # a beat of the runner: wanted tickers, then at most PROFILE_BATCH profiles
    assert len(first.profiles) == 3 and yahoo.summary_calls
    assert run_cycle(app).profiles == {}  # the next beat, seconds later: the batch's pause is not over
    with time_machine.travel(EVENING + timedelta(seconds=30), tick=False):
        assert len(run_cycle(app).profiles) == 1  # the fourth
    db.session.expire_all()
    apple = db.session.get(Security, "AAPL")
    assert (apple.sector, apple.industry, apple.country, apple.quote_type, apple.kind) == (
        "Technology", "Consumer Electronics", "United States", "EQUITY", "equity")
    assert (apple.dividend_rate, apple.ex_dividend_date) == (1.04, date(2026, 12, 8))
    assert db.session.get(Security, "SPY").kind == "etf" and db.session.get(Security, "VFIAX").kind == "fund"
    query = select(FundSector.sector, FundSector.weight).where(FundSector.ticker == "SPY")
    weights = dict(db.session.execute(query).all())
    assert weights == {"Technology": 0.31, "Healthcare": 0.12, "Financial Services": 0.13}
    assert db.session.scalars(select(FundSector).where(FundSector.ticker == "VFIAX")).all() == []

    data = allocation_json(client, held)
    holdings = {h["ticker"]: h for h in client.get(f"/api/portfolios/{held.id}/holdings").get_json()["holdings"]}
    value = {t: h["value_base"] for t, h in holdings.items()}
    total = sum(value.values())
    assert data["total"] == pytest.approx(total, abs=0.01)
    assert {r["name"]: r["value"] for r in data["by_class"]} == pytest.approx(
        {"Equity": value["AAPL"] + value["SAP.DE"], "ETF": value["SPY"], "Fund": value["VFIAX"]}, abs=0.01)
    sectors = named(data["by_sector"])
    assert set(sectors) == {"Technology", "SPY", "VFIAX"}
    assert sectors["Technology"]["weight"] == pytest.approx((value["AAPL"] + value["SAP.DE"]) / total, abs=1e-5)
    assert sectors["SPY"]["fund"] and sectors["SPY"]["sectors"][0] == {"name": "Technology", "weight": 0.31}
    assert sectors["VFIAX"]["fund"] and sectors["VFIAX"]["sectors"] == []
    assert set(named(data["by_country"])) == {"United States", "Germany", "SPY", "VFIAX"}
    assert {r["name"]: r["value"] for r in data["by_currency"]} == pytest.approx(
        {"USD": value["AAPL"] + value["SPY"] + value["VFIAX"], "EUR": value["SAP.DE"]}, abs=0.01)
    assert sum(r["weight"] for r in data["by_sector"]) == pytest.approx(1.0, abs=1e-5)
    page = client.get(f"/portfolios/{held.id}/allocation").get_data(as_text=True)
    assert "Yahoo's fund data: Technology 31.00%" in page and "its sectors are unknown" in page
    assert "not known yet" not in page

    upcoming = [u for u in client.get(f"/api/portfolios/{held.id}/income").get_json()["upcoming"]
                if u["ticker"] == "AAPL"]
    assert [u["basis"] for u in upcoming] == ["declared rate"] * 4  # 1.04 a year, four payments of 0.26
    assert (upcoming[0]["date"], upcoming[0]["announced"]) == ("2026-12-08", True)


@time_machine.travel(EVENING, tick=False)
def test_profiles_are_asked_for_again_after_a_week_and_not_before(app, held, yahoo):
    service = get_price_service(app)
    assert len(refresh_profiles(service, limit=10, force=True)) == 4
    asked = len(yahoo.summary_calls)
    assert refresh_profiles(service, limit=10, force=True) == {} and len(yahoo.summary_calls) == asked
    with time_machine.travel(EVENING + timedelta(days=6), tick=False):
        assert refresh_profiles(service, limit=10, force=True) == {}
    with time_machine.travel(EVENING + timedelta(days=8), tick=False):
        assert set(refresh_profiles(service, limit=10, force=True)) == {"AAPL", "SAP.DE", "SPY", "VFIAX"}
    assert len(yahoo.summary_calls) > asked


@pytest.mark.parametrize("failure", ["500", "timeout", "connection", "429"])
@time_machine.travel(EVENING, tick=False)
def test_an_outage_pauses_the_profiles_and_decides_nothing(app, held, yahoo, failure):
    service = get_price_service(app)
    yahoo.summary_failures["*"] = failure
    assert refresh_profiles(service, limit=10) == {}
    asked = {name for name, _ in yahoo.summary_calls}
    assert len(asked) == 1  # the batch stopped at its first ticker
    assert all(s.profile_at is None for s in db.session.scalars(select(Security)))
    assert datetime.fromisoformat(service.stats.get(NEXT_KEY)) == EVENING + timedelta(minutes=15)
    yahoo.summary_failures.clear()
    calls = len(yahoo.summary_calls)
    assert refresh_profiles(service, limit=10) == {} and len(yahoo.summary_calls) == calls  # paused
    with time_machine.travel(EVENING + timedelta(minutes=16), tick=False):
        assert len(refresh_profiles(service, limit=10)) == 4


@time_machine.travel(EVENING, tick=False)
def test_a_ticker_yahoo_has_no_profile_for_is_left_as_it_is_for_a_week(app, held, yahoo):
    del yahoo.profiles["SAP.DE"]
    done = refresh_profiles(get_price_service(app), limit=10, force=True)
    assert done == {"AAPL": True, "SAP.DE": False, "SPY": True, "VFIAX": True}
    sap = db.session.get(Security, "SAP.DE")
    assert sap.profile_at == EVENING and sap.sector is None and sap.kind == "equity"


def test_demo_prices_have_profiles_without_a_network(app_factory, no_network):
    app = app_factory(PRICE_SOURCE="demo")
    with app.app_context():
        owner = make_user()
        portfolio = Portfolio(owner=owner, name="Demo", base_currency="USD")
        db.session.add(portfolio)
        for ticker in ("AAPL", "VOO", "KO"):
            db.session.add(Transaction(portfolio=portfolio, trade_date=START, type="BUY", ticker=ticker,
                                       quantity=Decimal(1), price=Decimal(100), fees=Decimal(0), currency="USD"))
        db.session.commit()
        service = get_price_service(app)
        service.warm(["AAPL", "VOO", "KO"], start=START)
        result = app.test_cli_runner().invoke(args=["prices", "profiles"])
        assert result.exit_code == 0 and "profiles fetched: 3 (3 with data) AAPL KO VOO" in result.output
        assert refresh_profiles(service, force=True) == {}  # nothing is due again for a week
        assert db.session.get(Security, "AAPL").sector == "Technology"
        assert db.session.get(Security, "KO").dividend_rate == pytest.approx(4 * 0.46)
        assert db.session.scalars(select(FundSector).where(FundSector.ticker == "VOO")).all()
    assert len(no_network.calls) == 0
