"""The circuit breaker in front of Yahoo, living in the runner; pages read its state from the price stats."""

import logging
from datetime import UTC, datetime, timedelta

import pybreaker

log = logging.getLogger(__name__)

# Five failing chunks in a row is an outage, not a blip: stop asking.
OUTAGE_STATES = ("open", "half-open")  # the breaker has stopped asking Yahoo, or lets one trial through
FAIL_MAX = 5
# After a minute, let one trial call through to decide whether Yahoo is back.
RESET_TIMEOUT = 60


class StateRecorder(pybreaker.CircuitBreakerListener):
    """Write every state change to the shared stats, where the pages of every process read it."""

    def __init__(self, stats, reset_timeout):
        self.stats = stats
        self.reset_timeout = reset_timeout

    def state_change(self, cb, old_state, new_state):
        name = getattr(new_state, "name", str(new_state))
        log.warning("circuit breaker %s: %s -> %s", cb.name, getattr(old_state, "name", old_state), name)
        if self.stats is not None:
            self.stats.breaker_changed(name, datetime.now(UTC), self.reset_timeout)


def make_breaker(name, stats=None, fail_max=FAIL_MAX, reset_timeout=RESET_TIMEOUT):
    """A breaker for one source, kept in memory: only the one runner process calls the source."""
    return pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset_timeout, name=name,
                                    listeners=[StateRecorder(stats, reset_timeout)])


def call_through(breaker, func):
    """Run `func` under the breaker's rules without holding its lock while `func` runs.

    `CircuitBreaker.call` holds the breaker's private lock for the whole call (danielfm/pybreaker#55):
    chunks sharing one breaker would fetch one at a time, and a warm-up would take as many times
    longer as chunks run at once. While the breaker is closed, `func` runs outside the lock and only
    its outcome passes through `call`, which counts it; open or half-open, `call` runs `func` itself.
    """
    if breaker.current_state != pybreaker.STATE_CLOSED:
        with breaker._lock:  # one trial at a time; the calls behind it learn its outcome
            if breaker.current_state != pybreaker.STATE_CLOSED:
                return breaker.call(func)
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


def state_from_stats(entry, now=None):
    """The breaker's state as a page sees it: closed, open, or half-open once the cooldown is over."""
    if not entry or entry.get("state") != pybreaker.STATE_OPEN:
        return (entry or {}).get("state") or pybreaker.STATE_CLOSED
    retry_at = next_try(entry)
    if retry_at is not None and (now or datetime.now(UTC)) >= retry_at:
        return pybreaker.STATE_HALF_OPEN
    return pybreaker.STATE_OPEN


def next_try(entry):
    """When an open breaker lets its next trial through (aware UTC), or None."""
    if not entry or not entry.get("changed_at"):
        return None
    opened = datetime.fromisoformat(entry["changed_at"])
    opened = opened if opened.tzinfo else opened.replace(tzinfo=UTC)
    return opened + timedelta(seconds=entry.get("reset_timeout") or RESET_TIMEOUT)
