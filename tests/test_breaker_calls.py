"""call_through: calls share one breaker without queueing on its lock, and one trial decides after a cooldown."""

import threading
from datetime import UTC, datetime, timedelta

import pybreaker
import pytest

from app.prices.breaker import call_through


def opened_long_ago(breaker):
    breaker.open()
    breaker._state_storage.opened_at = datetime.now(UTC) - timedelta(seconds=breaker.reset_timeout + 1)


def test_closed_breaker_lets_calls_run_at_once():
    breaker = pybreaker.CircuitBreaker(fail_max=3, reset_timeout=60)
    meeting = threading.Barrier(3, timeout=10)
    results = []
    threads = [threading.Thread(target=lambda: results.append(call_through(breaker, meeting.wait))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and not meeting.broken


def test_failures_still_count_and_trip_the_breaker():
    breaker = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=60)

    def failing():
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        call_through(breaker, failing)
    with pytest.raises(pybreaker.CircuitBreakerError):
        call_through(breaker, failing)  # the second failure trips it
    calls = []
    with pytest.raises(pybreaker.CircuitBreakerError):
        call_through(breaker, lambda: calls.append(1))
    assert breaker.current_state == pybreaker.STATE_OPEN and calls == []  # open: fails fast, no call


def test_after_the_trial_closes_the_breaker_the_waiting_calls_run_at_once():
    breaker = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=60)
    opened_long_ago(breaker)
    trial_started, release_trial = threading.Event(), threading.Event()
    meeting = threading.Barrier(2, timeout=10)
    results = []

    def trial():
        trial_started.set()
        release_trial.wait(10)
        return "trial"

    first = threading.Thread(target=lambda: results.append(call_through(breaker, trial)))
    first.start()
    trial_started.wait(10)
    waiting = [threading.Thread(target=lambda: results.append(call_through(breaker, meeting.wait))) for _ in range(2)]
    for thread in waiting:
        thread.start()
    release_trial.set()
    for thread in [first, *waiting]:
        thread.join()
    assert breaker.current_state == pybreaker.STATE_CLOSED
    assert "trial" in results and len(results) == 3 and not meeting.broken
