"""Samples as the web workers and the price runner write them, with the figures a test chooses."""

from datetime import datetime, timedelta

from app.ops import history
from app.ops.histogram import Histogram

OPEN = datetime(2026, 11, 17, 15, 0)  # a Tuesday, 10:00 in New York: the market is open
HOST = "web.1"


def tally(family, n, ms, errors=0):
    """A family's or route's stored figures: n requests all taking `ms`, `errors` of them 5xx."""
    hist = Histogram()
    for _ in range(n):
        hist.add(ms)
    return {"family": family, "n": n, "errors": errors, "hist": hist.stored()}


def web(at, n=100, ms=50, errors=0, mb=120.0, endpoint="portfolios.show", family="html", pid=11, master=None):
    """One web worker's minute."""
    figures = tally(family, n, ms, errors)
    memory = {"mb": mb, "kind": "pss"}
    if master is not None:
        memory["master"] = {"pid": master[0], "mb": master[1]}
    history.write_sample(history.WEB, f"{HOST}:{pid}", {
        "seconds": 60, "families": {family: figures}, "endpoints": {endpoint: figures}, "memory": memory}, at=at)


def runner(at, hits=100, misses=0, requests=10, failures=None, breaker="closed", since=None, oldest=None,
           good_warmup="now", mb=60.0, pid=12):
    """The price runner's minute: counts since its last sample, and the state of prices."""
    delta = {"cache_hits": hits, "cache_misses": misses, "http_requests": requests, "fetches": 1,
             "fetch_ms_total": 200, "rate_limited": 0, "failures": failures or {}}
    history.write_sample(history.RUNNER, f"{HOST}:{pid}", {
        "totals": {k: v for k, v in delta.items() if k != "failures"} | {"failures": failures or {}},
        "delta": delta, "fetch_hist": tally("runner", 1, 200)["hist"],
        "breaker": {"state": breaker, "since": since.isoformat() if since else None},
        "tickers": {"fresh": 40, "stale": 0, "missing": 1, "unknown": 0},
        "wanted": {"count": 1 if oldest else 0, "oldest_seconds": oldest},
        "last_good_warmup": (at if good_warmup == "now" else good_warmup).isoformat() if good_warmup else None,
        "last_warm": at.isoformat(), "warm_cycle_seconds": 300.0, "source": "yahoo",
        "memory": {"mb": mb, "kind": "pss"}}, at=at)


def minute(start, i):
    """The i-th minute after `start`, a few seconds in (as a sampler's clock would be)."""
    return start + timedelta(minutes=i, seconds=5)


# Each alert's bad minute and good minute: what a deployment in trouble and a healthy one write.
def _good(at, start):
    web(at)
    runner(at)


def _bad_factory(alert, start):
    def bad(at):
        if alert == "hit_rate":
            web(at), runner(at, hits=10, misses=90)
        elif alert == "page_p95":
            web(at, ms=1200), runner(at)
        elif alert == "error_rate":
            web(at, errors=10), runner(at)
        elif alert == "breaker_open":
            web(at), runner(at, breaker="open", since=start)
        elif alert == "warmup_missed":
            web(at), runner(at, good_warmup=start)
        elif alert == "memory":
            web(at, mb=470.0), runner(at)
        elif alert == "wanted_age":
            web(at), runner(at, oldest=420)
        elif alert == "runner_silent":
            web(at)
        else:
            raise ValueError(alert)
    return bad


def writers(alert, start):
    """(good(at), bad(at)) for one alert; `start` is when the trouble began."""
    return (lambda at: _good(at, start)), _bad_factory(alert, start)


ALERTS = ("runner_silent", "breaker_open", "warmup_missed", "wanted_age", "error_rate", "page_p95", "memory",
          "hit_rate")
