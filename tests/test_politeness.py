"""Politeness to Yahoo: a 429 halves the requests in flight and pauses them, a cap spaces them over the minute."""

import re
import threading
from datetime import UTC, date, datetime

import pytest
import time_machine

from app.extensions import db
from app.prices import get_price_service
from app.prices.politeness import GROW_AFTER, Throttle, retry_after_seconds
from tests.conftest import make_user
from tests.yahoo_stub import Symbol

EVENING = datetime(2026, 11, 17, 23, 0)


class FakeClock:
    """A clock that moves only when the throttle waits."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_requests_are_spaced_to_the_cap_per_minute():
    clock = FakeClock()
    throttle = Throttle(max_in_flight=4, per_minute=60, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        throttle.release(throttle.acquire(), 200)
    assert clock.now == pytest.approx(4.0)  # 60 a minute: one a second, the first at once
    assert throttle.take_report().waited_seconds == pytest.approx(4.0)


def test_a_429_halves_once_per_round_pauses_for_retry_after_and_growth_is_slow():
    clock = FakeClock()
    throttle = Throttle(max_in_flight=8, per_minute=0, clock=clock, sleep=clock.sleep)
    out = [throttle.acquire() for _ in range(8)]
    throttle.release(out[0], 429, retry_after=7)
    for ticket in out[1:]:
        throttle.release(ticket, 429, retry_after=7)  # already out when the first came back: no second halving
    assert throttle.limit == 4
    ticket = throttle.acquire()
    assert clock.now == pytest.approx(7.0)  # Retry-After honoured before anything else goes
    throttle.release(ticket, 429)
    assert throttle.limit == 2  # a request sent after the halving that still gets a 429 halves again
    for _ in range(GROW_AFTER - 1):
        throttle.release(throttle.acquire(), 200)
    assert throttle.limit == 2
    throttle.release(throttle.acquire(), 200)
    assert throttle.limit == 3  # one more, after GROW_AFTER answers without a 429
    report = throttle.take_report()
    assert (report.rate_limited, report.lowest_limit, report.limit) == (9, 2, 3)


def test_retry_after_in_seconds_as_a_date_and_nonsense():
    assert retry_after_seconds({"Retry-After": "12"}) == 12.0
    now = datetime(2026, 10, 21, 7, 27, 15, tzinfo=UTC)
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, now=now) == 45.0
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2026 07:20:00 GMT"}, now=now) == 0.0  # already past
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


@time_machine.travel(EVENING, tick=True)
def test_a_429_from_yahoo_halves_the_requests_in_flight(app_factory, yahoo):
    app = app_factory(PRICE_CHUNK_SIZE=1, PRICE_MAX_WORKERS=8, BREAKER_FAIL_MAX=100)
    names = [f"T{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWX"]
    yahoo.add(*(Symbol(n) for n in names))
    all_out = threading.Barrier(8, timeout=10)
    first_round = iter(range(8))

    def hold_until_eight_are_out(symbol):
        if next(first_round, None) is not None:  # the first eight (yfinance asks again after a 429)
            all_out.wait()  # proves eight requests are in flight at once, then lets them all answer

    yahoo.gate, yahoo.failures["*"], yahoo.retry_after = hold_until_eight_are_out, "429", 0
    with app.app_context():
        service = get_price_service(app)
        report = service.warm(names[:8], start=date(2026, 6, 1))
        assert yahoo.most_in_flight == 8 and {f.kind for f in report.failed.values()} == {"rate_limited"}
        assert report.politeness["rate_limited"] >= 8 and report.politeness["lowest_limit"] <= 4
        assert service.stats.get("rate_limited") == report.politeness["rate_limited"]
        limit = service.source.throttle.limit
        assert limit <= 4

        yahoo.gate, yahoo.failures = None, {}
        yahoo.reset_concurrency()
        report = service.warm(names[8:], start=date(2026, 6, 1))
        assert sorted(report.fetched) == sorted(names[8:])
        assert 1 <= yahoo.most_in_flight <= limit  # halved: never more in flight than the lowered limit
        rate_limited = service.stats.get("rate_limited")
    # An admin's Prices page says it in words: the 429s so far, the cap, the limit the last warm-up ended with.
    with app.app_context():
        make_user().is_admin = True
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "owner@example.com", "password": "correct-horse"})
    line = " ".join(re.search(r'<p[^>]*id="politeness">(.*?)</p>', client.get("/status").get_data(as_text=True),
                              re.S).group(1).split())
    assert f"{rate_limited} answers “too many requests” (429)" in line and "no cap on requests a minute" in line
    assert f"ended with {report.politeness['limit']} in flight" in line
