"""Benchmark: time to first byte of the dashboard and the chart API under gunicorn, production settings, PostgreSQL.

    .venv/bin/python bench/dashboard.py [--requests 40] [--database postgres://postgres@127.0.0.1:5432/test]

Dashboards of 50 and 500 holdings with a cold price cache and Yahoo unreachable (every request to it
would fail at once); /api/chart-data with prices stored for 5 years and 3 benchmarks. Prints median
and p95, the ratio to a trivial route measured in the same run, and the compressed JSON size.
With REDIS_URL set (as on Heroku) the app caches in Redis; without it, in the file cache.
"""

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench.common import create_database, free_port  # noqa: E402

BENCHMARKS = "SPY,QQQ,VTI"


def seed(url, tmp):
    """Two portfolios (50 and 500 holdings, five years of buys); prices for the 50 and the benchmarks."""
    from app import create_app
    from app.extensions import db
    from app.models import Portfolio, Transaction, User
    from app.prices import get_price_service

    app = create_app({"PRICE_SOURCE": "demo", "SCHEDULER_ENABLED": False, "CACHE_TYPE": "SimpleCache"},
                     environ={"SECRET_KEY": "b" * 32, "DATABASE_URL": url, "CACHE_DIR": tmp})
    ids = {}
    with app.app_context():
        db.create_all()
        user = User(email="bench@example.com")
        user.set_password("bench-password")
        db.session.add(user)
        start = date.today() - timedelta(days=5 * 365)
        for size in (50, 500):
            portfolio = Portfolio(owner=user, name=f"{size} holdings", base_currency="USD", benchmarks=BENCHMARKS)
            db.session.add(portfolio)
            for i in range(size):
                for k in range(4):
                    db.session.add(Transaction(
                        portfolio=portfolio, ticker=f"B{size}{i:03d}", type="BUY", currency="USD",
                        trade_date=start + timedelta(days=30 + 400 * k + i % 20), quantity=Decimal(10),
                        price=Decimal(50 + i % 70), fees=Decimal(1)))
            db.session.flush()
            ids[size] = portfolio.id
        db.session.commit()
        tickers = [f"B50{i:03d}" for i in range(50)] + BENCHMARKS.split(",")
        get_price_service(app).warm(tickers, start=start)
    return ids


def start_gunicorn(url, port, tmp):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(DATABASE_URL=url, SECRET_KEY="b" * 32, PORT=str(port), WEB_CONCURRENCY="2",
               SCHEDULER_ENABLED="false", CACHE_DIR=tmp, YF_CACHE_DIR=f"{tmp}/yf", LOG_LEVEL="WARNING",
               HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", PRICE_TIMEOUT="2")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "wsgi:app", "--config", "gunicorn.conf.py",
                             "--access-logfile", "/dev/null"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(proc.stderr.read())


class Client:
    """A signed-in HTTP client that presents itself as behind Heroku's HTTPS router."""

    def __init__(self, port):
        self.port = port
        self.cookie = ""

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {"X-Forwarded-Proto": "https", "Cookie": self.cookie, **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()  # returns once the status line and headers are in: first byte
        ttfb = time.perf_counter() - started
        data = response.read()
        for value in response.msg.get_all("Set-Cookie") or []:
            self.cookie = value.split(";", 1)[0]
        conn.close()
        return response, data, ttfb

    def sign_in(self):
        _, page, _ = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
        form = urlencode({"csrf_token": token, "email": "bench@example.com", "password": "bench-password"})
        referer = {"Referer": f"https://127.0.0.1:{self.port}/login"}  # Flask-WTF checks it over HTTPS
        response, _, _ = self.request("POST", "/login", body=form, headers=referer)
        assert response.status == 302, response.status


def measure(client, path, count, headers=None):
    times, size, status = [], 0, None
    for _ in range(count):
        response, data, ttfb = client.request("GET", path, headers=headers)
        times.append(ttfb * 1000)
        size, status = len(data), response.status
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], size, status


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-dashboard-")
    admin, name, url = create_database(args.database, "folio_bench")
    proc = None
    try:
        ids = seed(url, tmp)
        port = free_port()
        proc = start_gunicorn(url, port, tmp)
        client = Client(port)
        client.sign_in()
        for path in ("/healthz", "/portfolios", f"/api/chart-data/{ids[50]}?range=1Y"):
            client.request("GET", path)  # each worker's first request pays for imports; not what we measure
            client.request("GET", path)
        # The ratios divide by the trivial route's faster p50 of two stretches, one before and one after the
        # rest: drift on a shared machine can then only make them look worse, never better.
        before = measure(client, "/healthz", args.requests)
        results = [("signed-in baseline /portfolios:  ", measure(client, "/portfolios", args.requests),
                    "(session, user, base template)")]
        for size in (50, 500):
            # The first request computes the dashboard from the database (the quotes are not in the cache).
            _, _, first = client.request("GET", f"/portfolios/{ids[size]}")
            results.append((f"dashboard, {size:>3} holdings, first request (computed, cold price cache):",
                            first * 1000, ""))
        for size in (50, 500):
            results.append((f"dashboard, {size:>3} holdings (steady):",
                            measure(client, f"/portfolios/{ids[size]}", args.requests), ""))
        path = f"/api/chart-data/{ids[50]}?range=5Y&benchmarks={BENCHMARKS}"
        chart = measure(client, path, args.requests, headers={"Accept-Encoding": "gzip"})
        results.append(("chart data, 50 holdings, 5Y, warm:", chart, f"gzip {chart[2] / 1024:.1f} KB"))
        after = measure(client, "/healthz", args.requests)
        trivial = min(before[0], after[0])
        cache = "Redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "the file cache (set REDIS_URL for Redis)"
        print(f"gunicorn, 2 gthread workers, production settings, PostgreSQL, {cache}; {args.requests} requests each")
        print(f"trivial route /healthz:           p50 {before[0]:6.1f} ms  p95 {before[1]:6.1f} ms  (before); "
              f"p50 {after[0]:.1f} ms  p95 {after[1]:.1f} ms (after)")
        for label, result, extra in results:
            if isinstance(result, float):
                print(f"{label} {result:6.1f} ms")
                continue
            p50, p95, _, status = result
            print(f"{label} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ratio to trivial {p50 / trivial:5.1f}x  "
                  f"status {status}  {extra}".rstrip())
        client.request("GET", "/healthz")
        response, data, ttfb = client.request("GET", f"/api/chart-data/{ids[50]}?range=MAX&benchmarks={BENCHMARKS}",
                                              headers={"Accept-Encoding": "gzip"})
        print(f"chart data, 50 holdings, MAX, first computation: {ttfb * 1000:.0f} ms, gzip {len(data) / 1024:.1f} KB")
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
