"""Load test of record: N signed-in people on the Procfile's web command, cold right after a warm-up, then steady.

    .venv/bin/python bench/load.py [--users 100] [--seconds 60] [--think 1,3] [--preload false]
                                   [--database postgres://postgres@127.0.0.1:5432/test] [--redis URL]

Production settings (gunicorn, gthread, WEB_CONCURRENCY=2, the price runner on in a worker), PostgreSQL,
demo prices stored beforehand. Each person has a portfolio of 20 to 50 holdings bought and sold over
five years and compares it with 3 ETFs; one more has 2,000 trades over 500 tickers. Each person loops
as a browser would: the dashboard and at once its chart data (polling again after a 202, as the page
does), a pause, the chart for the next range, a pause, Compare and its metrics, a pause, the holdings
JSON, a pause (pauses drawn between the --think bounds, in seconds). Phase "cold": caches empty and every
ticker's prices just changed (what a warm-up that wrote new prices for all of them leaves). Phase
"steady": the same loop afterwards. Prints per route p50/p95/p99/max, errors, wrong pages and throughput,
the time until a dashboard's chart is drawn, and the peak proportional set size (PSS, sampled every
0.5 s) of the master, each worker and their total; and the PSS of one idle worker before the load.
Writes the same as a Markdown table to bench/results/.
"""

import argparse
import gzip
import http.client
import json
import os
import platform
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402

from bench.common import create_database, free_port  # noqa: E402
from config import database_url as normalise  # noqa: E402

BENCHMARKS = ["SPY", "QQQ", "VTI"]
RANGES = ["1M", "3M", "YTD", "1Y", "3Y", "5Y", "MAX"]
PASSWORD = "bench-password"
UNIVERSE = [f"L{i:03d}" for i in range(150)]  # tickers the people share
LARGE_TICKERS = [f"X{i:03d}" for i in range(500)]  # the one large portfolio's own
ROUTES = ("dashboard", "chart", "compare", "performance", "holdings")


def person_trades(rng, tickers, start, today):
    """Buys over five years, some sells of part of a position, in USD."""
    rows = []
    for ticker in tickers:
        held = 0
        for _ in range(rng.randint(1, 4)):
            day = start + timedelta(days=rng.randint(0, (today - start).days - 30))
            quantity = rng.randint(1, 40)
            rows.append((day, "BUY", ticker, quantity))
            held += quantity
        if rng.random() < 0.3:
            rows.append((today - timedelta(days=rng.randint(1, 25)), "SELL", ticker, max(1, held // 3)))
    return rows


def seed(url, users, tmp, redis_env):
    """People, portfolios and five years of demo prices for every ticker, written before gunicorn starts."""
    from app import create_app
    from app.extensions import db
    from app.jobs import run_cycle
    from app.models import Portfolio, Transaction, User

    # The cache gunicorn will use: the runner there knows the warm-up below is done.
    environ = {"SECRET_KEY": "x" * 40, "DATABASE_URL": url, "CACHE_DIR": f"{tmp}/cache", **redis_env}
    app = create_app({"PRICE_SOURCE": "demo", "SCHEDULER_ENABLED": False, "PRICE_MAX_REQUESTS_PER_MINUTE": 0},
                     environ=environ)
    rng = random.Random(7)
    today = date.today()
    start = today - timedelta(days=5 * 365)
    people = []
    with app.app_context():
        db.create_all()
        hashed = User(email="x@example.com")
        hashed.set_password(PASSWORD)
        for i in range(users + 1):
            large = i == users
            user = User(email=f"person{i}@example.com", password_hash=hashed.password_hash)
            portfolio = Portfolio(owner=user, name=f"Portfolio of person {i}", base_currency="USD",
                                  benchmarks=",".join(BENCHMARKS))
            db.session.add_all([user, portfolio])
            db.session.flush()
            tickers = LARGE_TICKERS if large else rng.sample(UNIVERSE, rng.randint(20, 50))
            trades = person_trades(rng, tickers, start, today)
            if large:
                trades = (trades * 2)[:2000]
            db.session.execute(sqlalchemy.insert(Transaction), [
                {"portfolio_id": portfolio.id, "ticker": t, "type": kind, "trade_date": day, "quantity": q,
                 "price": 100, "fees": 1, "currency": "USD"} for day, kind, t, q in trades])
            people.append({"email": user.email, "portfolio": portfolio.id, "name": portfolio.name,
                           "tickers": sorted(set(tickers)), "large": large})
        db.session.commit()
        began = time.perf_counter()
        run_cycle(app, force=True)  # the price runner's scheduled warm-up: every held ticker and the benchmarks
        print(f"seeded {users} people (+1 with {len(LARGE_TICKERS)} tickers, 2000 trades) and five years of prices "
              f"in {time.perf_counter() - began:.0f} s", flush=True)
    return people


def prices_just_changed(url):
    """What a warm-up that wrote a new price for every ticker leaves: each ticker's newest bar and version moved."""
    engine = sqlalchemy.create_engine(normalise(url))
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE price_bars SET close = close * 1.001, adj_close = adj_close * 1.001 "
                             "WHERE (ticker, date) IN (SELECT ticker, max(date) FROM price_bars GROUP BY ticker)")
        conn.exec_driver_sql("UPDATE securities SET prices_version = prices_version + 1")
    engine.dispose()


def forget_computed_data(url, tmp, redis_url, refill=False):
    """An empty cache but for the runner's note that its warm-up is done (so it does not warm again at once).

    With `refill`, then what the runner does right after a warm-up that changed prices: it computes the
    stale charts ahead (charts.refill), as it would between the warm-up and the visitors.
    """
    from app import create_app
    from app.extensions import cache, db
    from app.prices import get_price_service

    environ = {"SECRET_KEY": "x" * 40, "DATABASE_URL": url, "CACHE_DIR": f"{tmp}/cache"}
    app = create_app({"PRICE_SOURCE": "demo"}, environ={**environ, **({"REDIS_URL": redis_url} if redis_url else {})})
    with app.app_context():
        cache.clear()
        service = get_price_service(app)
        service.stats.put("last_scheduled_warm", datetime.now(UTC).replace(tzinfo=None).isoformat())
        if refill:
            from app.models import Security
            from app.portfolios import charts

            began = time.perf_counter()
            done = charts.refill(db.session.scalars(sqlalchemy.select(Security.ticker)).all(), service, app, 3600)
            print(f"the runner's refill after the warm-up: {done} portfolios in {time.perf_counter() - began:.1f} s",
                  flush=True)


def start_gunicorn(url, port, tmp, preload, redis, extra_env=()):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS_URL"))}
    env.update(DATABASE_URL=url, SECRET_KEY="load-" + "x" * 40, PORT=str(port), WEB_CONCURRENCY="2",
               PRICE_SOURCE="demo", CACHE_DIR=f"{tmp}/cache", LOG_LEVEL="WARNING", SCHEDULER_ENABLED="true",
               GUNICORN_PRELOAD="true" if preload else "false",
               SIGNIN_LIMIT_PER_ADDRESS="100000/minute")  # every person signs in from this one address
    if redis:
        env["REDIS_URL"] = redis
    env.update(item.split("=", 1) for item in extra_env)
    procfile = dict(re.findall(r"^(\w+):\s*(.+)$", (ROOT / "Procfile").read_text(), re.M))
    command = procfile["web"].split()
    command[0] = str(Path(sys.executable).parent / command[0])
    with open(f"{tmp}/gunicorn.log", "w") as log:
        proc = subprocess.Popen([*command, "--access-logfile", "/dev/null"], cwd=ROOT, env=env,
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(Path(f"{tmp}/gunicorn.log").read_text())


def pss_mb(pid):
    """Proportional set size of one process: its share of the pages it has in common with others."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next(int(line.split()[1]) for line in rollup if line.startswith("Pss:")) / 1024
    except (OSError, StopIteration):
        return 0.0


def machine():
    """The machine in a few words: architecture, CPU model, cores, memory."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", info, re.M)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists()
                       else "", re.M)
    return ", ".join(filter(None, [platform.machine(), model.group(1).strip() if model else None,
                                   f"{os.cpu_count()} cores",
                                   f"{int(memory.group(1)) / 1024 / 1024:.0f} GB RAM" if memory else None]))


def children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class MemorySampler(threading.Thread):
    """PSS of the master and each worker every 0.5 s; peaks per process and of their sum."""

    def __init__(self, master):
        super().__init__(daemon=True)
        self.master, self.stop = master, threading.Event()
        self.peaks, self.total_peak = {}, 0.0

    def run(self):
        while not self.stop.wait(0.5):
            sample = {pid: pss_mb(pid) for pid in [self.master, *children(self.master)]}
            for pid, value in sample.items():
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), value)
            self.total_peak = max(self.total_peak, sum(sample.values()))


class Browser:
    """One person's browser: keep-alive connection, the session cookie, Heroku's HTTPS header."""

    def __init__(self, port):
        self.port, self.cookie, self.conn = port, "", None

    def get(self, path, method="GET", body=None, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            sent = {"X-Forwarded-Proto": "https", "Cookie": self.cookie, "Accept-Encoding": "gzip", **(headers or {})}
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        for value in response.msg.get_all("Set-Cookie") or []:
            self.cookie = value.split(";", 1)[0]
        return response.status, data, response.getheader("Content-Encoding")

    def sign_in(self, email):
        _, page, _ = self.get("/login", headers={"Accept-Encoding": "identity"})
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
        form = urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
        status, _, _ = self.get("/login", "POST", form, {"Content-Type": "application/x-www-form-urlencoded",
                                                         "Referer": f"https://127.0.0.1:{self.port}/login",
                                                         "Accept-Encoding": "identity"})
        if status != 302:
            raise RuntimeError(f"sign-in of {email} answered {status}")


def text(data, encoding):
    """The body as text, unzipped (Flask-Compress gzips what is large enough)."""
    return (gzip.decompress(data) if encoding == "gzip" else data).decode()


def body_json(data, encoding):
    return json.loads(text(data, encoding))


class Recorder:
    """Latencies per route and phase, errors, wrong pages, time until a chart is drawn."""

    def __init__(self):
        self.lock = threading.Lock()
        self.phase = "cold"
        self.times = {}
        self.errors = {}
        self.wrong = {}
        self.drawn = {}
        self.requests = {}

    def add(self, route, seconds, ok=True, right=True):
        with self.lock:
            key = (self.phase, route)
            self.times.setdefault(key, []).append(seconds * 1000)
            self.errors[key] = self.errors.get(key, 0) + (not ok)
            self.wrong[key] = self.wrong.get(key, 0) + (not right)
            self.requests[self.phase] = self.requests.get(self.phase, 0) + 1

    def chart_drawn(self, seconds):
        with self.lock:
            self.drawn.setdefault(self.phase, []).append(seconds * 1000)


def timed(browser, path):
    began = time.perf_counter()
    status, data, encoding = browser.get(path)
    return status, data, encoding, time.perf_counter() - began


def chart(browser, recorder, person, range_code, began):
    """Ask for the chart data as the page does: again after 1 s, 2 s, 4 s... while the answer is 202."""
    path = f"/api/chart-data/{person['portfolio']}?range={range_code}&benchmarks={','.join(BENCHMARKS)}"
    wait = 1.0
    while True:
        status, data, encoding, seconds = timed(browser, path)
        ok = status in (200, 202)
        right = True
        if status == 200:
            payload = body_json(data, encoding)
            right = {a["ticker"] for a in payload["allocation"]} <= set(person["tickers"]) | {"Other"}
        recorder.add("chart", seconds, ok, right)
        if status != 202 or time.perf_counter() - began > 30:
            if status == 200:
                recorder.chart_drawn(time.perf_counter() - began)
            return
        time.sleep(wait)
        wait = min(wait * 2, 8)


def person_loop(port, person, recorder, until, think, rng, ready):
    browser = Browser(port)
    browser.sign_in(person["email"])
    ready.wait()
    step = 0
    pid = person["portfolio"]
    while time.monotonic() < until[0]:
        began = time.perf_counter()
        status, data, encoding, seconds = timed(browser, f"/portfolios/{pid}")
        page = text(data, encoding)
        recorder.add("dashboard", seconds, status == 200, person["name"] in page and person["email"] in page)
        chart(browser, recorder, person, RANGES[step % len(RANGES)], began)
        time.sleep(rng.uniform(*think))
        chart(browser, recorder, person, RANGES[(step + 3) % len(RANGES)], time.perf_counter())
        time.sleep(rng.uniform(*think))
        status, data, encoding, seconds = timed(browser, f"/portfolios/{pid}/compare")
        recorder.add("compare", seconds, status == 200, person["name"] in text(data, encoding))
        status, data, encoding, seconds = timed(browser, f"/api/portfolios/{pid}/performance?range=1Y")
        recorder.add("performance", seconds, status in (200, 202))
        time.sleep(rng.uniform(*think))
        status, data, encoding, seconds = timed(browser, f"/api/portfolios/{pid}/holdings")
        right = status == 200 and {h["ticker"] for h in body_json(data, encoding)["holdings"]} <= set(person["tickers"])
        recorder.add("holdings", seconds, status == 200, right)
        time.sleep(rng.uniform(*think))
        step += 1


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


def report_lines(recorder, phases, sampler, idle, master, args, seconds):
    lines = ["| phase | route | requests | p50 ms | p95 ms | p99 ms | max ms | errors | wrong |",
             "|---|---|---|---|---|---|---|---|---|"]
    for phase in phases:
        for route in ROUTES:
            values = recorder.times.get((phase, route), [])
            if values:
                lines.append(f"| {phase} | {route} | {len(values)} | {percentile(values, .5):.0f} | "
                             f"{percentile(values, .95):.0f} | {percentile(values, .99):.0f} | {max(values):.0f} | "
                             f"{recorder.errors[(phase, route)]} | {recorder.wrong[(phase, route)]} |")
    lines.append("")
    for phase in phases:
        drawn = recorder.drawn.get(phase, [])
        lines.append(f"- {phase}: {recorder.requests.get(phase, 0) / seconds[phase]:.1f} requests/s; dashboard to "
                     f"chart drawn p50 {percentile(drawn, .5):.0f} ms, p95 {percentile(drawn, .95):.0f} ms, "
                     f"max {max(drawn) if drawn else float('nan'):.0f} ms ({len(drawn)} charts)")
    workers = {pid: peak for pid, peak in sampler.peaks.items() if pid != master}
    lines.append(f"- peak PSS: master {sampler.peaks.get(master, 0):.0f} MB, workers "
                 f"{', '.join(f'{v:.0f}' for v in workers.values())} MB; total peak {sampler.total_peak:.0f} MB "
                 f"(target < 450 MB)")
    lines.append(f"- one idle worker before the load: {idle:.0f} MB PSS; the master "
                 f"{sampler.peaks.get(master, 0):.0f} MB")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60, help="length of each phase")
    parser.add_argument("--think", default="1,3", help="pause bounds between a person's actions, seconds")
    parser.add_argument("--preload", default=os.environ.get("GUNICORN_PRELOAD", "false"))
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL"), help="Redis for the cache, as on Heroku")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--refilled", action="store_true",
                        help="cold phase as the runner leaves it after a warm-up (stale charts computed ahead)")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the web processes (repeatable)")
    args = parser.parse_args()
    think = tuple(float(v) for v in args.think.split(","))
    preload = args.preload.lower() == "true"
    tmp = tempfile.mkdtemp(prefix="bench-load-")
    admin, name, url = create_database(args.database, "folio_load")
    proc = None
    try:
        if args.redis:
            import redis

            redis.Redis.from_url(args.redis).flushdb()
        people = seed(url, args.users, tmp, {"REDIS_URL": args.redis} if args.redis else {})
        prices_just_changed(url)
        forget_computed_data(url, tmp, args.redis, refill=args.refilled)
        port = free_port()
        proc = start_gunicorn(url, port, tmp, preload, args.redis, args.env)
        warmup = Browser(port)
        for _ in range(4):  # each worker's first requests pay for imports: that is boot, not load
            warmup.get("/healthz")
            Browser(port).get("/login")
        time.sleep(1)
        idle = max((pss_mb(pid) for pid in children(proc.pid)), default=0.0)
        sampler = MemorySampler(proc.pid)
        sampler.start()
        recorder = Recorder()
        ready = threading.Barrier(len(people) + 1)
        until = [float("inf")]
        threads = [threading.Thread(target=person_loop, args=(port, person, recorder, until, think,
                                                              random.Random(i), ready), daemon=True)
                   for i, person in enumerate(people)]
        for thread in threads:
            thread.start()
        ready.wait()  # everyone signed in: the cold phase starts for all at once
        generator_before = resource.getrusage(resource.RUSAGE_SELF)
        seconds = {}
        for phase in ("cold", "steady"):
            recorder.phase = phase
            began = time.monotonic()
            until[0] = began + args.seconds if phase == "steady" else float("inf")
            time.sleep(args.seconds)
            seconds[phase] = time.monotonic() - began
        until[0] = 0
        for thread in threads:
            thread.join(timeout=60)
        sampler.stop.set()
        sampler.join()
        cache = "Redis" if args.redis else "file cache"
        header = [f"# Load test, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                  "",
                  f"{args.users} people (+1 with 500 tickers and 2,000 trades), {args.seconds:.0f} s per phase, pauses "
                  f"{think[0]:g}-{think[1]:g} s; gunicorn `{Path('Procfile').name}` web, WEB_CONCURRENCY=2, gthread, "
                  f"preload_app={preload}, PostgreSQL, {cache}, demo prices, price runner on; cold phase: "
                  f"{'after the runner computed the stale charts ahead' if args.refilled else 'caches empty'}; "
                  f"{machine()}, Python {platform.python_version()}; "
                  f"the load generator runs on the same machine.",
                  ""]
        lines = header + report_lines(recorder, ("cold", "steady"), sampler, idle, proc.pid, args, seconds)
        used = resource.getrusage(resource.RUSAGE_SELF)
        generator = used.ru_utime + used.ru_stime - generator_before.ru_utime - generator_before.ru_stime
        lines.append(f"- the load generator itself used {generator:.0f} s of CPU over "
                     f"{sum(seconds.values()):.0f} s (on the same cores as the server)")
        if args.env:
            lines.append(f"- extra settings: {' '.join(args.env)}")
        print("\n".join(lines))
        Path(args.out).mkdir(parents=True, exist_ok=True)
        label = f"{'preload' if preload else 'no-preload'}{'-refilled' if args.refilled else ''}"
        out = Path(args.out) / f"load-{args.users}-users-{label}.md"
        out.write_text("\n".join(lines) + "\n")
        print(f"\nwritten to {out}")
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
