"""The price runner's minute: its counters, fetch latency, breaker, freshness, queue and memory, as one sample.

Called by the runner after each beat (`app/jobs.py`); it does its work once every METRICS_SAMPLE_SECONDS and
then checks the alerts, so that one process (the lease holder) says each alert once for the deployment.
"""

import logging
from datetime import datetime, timedelta

from app.extensions import cache, db
from app.models import utcnow
from app.ops import alerts, history, state
from app.ops.histogram import Histogram
from app.ops.memory import memory_figures, process_id
from app.prices import get_price_service, sources
from app.prices.breaker import OUTAGE_STATES
from app.prices.stats import COUNTERS

log = logging.getLogger(__name__)

FAILURE_KINDS = sorted(sources.OUTAGE_KINDS | {sources.UNKNOWN, sources.NO_DATA, sources.BREAKER_OPEN})
GOOD_WARMUP_KEY = "ops:last_good_warmup"  # the end of the last scheduled warm-up that brought or kept prices
OUTAGE_KEY = "ops:outage_since"  # since when the breaker has not been closed
GAP = timedelta(hours=1)  # counts over a longer silence of the runner are not put in one minute


def succeeded(report):
    """Whether a beat completed the scheduled warm-up and it brought or kept some prices (or had none to keep)."""
    if report is None or not report.completed:
        return False
    return not report.scheduled or any(part.fetched or part.fresh for part in report.scheduled)


def sample_beat(app, report, cycle, tickers):
    """After a runner beat: note a good warm-up; once a minute write the runner's sample, prune, check the alerts.

    `cycle`: the warm-up interval while the market is open; `tickers(app)`: the tickers the warm-up keeps.
    """
    now = utcnow()
    if succeeded(report):
        cache.set(GOOD_WARMUP_KEY, now.isoformat(), timeout=0)
    ops = state.of(app)
    last = ops.get("runner_sampled_at")
    if last is not None and (now - last).total_seconds() < app.config["METRICS_SAMPLE_SECONDS"]:
        return None
    ops["runner_sampled_at"] = now
    try:
        data = runner_figures(app, now, cycle, tickers(app))
        history.write_sample(history.RUNNER, process_id(), data, at=now)
        state.prune_when_due(app, now)
        alerts.evaluate(app, now)
        return data
    except Exception as exc:  # noqa: BLE001 - the runner goes on fetching whatever befalls its figures
        db.session.rollback()
        log.warning("runner metrics sample not written: %s", exc)
        return None


def runner_figures(app, now, cycle, tickers):
    """The runner's figures now: counters (totals and since the last sample) and the state of prices."""
    service = get_price_service(app)
    snapshot = service.stats.snapshot(FAILURE_KINDS)
    totals = {name: snapshot[name] for name in COUNTERS}
    totals["failures"] = {kind: n for kind, n in snapshot["failures"].items() if n}
    previous = history.latest(history.RUNNER, before=now)
    fetch_hist = Histogram()
    for ms in service.stats.take_fetch_ms():
        fetch_hist.add(ms)
    breaker_state = service.breaker_state()
    quotes = service.cached_quotes(tickers, now, count=False) if tickers else {}
    statuses = [q.status for q in quotes.values()]
    wanted, oldest = service.wanted.summary(now)
    return {
        "totals": totals,
        "delta": counts_since(previous, totals, now),
        "fetch_hist": fetch_hist.stored(),
        "breaker": {"state": breaker_state, "since": outage_since(breaker_state, snapshot["breaker"], now)},
        "tickers": {status: statuses.count(status) for status in ("fresh", "stale", "missing", "unknown")},
        "wanted": {"count": wanted, "oldest_seconds": round(oldest) if oldest is not None else None},
        "last_good_warmup": cache.get(GOOD_WARMUP_KEY),
        "last_warm": (snapshot.get("last_warm") or {}).get("at"),
        "warm_cycle_seconds": cycle.total_seconds(),
        "source": app.config.get("PRICE_SOURCE"),
        "memory": memory_figures(),
    }


def counts_since(previous, totals, now):
    """Each counter's growth since the previous runner sample (a counter that went down was reset: all of it)."""
    if previous is None or now - previous.at > GAP:
        return {}
    before = previous.data.get("totals") or {}

    def grown(now_value, then_value):
        return now_value - then_value if now_value >= then_value else now_value

    delta = {name: grown(totals[name], before.get(name, 0)) for name in COUNTERS}
    then = before.get("failures") or {}
    delta["failures"] = {kind: g for kind, n in totals["failures"].items() if (g := grown(n, then.get(kind, 0)))}
    return delta


def outage_since(breaker_state, entry, now):
    """Since when the breaker has been open or half-open without closing in between (ISO), or None while closed."""
    if breaker_state not in OUTAGE_STATES:
        cache.delete(OUTAGE_KEY)
        return None
    since = cache.get(OUTAGE_KEY)
    if since is None:
        changed = (entry or {}).get("changed_at")
        moment = datetime.fromisoformat(changed).replace(tzinfo=None) if changed else now
        since = min(moment, now).isoformat()
        cache.set(OUTAGE_KEY, since, timeout=0)
    return since
