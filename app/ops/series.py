"""The dashboard's charts: the history over 1 h, 24 h or 7 d in evenly spaced buckets, and the routes over that span."""

from datetime import UTC, datetime, timedelta

from app.ops import history
from app.ops.figures import Figures, memory_walk, round_or_none
from app.ops.summary import stale_after
from app.ops.web_meter import FAMILIES

# Range → (span, bucket): 60 points of a minute, 96 of a quarter hour, 168 of an hour.
RANGES = {"1h": (timedelta(hours=1), timedelta(minutes=1)), "24h": (timedelta(hours=24), timedelta(minutes=15)),
          "7d": (timedelta(days=7), timedelta(hours=1))}


class RangeError(ValueError):
    """A range the dashboard does not draw."""


def _epoch_ms(moment):
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def _floor(moment, step):
    epoch = datetime(1970, 1, 1)
    return epoch + (moment - epoch) // step * step


def history_series(settings, range_code, end):
    """Each chart's points over the range ending at `end` (None where there is no sample), and its routes."""
    if range_code not in RANGES:
        raise RangeError(f"Choose a range among {', '.join(RANGES)}.")
    span, step = RANGES[range_code]
    last = _floor(end, step)
    count = span // step
    first = last - (count - 1) * step
    minutes = step / timedelta(minutes=1)
    buckets = [Figures(minutes) for _ in range(count)]
    stale = stale_after(settings)
    samples = history.samples_between(first - stale, end)
    whole = Figures((end - first) / timedelta(minutes=1))
    for sample in samples:
        if sample.at >= first:
            buckets[min(count - 1, (sample.at - first) // step)].add(sample, routes=False)
            whole.add(sample)
    memory = {}
    for at, host, total, _ in memory_walk(samples, stale):
        if at >= first:
            points = memory.setdefault(host, [None] * count)
            index = min(count - 1, (at - first) // step)
            points[index] = max(points[index] or 0.0, round(total, 1))

    def per(get):
        return [get(bucket) for bucket in buckets]

    return {
        "range": range_code, "bucket_seconds": int(step.total_seconds()),
        "start": _epoch_ms(first), "end": _epoch_ms(end), "limit_mb": settings["DYNO_MEMORY_MB"],
        "times": [_epoch_ms(first + i * step) for i in range(count)],
        "hit_rate": per(lambda b: None if b.hit_rate is None else round(b.hit_rate, 4)),
        "p95_ms": {f: per(lambda b, f=f: round_or_none(b.families[f].p95_ms)) for f in FAMILIES},
        "requests_per_minute": {f: per(lambda b, f=f: round(b.families[f].per_minute, 2)) for f in FAMILIES},
        "error_rate": per(lambda b: b.error_rate),
        "yahoo_requests": per(lambda b: b.counts["http_requests"] if b.samples else None),
        "yahoo_failures": per(lambda b: b.failed_fetches if b.samples else None),
        "fetch_p95_ms": per(lambda b: round_or_none(b.fetch_latency.quantile(0.95))),
        "memory_mb": memory,
        "routes": [r.as_dict() for r in whole.slowest_routes()],
        "totals": {"requests": whole.requests, "errors": whole.errors, "hit_rate": whole.hit_rate,
                   "yahoo_requests": whole.counts["http_requests"], "failures": whole.failures},
    }
