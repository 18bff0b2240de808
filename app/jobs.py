"""The warm-up job: APScheduler in the web process (or a clock process), one run at a time everywhere.

The lock is Redis when REDIS_URL is set (all dynos), else a PostgreSQL advisory lock (all processes
on the database), else a file lock (all processes on this machine).
"""

import contextlib
import logging
import threading
from datetime import datetime, timedelta

import filelock
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text

from app.analytics.fx import fx_pairs_needed
from app.extensions import db
from app.prices import get_price_service, isin, market, store
from app.redis_client import redis_from_url

log = logging.getLogger(__name__)

LOCK_NAME = "folio:warmup"
# A run that takes longer than this has died: the Redis lock expires so that the next run can go.
LOCK_TTL = 15 * 60
ADVISORY_KEY = 7_406_111_001  # any fixed 64-bit number, the same in every process
TICK_SECONDS = 60  # the scheduler wakes every minute and decides whether a warm-up is due
FIRST_RUN_DELAY = 15  # seconds after start-up: never delay binding $PORT
OPEN_INTERVAL = timedelta(minutes=5)  # while the market is open
CLOSED_INTERVAL = timedelta(hours=6)  # weekends and holidays: rarely

_started = {"scheduler": None}
_start_lock = threading.Lock()


@contextlib.contextmanager
def warmup_lock(app):
    """Yield True to the one process that holds the warm-up lock, False to everyone else (never waits)."""
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        lock = redis_from_url(redis_url).lock(LOCK_NAME, timeout=LOCK_TTL, blocking=False)
        got = lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                with contextlib.suppress(Exception):
                    lock.release()
        return
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
            try:
                yield bool(got)
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                    conn.commit()
        return
    lock = filelock.FileLock(str(app.instance_path) + "/warmup.lock")
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def warmup_due(now, last_run, ticker="SPY"):
    """Whether a warm-up is due: every few minutes while open, once after each close, rarely when closed."""
    if last_run is None:
        return True
    if market.is_open(ticker, now):
        return now - last_run >= OPEN_INTERVAL
    closed_at = datetime.combine(market.last_complete_session(ticker, now), datetime.min.time())
    session_close = market.calendar(market.calendar_code(ticker)).session_close(closed_at)
    close_time = session_close.tz_convert("UTC").tz_localize(None).to_pydatetime()
    return last_run < close_time or now - last_run >= CLOSED_INTERVAL


def warm_tickers(app):
    """Every ticker held in any portfolio, most-held first, then the benchmarks, then the FX pairs needed."""
    pairs = set()
    for base, currency in store.currencies_in_use():
        pairs.update(fx_pairs_needed([currency], base))
    benchmarks = list(app.config["BENCHMARKS"]) + store.portfolio_benchmarks()
    return list(dict.fromkeys(store.held_tickers() + benchmarks + sorted(pairs)))


def run_warmup(app, force=False):
    """Run one warm-up if it is due and no other process is running one; return its report or None."""
    with app.app_context():
        try:
            return _run_warmup(app, force)
        finally:
            db.session.remove()


def _run_warmup(app, force):
    isin.resolve_pending_isins()  # imported ISINs to Yahoo symbols first, so that the warm-up fetches the symbols
    service = get_price_service(app)
    now = market.utcnow()
    last = service.stats.get("last_scheduled_warm")
    if not force and not warmup_due(now, datetime.fromisoformat(last) if last else None):
        return None
    with warmup_lock(app) as got:
        if not got:
            log.info("warm-up skipped: another process holds the lock")
            return None
        service.stats.put("last_scheduled_warm", now.isoformat())
        tickers = warm_tickers(app)
        if not tickers:
            return None
        report = service.warm(tickers)
        log.info("warm-up: %d fresh, %d fetched, %d failed, %d requests in %.1fs", len(report.fresh),
                 len(report.fetched), len(report.failed), report.requests, report.seconds)
        return report


def make_scheduler(app, scheduler_class=BackgroundScheduler):
    """A scheduler that ticks every minute and warms when due; the first tick soon after start-up."""
    scheduler = scheduler_class(daemon=True, job_defaults={"coalesce": True, "max_instances": 1,
                                                           "misfire_grace_time": TICK_SECONDS})
    first = datetime.now() + timedelta(seconds=FIRST_RUN_DELAY)  # noqa: DTZ005 - APScheduler's local time
    scheduler.add_job(safe_run, "interval", seconds=TICK_SECONDS, next_run_time=first, args=[app], id="warmup")
    return scheduler


def safe_run(app):
    """Run the warm-up; a failure is logged, never raised into the scheduler."""
    try:
        run_warmup(app)
    except Exception:
        log.exception("warm-up failed")


def start_scheduler(app):
    """Start the in-process scheduler once per process (after gunicorn forks), unless turned off."""
    if not app.config.get("SCHEDULER_ENABLED") or app.config.get("TESTING"):
        return None
    with _start_lock:
        if _started["scheduler"] is None:
            scheduler = make_scheduler(app)
            scheduler.start()
            _started["scheduler"] = scheduler
            log.info("warm-up scheduler started")
        return _started["scheduler"]


def init_app(app):
    """Start the scheduler on the first request: after any fork, and without delaying boot."""

    @app.before_request
    def ensure_scheduler():
        if _started["scheduler"] is None:
            start_scheduler(app)
