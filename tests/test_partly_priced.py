"""A portfolio with a holding that has no market price: the charts and Compare say which values come from trade
prices, and the allocation leaves that holding out as the holdings table does."""

from datetime import date, datetime

import pytest
import time_machine

from app.portfolios.chart_payloads import left_out_note, names, trade_price_note
from app.prices import get_price_service
from tests.conftest import make_portfolio, make_user
from tests.yahoo_stub import Symbol

EVENING = datetime(2026, 11, 17, 23, 0)  # Tuesday, after the close
BOUGHT = date(2025, 3, 3)
TRADES = [(BOUGHT, "BUY", "AAPL", 10, 100), (BOUGHT, "BUY", "NVDA", 4, 150), (BOUGHT, "BUY", "MSFT", 5, 200)]


@pytest.fixture
def signed_in(client, auth):
    user = make_user()
    auth.login()
    return user


def get(client, path, **query):
    resp = client.get(path, query_string={"range": "1Y", "benchmarks": "SPY", **query})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def api(client, portfolio, **query):
    """The chart JSON, the performance JSON and the holdings table's JSON of a portfolio."""
    return (get(client, f"/api/chart-data/{portfolio.id}", **query),
            get(client, f"/api/portfolios/{portfolio.id}/performance", **query),
            get(client, f"/api/portfolios/{portfolio.id}/holdings"))


@time_machine.travel(EVENING, tick=False)
def test_an_unknown_ticker_is_named_as_trade_priced_and_left_out_of_the_allocation(app, client, signed_in, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("NVDA"), Symbol("SPY"))  # Yahoo does not know MSFT
    portfolio = make_portfolio(signed_in, trades=TRADES)
    get_price_service(app).warm(["AAPL", "NVDA", "MSFT", "SPY"], start=BOUGHT)
    chart, perf, table = api(client, portfolio)

    assert chart["trade_priced"] == ["MSFT"]
    assert chart["trade_price_note"] == "MSFT is valued at its trade price: unknown ticker."
    weights = {h["ticker"]: h["weight"] for h in table["holdings"] if h["weight"] is not None}
    assert set(weights) == {"AAPL", "NVDA"}  # the table leaves MSFT out of the weights (it shows "—")
    sliced = {a["ticker"]: a["weight"] for a in chart["allocation"]}
    assert sliced == pytest.approx(weights, abs=1e-3)  # the chart agrees with the table
    assert chart["allocation_left_out"] == ["MSFT"] and chart["allocation_note"] == "MSFT left out: unknown ticker."
    assert sum(a["value"] for a in chart["allocation"]) == pytest.approx(table["total_value"], abs=0.01)

    assert perf["trade_priced"] == ["MSFT"] and perf["trade_price_note"] == chart["trade_price_note"]
    assert "insufficient" not in perf["table"]["portfolio"]  # partly priced: figures, with the label
    assert "insufficient" not in perf["table"]["benchmarks"]["SPY"]
    assert "MSFT" not in chart["errors"]  # said once, by the note

    status = client.get(f"/portfolios/{portfolio.id}").get_data(as_text=True)
    line = " ".join(status[status.index('id="price-status"'):].split("</p>")[0].split())
    assert "No price for 1 of 3 holdings: Yahoo Finance does not know MSFT (check the symbol)." in line
    assert "being fetched" not in line  # nobody is fetching an unknown ticker


@time_machine.travel(EVENING, tick=False)
def test_with_yahoo_unreachable_the_note_says_so_and_a_later_price_clears_it(app, client, signed_in, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("NVDA"), Symbol("SPY"))
    portfolio = make_portfolio(signed_in, trades=TRADES)
    service = get_price_service(app)
    service.warm(["AAPL", "NVDA", "SPY"], start=BOUGHT)  # MSFT never fetched
    service.source.breaker.open()
    chart, perf, table = api(client, portfolio)
    assert chart["status"] == "unavailable" and chart["trade_priced"] == ["MSFT"]
    assert chart["trade_price_note"] == "MSFT is valued at its trade price: Yahoo unreachable."
    assert perf["trade_price_note"] == chart["trade_price_note"]
    assert chart["allocation_note"] == "MSFT left out: Yahoo unreachable."
    assert next(h for h in table["holdings"] if h["ticker"] == "MSFT")["reason"] == "Yahoo unreachable"

    service.source.breaker.close()
    yahoo.add(Symbol("MSFT"))
    service.warm(["MSFT"], start=BOUGHT)  # its prices arrive: the cached bodies of before must not be served
    chart, perf, _ = api(client, portfolio)
    assert chart["trade_priced"] == [] and chart["trade_price_note"] is None and chart["allocation_note"] is None
    assert {a["ticker"] for a in chart["allocation"]} == {"AAPL", "NVDA", "MSFT"}
    assert perf["trade_priced"] == [] and perf["trade_price_note"] is None


@time_machine.travel(EVENING, tick=False)
def test_a_ticker_priced_only_from_a_later_day_is_trade_priced_in_the_ranges_that_reach_back(
        app, client, signed_in, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("NEW", first_day=date(2025, 6, 2)), Symbol("SPY"))
    portfolio = make_portfolio(signed_in, trades=[(BOUGHT, "BUY", "AAPL", 10, 100), (BOUGHT, "BUY", "NEW", 5, 20)])
    get_price_service(app).warm(["AAPL", "NEW", "SPY"], start=BOUGHT)
    chart, perf, _ = api(client, portfolio, range="MAX")
    assert chart["trade_priced"] == ["NEW"] and perf["trade_priced"] == ["NEW"]
    assert chart["trade_price_note"] == "NEW is valued at its trade price before its first market price."
    assert chart["allocation_left_out"] == [] and {a["ticker"] for a in chart["allocation"]} == {"AAPL", "NEW"}
    chart, perf, _ = api(client, portfolio, range="1Y")  # from Nov 2025: market prices all along
    assert chart["trade_priced"] == [] and chart["trade_price_note"] is None and perf["trade_priced"] == []


def test_the_notes_name_every_ticker_once_grouped_by_reason():
    reasons = {"MSFT": "no price yet", "NOPE": "unknown ticker", "IBM": "no price yet"}
    assert trade_price_note(reasons) == ("MSFT and IBM are valued at their trade prices: no price yet. "
                                         "NOPE is valued at its trade price: unknown ticker.")
    assert left_out_note({"MSFT": "Yahoo unreachable"}) == "MSFT left out: Yahoo unreachable."
    assert trade_price_note({}) is None and left_out_note({}) is None
    assert names(list("ABCDEFG")) == "A, B, C, D, E and 2 others" and names(["A", "B", "C"]) == "A, B and C"
