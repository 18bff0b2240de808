"""Counters and the runner's last words, kept in the shared cache so that every process sees the same ones.

Each price source has its own (`stats:yahoo:...`, `stats:demo:...`): a deployment that tried the demo
prices and went back to Yahoo does not show the demo's counters as Yahoo's.
"""

import threading
import time
from datetime import UTC, datetime

PREFIX = "stats:"
# Counts are added up in the process and written at most this often (seconds): a page view that counted
# its cache hits straight away cost two cache writes, two files with the file cache.
FLUSH_EVERY = 10.0
COUNTERS = ("cache_hits", "cache_misses", "http_requests", "fetches", "fetch_ms_total", "rate_limited")
RECENT_FETCHES = 1000  # fetch latencies this process keeps until the operators' sampler takes them


class PriceStats:
    """Counters over a cachelib backend (Redis or the file cache): increments, latest values, breaker, runner."""

    def __init__(self, backend, source="yahoo"):
        self.backend = backend
        self.prefix = f"{PREFIX}{source}:"
        self._atomic = hasattr(backend, "_write_client")  # Redis: INCRBY, atomic, no expiry
        self._pending = {}
        self._flushed_at = time.monotonic()
        self._lock = threading.Lock()
        self._recent_fetch_ms, self._recent_lock = [], threading.Lock()

    def incr(self, name, amount=1):
        """Add `amount` to a counter; the process writes its counts to the shared cache every FLUSH_EVERY s."""
        if not amount:
            return
        with self._lock:
            self._pending[name] = self._pending.get(name, 0) + amount
            due = time.monotonic() - self._flushed_at >= FLUSH_EVERY
        if due:
            self.flush()

    def flush(self):
        """Write this process's counts now (atomic on Redis, close enough on the file cache)."""
        with self._lock:
            pending, self._pending, self._flushed_at = self._pending, {}, time.monotonic()
        for name, amount in pending.items():
            if self._atomic:
                self.backend.inc(self.prefix + name, amount)
            else:  # cachelib's own inc would give the counter the default expiry
                self.backend.set(self.prefix + name, (self.backend.get(self.prefix + name) or 0) + amount, timeout=0)

    def put(self, name, value):
        """Store a latest value, such as the last warm-up's report."""
        self.backend.set(self.prefix + name, value, timeout=0)

    def get(self, name, default=None):
        """Read a counter or value."""
        value = self.backend.get(self.prefix + name)
        return default if value is None else value

    def record_fetch(self, seconds, requests, failures):
        """Count one fetch: its latency, its HTTP requests, its failures by kind."""
        self.incr("fetches")
        self.incr("fetch_ms_total", round(seconds * 1000))
        self.incr("http_requests", requests)
        self.put("last_fetch_ms", round(seconds * 1000))
        with self._recent_lock:
            if len(self._recent_fetch_ms) < RECENT_FETCHES:
                self._recent_fetch_ms.append(seconds * 1000)
        for failure in failures.values():
            self.incr(f"failures:{failure.kind}")

    def take_fetch_ms(self):
        """The latencies (ms) of this process's fetches since the last call: the runner's sample of the minute."""
        with self._recent_lock:
            taken, self._recent_fetch_ms = self._recent_fetch_ms, []
        return taken

    def breaker_changed(self, state, when, reset_timeout):
        """Remember the breaker's new state, when it changed and how long it stays open."""
        self.put("breaker", {"state": state, "changed_at": when.isoformat(), "reset_timeout": reset_timeout})

    def runner_seen(self, when, who):
        """The runner's heartbeat: pages tell "fetching" from "nobody is fetching" by its age."""
        self.put("runner", {"at": when.isoformat(), "who": who})

    def snapshot(self, failure_kinds):
        """All counters as one dict, for the status page and `flask prices status`."""
        self.flush()
        data = {name: int(self.get(name, 0)) for name in COUNTERS}
        data["failures"] = {kind: int(self.get(f"failures:{kind}", 0)) for kind in failure_kinds}
        fetches = data["fetches"]
        data["fetch_ms_avg"] = round(data["fetch_ms_total"] / fetches) if fetches else None
        data["last_fetch_ms"] = self.get("last_fetch_ms")
        data["breaker"] = self.get("breaker", {"state": "closed", "changed_at": None})
        data["last_warm"] = self.get("last_warm")
        data["last_successful_warm"] = self.get("last_successful_warm")
        data["runner"] = self.get("runner")
        data["read_at"] = datetime.now(UTC).isoformat()
        return data
