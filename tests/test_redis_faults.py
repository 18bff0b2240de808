"""Redis away (a closed port) or stalled (a server that accepts and never answers): pages answer, nothing breaks."""

import logging
import socket
import threading
import time
from datetime import date, datetime

import pytest
import time_machine

from app.extensions import db
from app.prices import get_price_service
from tests.conftest import closed_port, make_portfolio, make_user, run_price_runner
from tests.yahoo_stub import Symbol

EVENING = datetime(2026, 11, 17, 23, 0)


@pytest.fixture
def silent_redis():
    """A server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", held
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def broken_redis_app(app_factory, url):
    return app_factory(CACHE_TYPE="app.extensions.GuardedRedisCache", CACHE_REDIS_URL=url,
                       CACHE_OPTIONS={"socket_timeout": 0.5, "socket_connect_timeout": 0.5}, REDIS_URL=url)


@pytest.mark.parametrize("kind", ["closed", "silent"])
@time_machine.travel(EVENING, tick=True)
def test_pages_answer_from_the_database_while_redis_is_away(app_factory, yahoo, silent_redis, kind):
    url = f"redis://127.0.0.1:{closed_port()}/0" if kind == "closed" else silent_redis[0]
    app = broken_redis_app(app_factory, url)
    yahoo.add(Symbol("AAPL"), Symbol("SPY"))
    with app.app_context():
        portfolio_id = make_portfolio(make_user(), trades=[(date(2025, 3, 3), "BUY", "AAPL", 10, 100)]).id
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"email": "owner@example.com", "password": "correct-horse"})
    chart = f"/api/chart-data/{portfolio_id}?range=1Y&benchmarks=SPY"
    began = time.monotonic()
    assert client.get(chart).status_code == 202  # the wish went to the table, Redis being away
    with app.app_context():
        assert set(get_price_service(app).wanted.peek()) == {"AAPL", "SPY"}
    report = run_price_runner(app)
    assert sorted(report.fetched) == ["AAPL", "SPY"]
    for path in (f"/portfolios/{portfolio_id}", chart, f"/api/portfolios/{portfolio_id}/holdings",
                 f"/portfolios/{portfolio_id}/compare"):
        assert client.get(path).status_code == 200, path
    assert time.monotonic() - began < 30  # each Redis call gives up within its timeout
    if kind == "silent":
        assert len(silent_redis[1]) <= 4  # after one timeout Redis is left alone: not a timeout per call


@pytest.mark.parametrize("kind", ["closed", "silent"])
@time_machine.travel(EVENING, tick=True)
def test_the_breaker_works_in_the_runner_while_redis_is_away(app_factory, yahoo, silent_redis, kind):
    url = f"redis://127.0.0.1:{closed_port()}/0" if kind == "closed" else silent_redis[0]
    app = broken_redis_app(app_factory, url)
    app.config.update(BREAKER_FAIL_MAX=2)
    yahoo.failures["*"] = "500"
    with app.app_context():
        service = get_price_service(app)
        for _ in range(2):
            service.warm(["AAPL"], start=date(2026, 6, 1), force=True)
        before = yahoo.chart_requests
        report = service.warm(["AAPL"], start=date(2026, 6, 1), force=True)
        assert service.source.breaker.current_state == "open"  # it opened without Redis
        assert report.failed["AAPL"].kind == "breaker_open" and yahoo.chart_requests == before  # and fails fast


def test_a_cache_outage_is_logged_once_a_minute_not_once_a_call(app_factory, caplog, monkeypatch):
    import app.extensions as extensions

    now = [1000.0]
    monkeypatch.setattr(extensions.time, "monotonic", lambda: now[0])
    app = broken_redis_app(app_factory, f"redis://127.0.0.1:{closed_port()}/0")
    caplog.set_level(logging.WARNING, logger="app.extensions")
    with app.app_context():
        backend = app.extensions["cache"][extensions.cache]

        def warnings():
            return len([r for r in caplog.records if "cache unavailable" in r.getMessage()])

        for _ in range(3):
            assert extensions.cache.get("x") is None and backend.get_many("a", "b") == [None, None]
            now[0] += 6  # past the rest: each round asks Redis again, and fails again
        assert warnings() == 1
        now[0] += 61
        extensions.cache.get("x")
        assert warnings() == 2
