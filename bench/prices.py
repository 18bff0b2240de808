"""Benchmark: PriceService.warm() against a stand-in Yahoo that answers after a simulated network delay.

    .venv/bin/python bench/prices.py [--delay 0.1] [--sizes 100,1000] [--naive 100]

Prints wall seconds, tickers per second, HTTP requests per ticker, CPU seconds, peak memory growth
and the ratio of wall time to the lower bound (chart requests × delay ÷ concurrency), then a second
warm-up with the market closed (must make zero requests), and the naive way for comparison:
one ticker after another with yfinance. The stand-in's answers are made before the clock starts:
serving them stands for network time, which costs this process no CPU. Last, the floor: the CPU
yfinance alone needs per ticker on one thread, which no concurrency under one GIL can go below.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

os.environ["YF_DISABLE_CURL_CFFI"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import responses  # noqa: E402
import time_machine  # noqa: E402
import yfinance as yf  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.prices import get_price_service  # noqa: E402
from tests.yahoo_stub import Symbol, YahooStub  # noqa: E402

SATURDAY = datetime(2026, 11, 21, 12, 0)  # markets closed: a second warm-up must find everything fresh
START = date(2025, 11, 21)  # one year of daily bars


def names(n):
    """Distinct plausible symbols: AAAX, AABX, ..."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [f"{letters[i // 676 % 26]}{letters[i // 26 % 26]}{letters[i % 26]}X" for i in range(n)]


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def cpu_seconds():
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def make_app(tmp):
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"TESTING": True, "SCHEDULER_ENABLED": False, "CACHE_TYPE": "SimpleCache",
                      "YF_CACHE_DIR": f"{tmp}/yf", "PRICE_MAX_REQUESTS_PER_MINUTE": REQUESTS_PER_MINUTE},
                     environ={"SECRET_KEY": "bench", "DATABASE_URL": url,
                              **{k: v for k, v in os.environ.items() if k.startswith("PRICE_")}})
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


# The runner caps requests per minute to be polite to Yahoo; the benchmark measures the machinery without it.
REQUESTS_PER_MINUTE = int(os.environ.get("PRICE_MAX_REQUESTS_PER_MINUTE", 0))
TMP = tempfile.mkdtemp(prefix="bench-prices-")  # one folder: yfinance keeps its cache location for the process


def bench_warm(size, delay):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        app = make_app(TMP)
        tickers = names(size)
        stub = YahooStub(rsps, [Symbol(t) for t in tickers], delay=delay)
        with time_machine.travel(SATURDAY):
            for t in tickers:
                stub.prerender(t, START)  # make the stub's answers up front: serving them is network time, not CPU
        with app.app_context(), time_machine.travel(SATURDAY, tick=True):
            service = get_price_service(app)
            base, cpu_before, own_before = current_rss_mb(), cpu_seconds(), time.thread_time()
            began = time.perf_counter()
            report = service.warm(tickers, start=START)
            wall = time.perf_counter() - began
            cpu = cpu_seconds() - cpu_before
            storing = time.thread_time() - own_before  # warm() stores on this thread; the pool's threads fetch
            peak = rss_mb() - base  # the process's peak so far less its size now: never an underestimate
            chart_requests = stub.chart_requests
            lower = chart_requests * delay / service.source.concurrency
            again = service.warm(tickers)
        print(f"warm {size:>5} tickers: {wall:6.2f} s wall, {size / wall:6.1f} tickers/s, "
              f"{report.requests / size:.2f} HTTP requests/ticker ({chart_requests} chart), "
              f"lower bound {lower:.2f} s, ratio {wall / lower:.2f}x, CPU {cpu:.1f} s "
              f"({cpu / size * 1000:.1f} ms/ticker, of which planning and storing {storing / size * 1000:.1f} ms "
              f"on the calling thread), peak memory +{peak:.0f} MB, "
              f"fetched {len(report.fetched)}, failed {len(report.failed)}, "
              f"{stub.prerendered} answers pre-rendered")
        print(f"  second warm-up, market closed: {again.requests} requests, {len(again.fresh)} fresh, "
              f"{again.seconds:.2f} s")
        return wall


def bench_naive(size, delay):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        tickers = [f"N{t}" for t in names(size)]  # names the fast path has not seen: no cached time zones
        stub = YahooStub(rsps, [Symbol(t) for t in tickers], delay=delay)
        with time_machine.travel(SATURDAY, tick=True):
            began = time.perf_counter()
            for ticker in tickers:
                yf.Ticker(ticker).history(start=START.isoformat(), auto_adjust=False, actions=True)
            wall = time.perf_counter() - began
        print(f"naive {size:>4} tickers one after another: {wall:6.2f} s wall, {size / wall:6.1f} tickers/s, "
              f"{stub.chart_requests / size:.2f} chart requests/ticker")
        return wall


def bench_floor(size, lower_bound_1000):
    """CPU of yfinance alone, one ticker after another on one thread with no delay: the floor of a warm-up.

    Every chunk's parsing runs under the one GIL, so 1000 tickers need at least 1000 times this much
    CPU whatever the concurrency; compared with 1.5x the lower bound of 1000 tickers.
    """
    from app.prices.yahoo import YahooSource

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        tickers = [f"F{t}" for t in names(size + 1)]
        stub = YahooStub(rsps, [Symbol(t) for t in tickers])
        with time_machine.travel(SATURDAY):
            for t in tickers:
                stub.prerender(t, START)
        with time_machine.travel(SATURDAY, tick=True):
            source = YahooSource(cache_dir=f"{TMP}/yf")
            source.seed_timezones(tickers)
            options = {"start": START.isoformat(), "auto_adjust": False, "actions": True}
            yf.Ticker(tickers[0], session=source.recorder.session).history(**options)  # first-call costs
            before = time.process_time()
            for ticker in tickers[1:]:
                yf.Ticker(ticker, session=source.recorder.session).history(**options)
            per_ticker = (time.process_time() - before) / size
    print(f"floor: yfinance alone, one thread, no delay: {per_ticker * 1000:.1f} ms CPU/ticker, so 1000 tickers "
          f"need >= {per_ticker * 1000:.1f} s of CPU under one GIL; 1.5x the lower bound of 1000 is "
          f"{1.5 * lower_bound_1000:.2f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.1, help="simulated network delay per request (s)")
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--naive", type=int, default=100, help="tickers for the naive run (0 to skip)")
    parser.add_argument("--floor", type=int, default=100, help="tickers for the one-thread CPU floor (0 to skip)")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    print(f"simulated delay {args.delay * 1000:.0f} ms per request; one year of daily bars per ticker; "
          f"{os.environ.get('PRICE_MAX_WORKERS', 8)} requests in flight at most; "
          f"cap {REQUESTS_PER_MINUTE or 'none'} requests/minute")
    walls = {size: bench_warm(size, args.delay) for size in map(int, args.sizes.split(","))}
    if args.floor:
        concurrency = int(os.environ.get("PRICE_MAX_WORKERS", 8))
        bench_floor(args.floor, 1000 * args.delay / concurrency)
    if args.naive:
        naive = bench_naive(args.naive, args.delay)
        per_ticker = naive / args.naive
        for size, wall in walls.items():
            print(f"  speed-up at {size}: {per_ticker * size / wall:.1f}x over the naive way "
                  f"(naive extrapolated at {per_ticker * 1000:.0f} ms/ticker)")


if __name__ == "__main__":
    main()
