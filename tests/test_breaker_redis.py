"""The breaker's state lives in a real Redis, so every worker and dyno sees the same state."""

import pybreaker
import pytest
import redis

from app.prices.breaker import forget_breakers, get_breaker
from tests.parts import redis_url


@pytest.fixture
def shared_redis():
    url = redis_url()
    client = redis.Redis.from_url(url)
    for key in client.scan_iter("folio:breaker:*"):
        client.delete(key)
    yield url
    for key in client.scan_iter("folio:breaker:*"):
        client.delete(key)


def failing():
    raise ConnectionError("Yahoo is down")


def test_state_opened_by_one_process_is_seen_by_another(shared_redis):
    worker_a = get_breaker("yahoo-test", redis_url=shared_redis, fail_max=2, reset_timeout=60)
    forget_breakers()  # what a second process would do: build its own breaker object
    worker_b = get_breaker("yahoo-test", redis_url=shared_redis, fail_max=2, reset_timeout=60)
    assert worker_a is not worker_b
    assert worker_b.current_state == "closed"
    for _ in range(2):
        with pytest.raises((ConnectionError, pybreaker.CircuitBreakerError)):
            worker_a.call(failing)
    assert worker_a.current_state == "open"
    assert worker_b.current_state == "open"
    calls = []
    with pytest.raises(pybreaker.CircuitBreakerError):
        worker_b.call(lambda: calls.append(1))
    assert calls == []  # failed fast, nothing was called
    worker_b.close()
    assert worker_a.current_state == "closed"
