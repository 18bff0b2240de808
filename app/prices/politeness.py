"""Politeness to Yahoo: fewer requests in flight after a 429, a pause it asks for, and a cap per minute."""

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# After this many answers in a row without a 429, one more request may be in flight (slow growth back).
GROW_AFTER = 20
# A 429 without Retry-After pauses every request this long (seconds; PRICE_RATE_LIMIT_PAUSE).
DEFAULT_BACKOFF = 30.0
# No Retry-After is believed beyond this (seconds): a runner must not sleep for an hour on one header.
MAX_BACKOFF = 300.0


@dataclass
class ThrottleReport:
    """What the throttle did since it was last read: 429s seen, the smallest limit, the time requests waited."""

    rate_limited: int = 0
    lowest_limit: int = 0
    limit: int = 0
    waited_seconds: float = 0.0

    def as_dict(self):
        """A JSON-ready form."""
        return {"rate_limited": self.rate_limited, "lowest_limit": self.lowest_limit, "limit": self.limit,
                "waited_seconds": round(self.waited_seconds, 3)}


class Throttle:
    """Additive increase, multiplicative decrease of the requests in flight, under a per-minute cap.

    `ticket = acquire()` before a request and `release(ticket, status, retry_after)` after it. A 429
    halves the requests allowed in flight, once for all the requests that were already out when it
    came (as TCP does per round trip), and pauses everyone for Retry-After (or `backoff`);
    GROW_AFTER answers without one let one more in. Requests are spaced so that no minute sees more
    than `per_minute` of them.
    """

    def __init__(self, max_in_flight, per_minute, backoff=DEFAULT_BACKOFF, clock=time.monotonic, sleep=None):
        self.max_in_flight = max(1, int(max_in_flight))
        self.limit = self.max_in_flight
        self.spacing = 60.0 / per_minute if per_minute else 0.0
        self.backoff = backoff
        self.clock = clock
        self.in_flight = 0
        self.paused_until = 0.0
        self.next_slot = 0.0
        self.streak = 0
        self.generation = 0  # bumped by each halving: a 429 from an older request does not halve again
        self._report = ThrottleReport(lowest_limit=self.limit, limit=self.limit)
        self._changed = threading.Condition()
        self._sleep = sleep

    def acquire(self):
        """Wait until a request may go: a place in flight, past any pause, at its slot in the minute."""
        began = self.clock()
        with self._changed:
            while True:
                now = self.clock()
                wait = max(self.paused_until - now, self.next_slot - now)
                if self.in_flight < self.limit and wait <= 0:
                    break
                self._wait(wait if self.in_flight < self.limit else None)
            self.in_flight += 1
            self.next_slot = max(self.next_slot, self.clock()) + self.spacing
            self._report.waited_seconds += self.clock() - began
            return self.generation

    def _wait(self, seconds):
        if self._sleep is not None and seconds:  # tests: a fake clock moves on instead of the thread sleeping
            self._changed.release()
            try:
                self._sleep(seconds)
            finally:
                self._changed.acquire()
        else:
            self._changed.wait(timeout=seconds)

    def release(self, ticket, status=None, retry_after=None):
        """Count one finished request; a 429 (status) halves the limit and pauses for `retry_after` seconds."""
        with self._changed:
            self.in_flight -= 1
            if status == 429:
                if ticket == self.generation:
                    self.limit = max(1, self.limit // 2)
                    self.generation += 1
                self.streak = 0
                pause = min(MAX_BACKOFF, retry_after if retry_after is not None else self.backoff)
                self.paused_until = max(self.paused_until, self.clock() + pause)
                self._report.rate_limited += 1
                self._report.lowest_limit = min(self._report.lowest_limit, self.limit)
            elif status is not None:
                self.streak += 1
                if self.streak >= GROW_AFTER and self.limit < self.max_in_flight:
                    self.limit += 1
                    self.streak = 0
            self._report.limit = self.limit
            self._changed.notify_all()

    def take_report(self):
        """What happened since the last call, and start counting again."""
        with self._changed:
            report, self._report = self._report, ThrottleReport(lowest_limit=self.limit, limit=self.limit)
            return report


def retry_after_seconds(headers, now=None):
    """The pause a 429 asks for, in seconds, from its Retry-After header (seconds or an HTTP date); None when
    absent or unreadable."""
    raw = (headers or {}).get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except (TypeError, ValueError):
        pass
    try:
        when = parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a header without a zone means the same
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
