"""Counters for the status page, kept in the shared cache so that every worker sees the same numbers."""

import contextlib
from datetime import UTC, datetime

PREFIX = "stats:"
COUNTERS = ("cache_hits", "cache_misses", "http_requests", "fetches", "fetch_ms_total")


class PriceStats:
    """Counters over a cachelib backend (Redis or the file cache): increments, latest values, breaker."""

    def __init__(self, backend):
        self.backend = backend

    def incr(self, name, amount=1):
        """Add `amount` to a counter (atomic on Redis, close enough on the file cache)."""
        if amount:
            try:
                if hasattr(self.backend, "_write_client"):  # Redis: INCRBY, atomic, no expiry
                    self.backend.inc(PREFIX + name, amount)
                else:  # cachelib's own inc would give the counter the default expiry
                    self.backend.set(PREFIX + name, (self.backend.get(PREFIX + name) or 0) + amount, timeout=0)
            except Exception:  # noqa: BLE001,S110 - counters must never break a request
                pass

    def put(self, name, value):
        """Store a latest value, such as the last warm-up's report."""
        with contextlib.suppress(Exception):  # a status value must never break a request
            self.backend.set(PREFIX + name, value, timeout=0)

    def get(self, name, default=None):
        """Read a counter or value."""
        try:
            value = self.backend.get(PREFIX + name)
        except Exception:  # noqa: BLE001
            value = None
        return default if value is None else value

    def record_fetch(self, seconds, requests, failures):
        """Count one fetch: its latency, its HTTP requests, its failures by kind."""
        self.incr("fetches")
        self.incr("fetch_ms_total", round(seconds * 1000))
        self.incr("http_requests", requests)
        self.put("last_fetch_ms", round(seconds * 1000))
        for failure in failures.values():
            self.incr(f"failures:{failure.kind}")

    def breaker_changed(self, state, when):
        """Remember the breaker's new state and when it changed."""
        self.put("breaker", {"state": state, "changed_at": when.isoformat()})

    def snapshot(self, failure_kinds):
        """All counters as one dict, for the status page and `flask prices status`."""
        data = {name: int(self.get(name, 0)) for name in COUNTERS}
        data["failures"] = {kind: int(self.get(f"failures:{kind}", 0)) for kind in failure_kinds}
        fetches = data["fetches"]
        data["fetch_ms_avg"] = round(data["fetch_ms_total"] / fetches) if fetches else None
        data["last_fetch_ms"] = self.get("last_fetch_ms")
        data["breaker"] = self.get("breaker", {"state": "closed", "changed_at": None})
        data["last_warm"] = self.get("last_warm")
        data["last_successful_warm"] = self.get("last_successful_warm")
        data["read_at"] = datetime.now(UTC).isoformat()
        return data
