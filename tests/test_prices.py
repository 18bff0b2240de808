"""PriceService against a stand-in Yahoo: chunks, failures, the breaker, freshness, storage."""

import threading
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import CorporateAction, PriceBar, Security
from app.prices import get_price_service, sources
from tests.yahoo_stub import Symbol

# A Tuesday afternoon in New York, markets open.
OPEN_TUESDAY = datetime(2026, 11, 17, 16, 0)
# The evening after the close of the same day.
TUESDAY_EVENING = datetime(2026, 11, 17, 23, 0)


@pytest.fixture
def service(app_factory):
    app = app_factory(PRICE_CHUNK_SIZE=5, PRICE_MAX_WORKERS=3, PRICE_TIMEOUT=2,
                      BREAKER_FAIL_MAX=3, BREAKER_RESET_TIMEOUT=60)
    with app.app_context():
        yield get_price_service(app)


def bar_count(ticker=None):
    query = select(func.count()).select_from(PriceBar)
    if ticker:
        query = query.where(PriceBar.ticker == ticker)
    return db.session.scalar(query)


def tickers(n, prefix="T"):
    return [f"{prefix}{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(n)]


@time_machine.travel(TUESDAY_EVENING, tick=False)
def test_warm_many_tickers_over_several_chunks(service, yahoo):
    names = tickers(23)
    yahoo.add(*(Symbol(n) for n in names))
    report = service.warm(names, start=date(2025, 11, 1))
    assert sorted(report.fetched) == sorted(names) and not report.failed
    # Plain US symbols skip yfinance's time-zone request: one chart request per ticker.
    assert yahoo.chart_requests == 23 and report.requests >= 23
    assert bar_count("TAA") == len(yahoo.frame("TAA").loc["2025-11-01":"2026-11-17"])
    quote = service.cached_quotes(["TAA"])["TAA"]
    assert quote.price == pytest.approx(yahoo.frame("TAA").loc["2026-11-17", "close"])
    assert quote.fresh and quote.market_date == date(2026, 11, 17)


@time_machine.travel(TUESDAY_EVENING, tick=False)
def test_chunks_are_in_flight_at_once_through_a_closed_breaker(app_factory, yahoo):
    # pybreaker's call() holds the breaker's lock while the call runs: chunks would go one at a time.
    app = app_factory(PRICE_CHUNK_SIZE=1, PRICE_MAX_WORKERS=3)
    names = tickers(3)
    yahoo.add(*(Symbol(n) for n in names))
    meeting = threading.Barrier(3, timeout=10)
    yahoo.gate = lambda symbol: meeting.wait()  # each chunk's request waits until all three are in flight
    with app.app_context():
        report = get_price_service(app).warm(names, start=date(2026, 10, 1))
    assert sorted(report.fetched) == names and not report.failed
    assert not meeting.broken


@time_machine.travel(TUESDAY_EVENING, tick=False)
def test_splits_dividends_and_security_details_are_stored(service, yahoo):
    yahoo.add(Symbol("NVDA", splits={date(2024, 6, 10): 10.0}, dividends={date(2024, 6, 11): 0.01}, kind="EQUITY"))
    service.warm(["NVDA"], start=date(2024, 1, 2))
    actions = {(a.kind, a.date, a.value) for a in CorporateAction.query.all()}
    assert actions == {("SPLIT", date(2024, 6, 10), 10.0), ("DIVIDEND", date(2024, 6, 11), 0.01)}
    security = db.session.get(Security, "NVDA")
    assert (security.currency, security.name, security.kind) == ("USD", "NVDA Inc.", "equity")
    assert security.history_from == date(2024, 1, 2)


@time_machine.travel(TUESDAY_EVENING, tick=False)
def test_one_unknown_ticker_among_good_ones_is_remembered(service, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("MSFT"))
    report = service.warm(["AAPL", "NOPE", "MSFT"], start=date(2026, 10, 1))
    assert sorted(report.fetched) == ["AAPL", "MSFT"]
    assert report.failed["NOPE"].kind == sources.UNKNOWN
    assert "does not know" in report.failed["NOPE"].message
    assert db.session.get(Security, "NOPE").unknown_since is not None
    assert service.breaker_state() == "closed"
    asked = len(yahoo.requests_for("NOPE"))
    again = service.warm(["NOPE"], start=date(2026, 10, 1))
    assert again.failed["NOPE"].kind == sources.UNKNOWN
    assert len(yahoo.requests_for("NOPE")) == asked  # the negative cache answered
    assert service.cached_quotes(["NOPE"])["NOPE"].status == "unknown"


@pytest.mark.parametrize(
    ("failure", "kind"),
    [("timeout", sources.TIMEOUT), ("connection", sources.NETWORK), ("429", sources.RATE_LIMITED),
     ("500", sources.SERVER_ERROR), ("malformed", sources.BAD_RESPONSE)],
)
@time_machine.travel(TUESDAY_EVENING, tick=False)
def test_each_failure_is_reported_per_ticker_and_never_raises(service, yahoo, failure, kind):
    yahoo.add(Symbol("AAPL"), Symbol("MSFT"))
    yahoo.failures["*"] = failure
    report = service.warm(["AAPL", "MSFT"], start=date(2026, 10, 1))
    assert report.fetched == []
    assert {f.kind for f in report.failed.values()} == {kind}
    assert db.session.get(Security, "AAPL").unknown_since is None  # an outage is not an unknown ticker
    assert db.session.get(Security, "AAPL").last_error


@time_machine.travel(TUESDAY_EVENING, tick=False)
def test_outage_is_never_taken_for_an_unknown_ticker(service, yahoo):
    yahoo.failures["*"] = "connection"
    report = service.warm(["ZZZZ"], start=date(2026, 10, 1))
    assert report.failed["ZZZZ"].kind == sources.NETWORK
    assert db.session.get(Security, "ZZZZ").unknown_since is None


def test_breaker_opens_fails_fast_half_opens_and_closes(service, yahoo):
    names = tickers(3)
    yahoo.add(*(Symbol(n) for n in names))
    with time_machine.travel(TUESDAY_EVENING, tick=False) as clock:
        yahoo.failures["*"] = "500"
        for _ in range(3):  # BREAKER_FAIL_MAX = 3 failing chunks
            service.warm(names[:1], start=date(2026, 10, 1))
        assert service.breaker_state() == "open"
        before = yahoo.chart_requests
        report = service.warm(names, start=date(2026, 10, 1))
        assert yahoo.chart_requests == before and report.requests == 0  # no HTTP at all
        assert {f.kind for f in report.failed.values()} == {sources.BREAKER_OPEN}

        yahoo.failures.clear()
        clock.shift(timedelta(seconds=61))  # the cooldown passes: one trial call decides
        report = service.warm(names, start=date(2026, 10, 1))
        assert sorted(report.fetched) == names
        assert service.breaker_state() == "closed"
    snapshot = service.stats.snapshot(["server_error", "breaker_open"])
    assert snapshot["failures"]["server_error"] >= 3 and snapshot["failures"]["breaker_open"] == 3
    assert snapshot["breaker"]["changed_at"]


def test_stale_prices_are_served_while_yahoo_is_down_and_never_overwritten(service, yahoo):
    yahoo.add(Symbol("AAPL"))
    with time_machine.travel(OPEN_TUESDAY, tick=False) as clock:
        service.warm(["AAPL"], start=date(2026, 10, 1))
        first = service.cached_quotes(["AAPL"])["AAPL"]
        assert first.fresh
        clock.shift(timedelta(minutes=15))  # past the TTL and the grace: overdue
        yahoo.failures["*"] = "timeout"
        for _ in range(4):
            report = service.warm(["AAPL"])
            assert report.failed["AAPL"].kind in (sources.TIMEOUT, sources.BREAKER_OPEN)
        quote = service.cached_quotes(["AAPL"])["AAPL"]
        assert quote.status == "stale" and not quote.fresh
        assert quote.price == first.price and quote.as_of == first.as_of
        assert bar_count("AAPL") == len(yahoo.frame("AAPL").loc["2026-10-01":"2026-11-17"])


def test_incremental_fetch_asks_only_for_the_missing_days(service, yahoo):
    yahoo.add(Symbol("AAPL"))
    with time_machine.travel(TUESDAY_EVENING, tick=False) as clock:
        service.warm(["AAPL"], start=date(2025, 1, 2))
        clock.move_to(datetime(2026, 11, 20, 23, 0))  # Friday evening: three new sessions
        report = service.warm(["AAPL"])
        assert report.fetched == ["AAPL"]
        params = yahoo.requests_for("AAPL")[-1]
        asked_from = datetime.utcfromtimestamp(int(params["period1"])).date()
        assert date(2026, 11, 10) <= asked_from <= date(2026, 11, 13)  # last bar minus the overlap
        assert bar_count("AAPL") == len(yahoo.frame("AAPL").loc["2025-01-02":"2026-11-20"])


def test_closed_market_second_warm_makes_no_request(service, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("SPY"))
    with time_machine.travel(datetime(2026, 11, 26, 18, 0), tick=False):  # Thanksgiving: closed all day
        service.warm(["AAPL", "SPY"], start=date(2026, 9, 1))
        before = yahoo.chart_requests
        report = service.warm(["AAPL", "SPY"])
        assert sorted(report.fresh) == ["AAPL", "SPY"] and report.requests == 0
        assert yahoo.chart_requests == before


def test_open_market_quote_expires_after_the_ttl(service, yahoo):
    yahoo.add(Symbol("AAPL"))
    with time_machine.travel(OPEN_TUESDAY, tick=False) as clock:
        service.warm(["AAPL"], start=date(2026, 9, 1))
        clock.shift(timedelta(seconds=30))
        assert service.warm(["AAPL"]).fresh == ["AAPL"]
        clock.shift(timedelta(seconds=31))
        assert service.warm(["AAPL"]).fetched == ["AAPL"]


def test_two_threads_warming_the_same_tickers_write_each_bar_once(app_factory, yahoo):
    app = app_factory(PRICE_CHUNK_SIZE=2)
    names = tickers(4)
    yahoo.add(*(Symbol(n) for n in names))
    errors = []

    def run():
        try:
            with app.app_context():
                get_price_service(app).warm(names, start=date(2026, 6, 1), force=True)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    with time_machine.travel(TUESDAY_EVENING, tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    with app.app_context():
        rows = db.session.execute(select(PriceBar.ticker, PriceBar.date, func.count()).group_by(
            PriceBar.ticker, PriceBar.date)).all()
        assert rows and all(n == 1 for _, _, n in rows)
        assert len(rows) == 4 * len(yahoo.frame("TAA").loc["2026-06-01":"2026-11-17"])


@time_machine.travel(TUESDAY_EVENING, tick=False)
def test_bad_requests_give_a_result_per_ticker(service, yahoo):
    assert service.warm([]).fetched == []
    report = service.warm(["A$B", "  "], start=date(2026, 1, 2))
    assert set(report.failed) == {"A$B", "  "} and {f.kind for f in report.failed.values()} == {"invalid"}
    report = service.warm(["AAPL"], start=date(2027, 1, 4))
    assert report.failed["AAPL"].kind == sources.NO_DATA and "future" in report.failed["AAPL"].message
    assert yahoo.chart_requests == 0


def test_cached_quotes_never_touch_the_network(service, no_network):
    quotes = service.cached_quotes(["AAPL", "MSFT"])
    assert {q.status for q in quotes.values()} == {"missing"}
    assert len(no_network.calls) == 0


@time_machine.travel(TUESDAY_EVENING, tick=False)
def test_missing_history_is_what_was_never_fetched_that_far_back(service, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("SPY"))
    service.warm(["AAPL"], start=date(2026, 1, 2))
    requests = yahoo.chart_requests
    assert service.missing_history(["AAPL", "SPY"], date(2026, 3, 2)) == ["SPY"]
    assert service.missing_history(["AAPL"], date(2025, 6, 2)) == ["AAPL"]  # not that far back
    history = service.read_history(["AAPL", "SPY"], date(2026, 3, 2), date(2026, 11, 17))
    assert yahoo.chart_requests == requests  # reading never fetches
    assert list(history.closes.columns) == ["AAPL", "SPY"] and history.closes["SPY"].isna().all()
    assert history.closes.index[0] == datetime(2026, 3, 2) and history.closes["AAPL"].notna().all()
    service.warm(["AAPL"], start=date(2025, 6, 2))
    assert len(yahoo.requests_for("AAPL")) == 2  # the older part, once
    assert service.missing_history(["AAPL"], date(2025, 6, 2)) == []


@time_machine.travel(TUESDAY_EVENING, tick=False)
def test_cli_warm_and_status(app_factory, yahoo):
    app = app_factory(BENCHMARKS=["SPY"])
    yahoo.add(Symbol("SPY"), Symbol("AAPL"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["prices", "warm", "AAPL", "NOPE"])
    assert result.exit_code == 0, result.output
    assert "fetched:     1" in result.output and "NOPE" in result.output and "unknown" in result.output
    result = runner.invoke(args=["prices", "warm", "NOPE"])
    assert result.exit_code == 1
    result = runner.invoke(args=["prices", "status", "AAPL"])
    assert "breaker: closed" in result.output and "AAPL" in result.output and "fresh" in result.output
    result = runner.invoke(args=["prices", "warm"])  # no tickers: held ones plus the benchmarks
    assert "SPY" in result.output


def test_a_new_split_refetches_the_whole_history(service, yahoo):
    # Before the split is known, Yahoo's closes are unadjusted; afterwards every earlier close is divided by 4.
    yahoo.add(Symbol("SPLT"))
    with time_machine.travel(datetime(2026, 11, 10, 23, 0), tick=False) as clock:
        service.warm(["SPLT"], start=date(2026, 6, 1))
        old = db.session.scalar(select(PriceBar.close).where(PriceBar.ticker == "SPLT",
                                                             PriceBar.date == date(2026, 7, 1)))
        yahoo.symbols["SPLT"].splits = {date(2026, 11, 12): 4.0}
        yahoo.replace_frame("SPLT", yahoo.frame("SPLT").assign(
            close=lambda f: f["close"].where(f.index >= "2026-11-12", f["close"] / 4),
            adjclose=lambda f: f["adjclose"].where(f.index >= "2026-11-12", f["adjclose"] / 4)))
        clock.move_to(TUESDAY_EVENING)
        service.warm(["SPLT"])
    params = yahoo.requests_for("SPLT")
    assert datetime.utcfromtimestamp(int(params[-1]["period1"])).date() == date(2026, 6, 1)
    db.session.expire_all()
    new = db.session.scalar(select(PriceBar.close).where(PriceBar.ticker == "SPLT", PriceBar.date == date(2026, 7, 1)))
    assert new == pytest.approx(old / 4)


def test_a_quote_due_for_refresh_is_not_shown_stale_until_overdue(service, yahoo):
    yahoo.add(Symbol("AAPL"))
    with time_machine.travel(OPEN_TUESDAY, tick=False) as clock:
        service.warm(["AAPL"], start=date(2026, 9, 1))
        clock.shift(timedelta(minutes=3))  # past the 60 s TTL, within the 10-minute grace
        quote = service.cached_quotes(["AAPL"])["AAPL"]
        assert not quote.fresh and quote.status == "fresh"
        clock.shift(timedelta(minutes=10))
        assert service.cached_quotes(["AAPL"])["AAPL"].status == "stale"


def test_each_price_source_keeps_its_own_counters(app_factory, tmp_path):
    shared = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "shared-cache")}
    yahoo_app, demo_app = app_factory(**shared), app_factory(PRICE_SOURCE="demo", **shared)
    with yahoo_app.app_context():
        get_price_service(yahoo_app).stats.incr("http_requests", 7)
        get_price_service(yahoo_app).stats.flush()
    with demo_app.app_context():
        _, demo = get_price_service(demo_app).status([])
    with yahoo_app.app_context():
        _, yahoo = get_price_service(yahoo_app).status([])
    assert (yahoo["source"], yahoo["http_requests"]) == ("yahoo", 7)
    assert (demo["source"], demo["http_requests"]) == ("demo", 0)
