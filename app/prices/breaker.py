"""One circuit breaker for Yahoo per process; its state lives in Redis when there is one."""

import logging
import threading
from datetime import UTC, datetime, timedelta

import pybreaker

from app.redis_client import redis_from_url

log = logging.getLogger(__name__)

# Five failing chunks in a row is an outage, not a blip: stop asking.
FAIL_MAX = 5
# After a minute, let one trial call through to decide whether Yahoo is back.
RESET_TIMEOUT = 60

_breakers = {}
_lock = threading.Lock()


class StateRecorder(pybreaker.CircuitBreakerListener):
    """Write every state change to the shared stats so the status page can show it."""

    def __init__(self, stats):
        self.stats = stats

    def state_change(self, cb, old_state, new_state):
        name = getattr(new_state, "name", str(new_state))
        log.warning("circuit breaker %s: %s -> %s", cb.name, getattr(old_state, "name", old_state), name)
        if self.stats is not None:
            self.stats.breaker_changed(name, datetime.now(UTC))


def get_breaker(name, redis_url=None, stats=None, fail_max=FAIL_MAX, reset_timeout=RESET_TIMEOUT):
    """Return the process's breaker for `name`, shared through Redis when `redis_url` is set."""
    key = (name, redis_url, fail_max, reset_timeout)
    with _lock:
        breaker = _breakers.get(key)
        if breaker is None:
            storage = None
            if redis_url:
                storage = pybreaker.CircuitRedisStorage(
                    pybreaker.STATE_CLOSED, redis_from_url(redis_url), namespace=f"folio:breaker:{name}"
                )
            breaker = pybreaker.CircuitBreaker(
                fail_max=fail_max, reset_timeout=reset_timeout, name=name, state_storage=storage,
                listeners=[StateRecorder(stats)],
            )
            _breakers[key] = breaker
        return breaker


def call_through(breaker, func):
    """Run `func` under the breaker's rules without holding its lock while `func` runs.

    `CircuitBreaker.call` holds the breaker's lock for the whole call (danielfm/pybreaker#55), so
    chunks sharing one breaker would fetch one at a time. While the breaker is closed, `func` runs
    outside the lock and only its outcome is passed through `call`, which counts it and trips the
    breaker as usual; when it is open or half-open, `call` itself runs `func`, failing fast or letting
    exactly one trial through at a time.
    """
    if breaker.current_state != pybreaker.STATE_CLOSED:
        with breaker._lock:  # one trial at a time; the calls behind it learn its outcome
            if breaker.current_state != pybreaker.STATE_CLOSED:
                return breaker.call(func)
        # The trial closed the breaker while this call waited: run it outside the lock like the rest.
    try:
        outcome = func()
    except Exception as exc:  # noqa: BLE001 - re-raised inside call(), which counts it
        error = exc

        def replay():
            raise error
    else:
        def replay():
            return outcome
    return breaker.call(replay)


def breaker_state(breaker):
    """The breaker's state as a word: closed, open or half-open (what Redis says, with Redis)."""
    try:
        state = breaker.current_state
        if state == pybreaker.STATE_OPEN:
            opened = breaker._state_storage.opened_at
            if opened is not None and opened.tzinfo is None:
                opened = opened.replace(tzinfo=UTC)
            if opened is not None and datetime.now(UTC) >= opened + timedelta(seconds=breaker.reset_timeout):
                return pybreaker.STATE_HALF_OPEN  # the cooldown is over: the next call is the trial
        return state
    except Exception:  # noqa: BLE001 - a status read must never fail a page
        return "unknown"


def forget_breakers():
    """Drop every breaker of this process (tests start each from closed)."""
    with _lock:
        _breakers.clear()
