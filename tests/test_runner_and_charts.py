"""The runner fills what pages ask for, once; the charts' cached data lasts until a price they read changes."""

import threading
from datetime import date, datetime

import pytest
import time_machine

from app.extensions import cache, db
from app.portfolios import charts
from app.prices import get_price_service
from tests.conftest import make_portfolio, make_user, run_price_runner
from tests.parts import redis_url
from tests.yahoo_stub import Symbol

EVENING = datetime(2026, 11, 17, 23, 0)  # Tuesday, after the close
TRADES = [(date(2025, 3, 3), "BUY", "AAPL", 10, 100), (date(2025, 3, 3), "BUY", "MSFT", 5, 200)]


@pytest.fixture
def signed_in(client, auth):
    user = make_user()
    auth.login()
    return user


@pytest.fixture
def computations(monkeypatch):
    """How many times a portfolio's valuation was computed (the work a cache hit saves)."""
    counted = []
    real = charts.value_portfolio

    def counting(*args, **kwargs):
        counted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "value_portfolio", counting)
    return counted


@time_machine.travel(EVENING, tick=False)
def test_a_warm_up_that_changed_nothing_keeps_the_charts_cached(app, client, signed_in, yahoo, computations):
    yahoo.add(Symbol("AAPL"), Symbol("MSFT"), Symbol("SPY"), Symbol("NVDA"))
    portfolio = make_portfolio(signed_in, trades=TRADES)
    service = get_price_service(app)
    service.warm(["AAPL", "MSFT", "SPY", "NVDA"], start=date(2025, 3, 3))
    url = f"/api/chart-data/{portfolio.id}?range=1Y&benchmarks=SPY"
    first = client.get(url).get_json()
    for code in ("3M", "MAX"):  # other ranges are cut from the same valuation
        assert client.get(f"/api/chart-data/{portfolio.id}?range={code}&benchmarks=SPY").status_code == 200
    assert client.get(f"/api/portfolios/{portfolio.id}/performance?range=1Y&benchmarks=SPY").status_code == 200
    assert len(computations) == 1

    report = service.warm(["AAPL", "MSFT", "SPY"], force=True)  # the same prices again
    assert sorted(report.fetched) == ["AAPL", "MSFT", "SPY"] and report.changed == []
    service.warm(["NVDA"], force=True)  # and a ticker the portfolio does not hold
    assert client.get(url).get_json()["value"] == first["value"]
    assert len(computations) == 1  # still the cached valuation

    corrected = yahoo.frame("AAPL").copy()
    corrected.loc["2026-11-17", "close"] += 5.0  # Yahoo corrects AAPL's last close
    yahoo.replace_frame("AAPL", corrected)
    assert service.warm(["AAPL"], force=True).changed == ["AAPL"]
    again = client.get(url).get_json()
    assert len(computations) == 2  # a price it reads changed: computed again
    assert again["value"][-1] == pytest.approx(first["value"][-1] + 50.0, abs=0.01)  # 10 shares × $5


def _ask_at_once(apps, portfolio_id):
    """Two web workers (each its own app and price service) ask for the same missing prices at once."""
    meeting = threading.Barrier(len(apps), timeout=10)
    codes = []

    def ask(app):
        client = app.test_client()
        client.post("/login", data={"email": "owner@example.com", "password": "correct-horse"})
        meeting.wait()
        codes.append(client.get(f"/api/chart-data/{portfolio_id}?range=1Y&benchmarks=SPY").status_code)

    threads = [threading.Thread(target=ask, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


@pytest.mark.parametrize("queue", ["table", pytest.param("redis", marks=pytest.mark.redis)])
@time_machine.travel(EVENING, tick=False)
def test_two_workers_asking_at_once_queue_each_ticker_once_and_it_is_fetched_once(app_factory, yahoo, queue):
    overrides = {}
    if queue == "redis":
        import redis

        url = redis_url()
        redis.Redis.from_url(url).delete("folio:wanted", "folio:wanted:at")
        overrides["REDIS_URL"] = url
    apps = [app_factory(**overrides) for _ in range(2)]
    yahoo.add(Symbol("AAPL"), Symbol("MSFT"), Symbol("SPY"))
    with apps[0].app_context():
        portfolio_id = make_portfolio(make_user(), trades=TRADES).id
        db.session.remove()
    assert _ask_at_once(apps, portfolio_id) == [202, 202]
    assert yahoo.chart_requests == 0
    with apps[0].app_context():
        wanted = get_price_service(apps[0]).wanted.peek()
    assert wanted == {t: date(2025, 3, 3) for t in ("AAPL", "MSFT", "SPY")}
    run_price_runner(apps[1])
    assert {t: len(yahoo.requests_for(t)) for t in ("AAPL", "MSFT", "SPY")} == {"AAPL": 1, "MSFT": 1, "SPY": 1}
    assert run_price_runner(apps[0]) is None  # nothing left to fetch
    client = apps[0].test_client()
    client.post("/login", data={"email": "owner@example.com", "password": "correct-horse"})
    assert client.get(f"/api/chart-data/{portfolio_id}?range=1Y&benchmarks=SPY").status_code == 200


@time_machine.travel(EVENING, tick=False)
def test_an_earlier_start_asked_while_queued_is_kept(app):
    wanted = get_price_service(app).wanted
    wanted.add(["AAPL"], date(2025, 3, 3))
    wanted.add(["AAPL"], date(2024, 1, 2))
    wanted.add(["AAPL"], date(2025, 6, 2))
    assert wanted.peek() == {"AAPL": date(2024, 1, 2)}
    wanted.remove({"AAPL": date(2025, 3, 3)})  # fetched from a later start: the earlier wish stays
    assert wanted.peek() == {"AAPL": date(2024, 1, 2)}
    wanted.remove({"AAPL": date(2024, 1, 2)})
    assert wanted.peek() == {} and wanted.summary() == (0, None)


@time_machine.travel(EVENING, tick=False)
def test_a_range_without_prices_is_words_not_a_500(app, client, signed_in, yahoo):
    yahoo.add(Symbol("OLD", first_day=date(2019, 1, 2)))
    portfolio = make_portfolio(signed_in, trades=[(date(2019, 3, 1), "BUY", "OLD", 10, 100),
                                                  (date(2019, 3, 1), "BUY", "GONE", 5, 50)])
    service = get_price_service(app)
    service.warm(["OLD", "GONE", "SPY"], start=date(2019, 3, 1))  # GONE and SPY: Yahoo does not know them
    db.session.execute(db.text("DELETE FROM price_bars WHERE ticker = 'OLD' AND date > '2020-06-30'"))
    db.session.commit()  # OLD stopped trading in mid-2020
    cache.clear()
    data = client.get(f"/api/chart-data/{portfolio.id}?range=1M&benchmarks=SPY").get_json()
    assert data["status"] == "stale" and "No prices since 30 Jun 2020" in data["message"]
    assert "GONE is valued at its trade price: unknown ticker" in data["trade_price_note"] and "SPY" in data["errors"]
    assert data["last_price_date"] == "2020-06-30"


def test_the_warm_up_leaves_out_isins_waiting_for_a_symbol_and_account_rows(app):
    from app.jobs import warm_tickers
    from app.models import Security

    make_portfolio(make_user(), trades=[(date(2025, 3, 3), "BUY", "AAPL", 1, 100),
                                        (date(2025, 3, 3), "BUY", "US0378331005", 1, 100),
                                        (date(2025, 3, 3), "FEE", "", 1, 5)])
    db.session.add(Security(ticker="US0378331005", isin="US0378331005", to_resolve=True, kind="equity"))
    db.session.commit()
    tickers = warm_tickers(app)
    assert "AAPL" in tickers and "US0378331005" not in tickers and "" not in tickers


def test_after_a_warm_up_that_changed_prices_the_runner_computes_the_charts_ahead(app, client, signed_in, yahoo,
                                                                                 computations):
    from datetime import timedelta

    from app.jobs import run_cycle

    yahoo.add(Symbol("AAPL"), Symbol("MSFT"), Symbol("SPY"), Symbol("QQQ"), Symbol("VTI"))
    portfolio = make_portfolio(signed_in, trades=TRADES)
    with time_machine.travel(EVENING, tick=False):
        get_price_service(app).warm(["AAPL", "MSFT", "SPY", "QQQ", "VTI"], start=date(2025, 3, 3))
    with time_machine.travel(EVENING + timedelta(days=1), tick=False):  # a day later: a new close for each
        report = run_cycle(app, force=True)
        assert report.completed and {"AAPL", "MSFT"} <= {t for part in report.scheduled for t in part.changed}
        assert report.refilled == 1 and len(computations) == 1  # done by the runner, after the warm-up
        resp = client.get(f"/api/chart-data/{portfolio.id}?range=1Y")
        assert resp.status_code == 200 and len(computations) == 1  # the visitor finds it computed
        assert resp.get_json()["dates"][-1] == "2026-11-18"
        again = run_cycle(app, force=True)  # the same prices again: nothing stale, nothing computed
        assert again.refilled == 0 and len(computations) == 1


@time_machine.travel(EVENING, tick=False)
def test_metrics_on_too_few_days_or_on_trade_prices_say_so_instead_of_figures(app, client, signed_in, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("SPY"))
    recent = make_portfolio(signed_in, name="Recent", trades=[(date(2026, 11, 9), "BUY", "AAPL", 10, 100)])
    unknown = make_portfolio(signed_in, name="Unknown", trades=[(date(2025, 3, 3), "BUY", "NOPE", 10, 100)])
    get_price_service(app).warm(["AAPL", "SPY", "NOPE"], start=date(2025, 3, 3))
    table = client.get(f"/api/portfolios/{recent.id}/performance?range=1Y&benchmarks=SPY").get_json()["table"]
    assert table["portfolio"]["insufficient"] and table["portfolio"]["reason"] == "only 8 days of prices"
    full = client.get(f"/api/portfolios/{unknown.id}/performance?range=1Y&benchmarks=SPY").get_json()["table"]
    assert "trade prices only" in full["portfolio"]["reason"]
    year = make_portfolio(signed_in, name="Year", trades=[(date(2025, 3, 3), "BUY", "AAPL", 10, 100)])
    table = client.get(f"/api/portfolios/{year.id}/performance?range=1Y&benchmarks=SPY").get_json()["table"]
    assert "insufficient" not in table["portfolio"] and "insufficient" not in table["benchmarks"]["SPY"]
