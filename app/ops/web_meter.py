"""Each web worker's request figures: counted in memory on every request, written to the history once a minute.

A request pays for a clock read, a logarithm and a dict update under a lock; the database sees one row a
minute per worker, written by a background thread, never by a request.
"""

import logging
import threading
import time

from flask import request

from app.extensions import db
from app.ops import history
from app.ops.histogram import Histogram, bucket_of
from app.ops.memory import memory_figures, process_id
from app.prices import get_price_service

log = logging.getLogger(__name__)

HTML, CHART_API, OTHER_API = "html", "chart_api", "other_api"
FAMILIES = (HTML, CHART_API, OTHER_API)
# Probes and scrapes would drown the people's figures; static files are not pages.
UNMEASURED = ("/healthz", "/readyz", "/metrics", "/static/")
STARTED = "folio.ops.started"


def family_of(path):
    """The route family of a path: html, chart_api, other_api, or None for what is not measured."""
    if path.startswith(UNMEASURED):
        return None
    if path.startswith("/api/chart-data/"):
        return CHART_API
    if path.startswith("/api/"):
        return OTHER_API
    return HTML


class Tally:
    """Requests, server errors and latencies of one family or one endpoint."""

    __slots__ = ("family", "requests", "errors", "latency")

    def __init__(self, family):
        self.family, self.requests, self.errors, self.latency = family, 0, 0, Histogram()

    def add(self, bucket, error):
        """Count one request whose latency fell in `bucket`."""
        self.requests += 1
        self.errors += error
        self.latency.counts[bucket] = self.latency.counts.get(bucket, 0) + 1

    def as_dict(self):
        """The stored form."""
        return {"family": self.family, "n": self.requests, "errors": self.errors, "hist": self.latency.stored()}


class RequestMeter:
    """This process's figures since the last sample, per family and per endpoint."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.lock = threading.Lock()
        self.families, self.endpoints, self.since = {}, {}, clock()

    def add(self, family, endpoint, seconds, error=False):
        """Count one request of `family` served by `endpoint` in `seconds`; `error` for a 5xx answer."""
        bucket = bucket_of(seconds * 1000)
        with self.lock:
            for table, key in ((self.families, family), (self.endpoints, endpoint)):
                tally = table.get(key)
                if tally is None:
                    tally = table[key] = Tally(family)
                tally.add(bucket, bool(error))

    def take(self):
        """The figures since the last take, and start afresh."""
        with self.lock:
            families, endpoints, since = self.families, self.endpoints, self.since
            self.families, self.endpoints, self.since = {}, {}, self.clock()
        return {"seconds": round(self.since - since, 1),
                "families": {name: t.as_dict() for name, t in families.items()},
                "endpoints": {name: t.as_dict() for name, t in endpoints.items()}}


def install(app, meter, on_first_request):
    """Time every request from the first before_request to the last after_request (register this first)."""

    @app.before_request
    def start_timer():
        request.environ[STARTED] = time.perf_counter()
        on_first_request()

    @app.after_request
    def count_request(response):
        started = request.environ.get(STARTED)
        family = family_of(request.path) if started is not None else None
        if family is not None:
            meter.add(family, request.endpoint or "unmatched", time.perf_counter() - started,
                      response.status_code >= 500)
        return response


def write_web_sample(app, meter, now=None):
    """Write this process's request figures and memory as one sample."""
    data = meter.take()
    data["memory"] = memory_figures()
    history.write_sample(history.WEB, process_id(), data, at=now)
    get_price_service(app).stats.flush()  # this worker's cache counts reach the shared ones at least each minute


class Flusher(threading.Thread):
    """Once every METRICS_SAMPLE_SECONDS: this worker's sample, then whatever upkeep is due (see app.ops)."""

    def __init__(self, app, flush):
        super().__init__(daemon=True, name="folio-metrics")
        self.app, self.flush, self.stopping = app, flush, threading.Event()
        self.interval = app.config["METRICS_SAMPLE_SECONDS"]

    def run(self):
        while not self.stopping.wait(self.interval):
            self.flush_now()

    def flush_now(self):
        """Write a sample now; a failure is logged, never raised (the figures of that minute are lost)."""
        with self.app.app_context():
            try:
                self.flush(self.app)
            except Exception as exc:  # noqa: BLE001 - metrics must never take a worker down
                log.warning("metrics sample not written: %s", exc)
                db.session.rollback()
            finally:
                db.session.remove()
