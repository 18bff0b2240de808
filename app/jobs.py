"""The price runner: the one process that fetches, in a web worker (APScheduler) or in the `clock` process.

Every process ticks every few seconds; the one that holds the runner lease (a PostgreSQL advisory
lock, or a file lock beside a SQLite database) takes the tickers pages have asked for, then runs the
scheduled warm-up when it is due. The lease is held for the life of the process, so only that process
ever imports yfinance; when it dies the database lets the lease go and another process takes it.
"""

import contextlib
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import filelock
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.analytics.fx import fx_pairs_needed
from app.extensions import db
from app.ops.runner import sample_beat
from app.portfolios import charts
from app.prices import get_price_service, isin, market, profiles, sources, store

log = logging.getLogger(__name__)

ADVISORY_KEY = 7_406_111_001  # any fixed 64-bit number, the same in every process
TICK_SECONDS = 2  # how soon the runner sees a ticker a page asked for
LEASE_RETRY_SECONDS = 10  # how often a process that is not the runner tries to become it
FIRST_RUN_DELAY = 5  # seconds after start-up: never delay binding $PORT
BATCH_SECONDS = 5  # a scheduled warm-up goes in batches this long at the request cap, wanted tickers between
# Failures that say nothing about the ticker: it stays wanted and is asked for again once Yahoo answers.
RETRY_KINDS = sources.OUTAGE_KINDS | {sources.BREAKER_OPEN}

_started = {"scheduler": None, "runner": None}
_start_lock = threading.Lock()


class RunnerLease:
    """Who is the runner: a PostgreSQL advisory lock on a connection of its own, or a file lock for SQLite."""

    def __init__(self, app):
        self.app = app
        self.connection = None
        self.file_lock = None

    def acquire(self):
        """Become the runner if no other process is; never waits."""
        with self.app.app_context():
            if db.engine.dialect.name == "postgresql":
                return self._acquire_advisory()
            return self._acquire_file()

    def _acquire_advisory(self):
        connection = db.engine.connect()
        try:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
            connection.commit()
        except Exception:
            connection.close()
            raise
        if got:
            self.connection = connection
        else:
            connection.close()
        return bool(got)

    def _acquire_file(self):
        lock = filelock.FileLock(lock_path(self.app))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        self.file_lock = lock
        return True

    def held(self):
        """Whether this process still holds the lease (a dropped database connection loses it)."""
        if self.file_lock is not None:
            return True
        if self.connection is None:
            return False
        try:
            self.connection.execute(text("SELECT 1"))
            self.connection.commit()
            return True
        except Exception as exc:  # noqa: BLE001 - any failure means the lock went with the connection
            log.warning("price runner lease lost: %s", exc)
            self.release()
            return False

    def release(self):
        """Let another process become the runner."""
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self.connection.commit()
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None
        if self.file_lock is not None:
            self.file_lock.release()
            self.file_lock = None


def lock_path(app):
    """The runner's lock file: beside the SQLite database, so that every process on it shares one."""
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    if database and database != ":memory:":
        return f"{database}.runner.lock"
    return str(Path(app.instance_path) / "runner.lock")


@dataclass
class CycleReport:
    """What one beat of the runner did."""

    wanted: object = None  # the WarmReport of the tickers pages asked for
    scheduled: list = field(default_factory=list)  # the WarmReports of the scheduled warm-up's batches
    completed: bool = False  # the scheduled warm-up ran to its end
    refilled: int = 0  # portfolios whose charts were computed ahead after it
    profiles: dict = field(default_factory=dict)  # the profiles fetched on this beat: {ticker: found}


def warm_tickers(app):
    """Every ticker held in any portfolio, most-held first, then the benchmarks, then the FX pairs needed."""
    pairs = set()
    for base, currency in store.currencies_in_use():
        pairs.update(fx_pairs_needed([currency], base))
    benchmarks = list(app.config["BENCHMARKS"]) + store.portfolio_benchmarks()
    return list(dict.fromkeys(store.held_tickers() + benchmarks + sorted(pairs)))


def take_wanted(service):
    """Fetch the tickers pages have asked for; drop from the queue what is done (fetched or failed for good)."""
    if service.breaker_state() == "open":
        return None  # they stay wanted; the breaker's trial decides when Yahoo is asked again
    wanted = service.wanted.peek()
    if not wanted:
        return None
    by_start = {}
    for ticker, start in wanted.items():
        by_start.setdefault(start, []).append(ticker)
    done, last = {}, None
    for start, tickers in sorted(by_start.items()):
        last = service.warm(tickers, start=start)
        retry = {t for t, f in last.failed.items() if f.kind in RETRY_KINDS}
        done.update({t: start for t in tickers if t not in retry})
        log.info("wanted tickers from %s: %d fetched, %d failed", start, len(last.fetched), len(last.failed))
    service.wanted.remove(done)
    return last


def run_cycle(app, stopping=None, force=False, now=None):
    """One beat of the runner: the wanted tickers first, then the scheduled warm-up in batches when due."""
    service = get_price_service(app)
    stopping = stopping or threading.Event()
    now = now or market.utcnow()
    service.stats.runner_seen(now, f"{socket.gethostname()}:{os.getpid()}")
    isin.resolve_pending_isins()  # imported ISINs to Yahoo symbols first, so that what follows fetches the symbols
    report = CycleReport(wanted=take_wanted(service))
    report.profiles = profiles.refresh_profiles(service, app.config["PROFILE_BATCH"], now)
    last = service.stats.get("last_scheduled_warm")
    if not force and not market.warmup_due(now, datetime.fromisoformat(last) if last else None):
        return report
    tickers = warm_tickers(app)
    per_minute = app.config.get("PRICE_MAX_REQUESTS_PER_MINUTE") or 0
    batch = max(app.config.get("PRICE_CHUNK_SIZE", 10), per_minute * BATCH_SECONDS // 60) if per_minute else len(
        tickers) or 1
    for first in range(0, len(tickers), batch):
        if stopping.is_set():
            log.info("warm-up stopped before its end: the next runner does it again")
            return report
        part = service.warm(tickers[first:first + batch])
        report.scheduled.append(part)
        log.info("warm-up batch: %d fresh, %d fetched, %d changed, %d failed, %d requests in %.1fs",
                 len(part.fresh), len(part.fetched), len(part.changed), len(part.failed), part.requests, part.seconds)
        take_wanted(service)
    service.stats.put("last_scheduled_warm", now.isoformat())
    report.completed = True
    changed = {t for part in report.scheduled for t in part.changed}
    report.refilled = charts.refill(changed, service, app, app.config["CHART_REFILL_SECONDS"])
    if report.refilled:
        log.info("charts of %d portfolios computed ahead after the warm-up", report.refilled)
    return report


class Runner:
    """A process's part in fetching: hold (or try for) the lease, and as the runner do the cycle."""

    def __init__(self, app):
        self.app = app
        self.lease = RunnerLease(app)
        self.stopping = threading.Event()
        self._last_try = -LEASE_RETRY_SECONDS

    def tick(self):
        """One beat; returns the CycleReport when this process is the runner, else None."""
        if self.stopping.is_set():
            return None
        if not self.lease.held():
            if time.monotonic() - self._last_try < LEASE_RETRY_SECONDS:
                return None
            self._last_try = time.monotonic()
            if not self.lease.acquire():
                return None
            log.info("this process (%d) is the price runner", os.getpid())
        with self.app.app_context():
            try:
                report = run_cycle(self.app, self.stopping)
                sample_beat(self.app, report, market.OPEN_INTERVAL, warm_tickers)  # operators' figures, each minute
                return report
            finally:
                db.session.remove()

    def safe_tick(self):
        """tick(), with a failure logged, never raised into the scheduler."""
        try:
            return self.tick()
        except Exception:
            log.exception("price runner beat failed")
            return None

    def stop(self):
        """Stop between batches and let the lease go."""
        self.stopping.set()
        self.lease.release()


def make_scheduler(runner, scheduler_class=BackgroundScheduler):
    """A scheduler that beats every TICK_SECONDS, the first beat soon after start-up."""
    scheduler = scheduler_class(daemon=True, job_defaults={"coalesce": True, "max_instances": 1,
                                                           "misfire_grace_time": TICK_SECONDS})
    first = datetime.now() + timedelta(seconds=FIRST_RUN_DELAY)  # noqa: DTZ005 - APScheduler's local time
    scheduler.add_job(runner.safe_tick, "interval", seconds=TICK_SECONDS, next_run_time=first, id="price-runner")
    return scheduler


def start_scheduler(app):
    """Start the in-process runner once per process (after gunicorn forks), unless turned off."""
    if not app.config.get("SCHEDULER_ENABLED") or app.config.get("TESTING"):
        return None
    with _start_lock:
        if _started["scheduler"] is None:
            runner = Runner(app)
            scheduler = make_scheduler(runner)
            scheduler.start()
            _started.update(scheduler=scheduler, runner=runner)
            log.info("price runner scheduler started")
        return _started["scheduler"]


def init_app(app):
    """Start the scheduler on the first request: after any fork, and without delaying boot."""

    @app.before_request
    def ensure_scheduler():
        if _started["scheduler"] is None:
            start_scheduler(app)
