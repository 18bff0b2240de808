"""Operations figures: what the request meter costs a request, and how long the dashboard takes over a full week.

    .venv/bin/python bench/ops.py [--database postgres://postgres@127.0.0.1:5432/test]

A week of history as two web workers and the runner write it (30,240 samples), then the time of the
headline's summary (15 minutes), of the charts' JSON for 1 h, 24 h and 7 d, and of /metrics' text.
"""

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import database_url as normalise  # noqa: E402


def time_it(func, repeat=5):
    """The best of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - began)
    return best


def meter_cost():
    """Microseconds a request spends in RequestMeter.add (a family and a route)."""
    from app.ops.web_meter import RequestMeter

    meter = RequestMeter()
    count = 200_000
    seconds = time_it(lambda: [meter.add("html", "portfolios.show", 0.05 + (i % 100) / 1000) for i in range(count)], 3)
    return seconds / count * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None, help="PostgreSQL to run on (default: a SQLite file)")
    args = parser.parse_args()
    print(f"request meter: {meter_cost():.2f} µs per request")

    from app import create_app
    from app.extensions import db
    from app.models import MetricSample, utcnow
    from app.ops import history
    from app.ops.series import history_series
    from app.ops.summary import summarize
    from tests.ops_samples import runner, web

    tmp = tempfile.mkdtemp(prefix="bench-ops-")
    admin = name = None
    url = f"sqlite:///{tmp}/ops.sqlite3"
    if args.database:
        name = f"folio_ops_{uuid.uuid4().hex[:8]}"
        admin = sqlalchemy.create_engine(normalise(args.database), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(normalise(args.database)).set(database=name).render_as_string(hide_password=False)
    app = create_app({"TESTING": True, "CACHE_TYPE": "SimpleCache"}, environ={"SECRET_KEY": "x" * 40,
                                                                              "DATABASE_URL": url})
    try:
        with app.app_context():
            db.create_all()
            rng, now = random.Random(1), utcnow()
            began = time.perf_counter()
            rows = []
            history.write_sample = lambda kind, process, data, at=None: rows.append(
                {"kind": kind, "process": process, "data": json.dumps(data), "at": at})
            for minute in range(7 * 24 * 60):
                at = now - timedelta(minutes=minute, seconds=20)
                web(at, n=rng.randint(100, 900), ms=rng.uniform(40, 400), pid=1, master=(9, 45.0))
                web(at, n=rng.randint(10, 200), ms=rng.uniform(100, 900), family="chart_api",
                    endpoint="api.chart_data", pid=2)
                runner(at, hits=rng.randint(500, 900), misses=rng.randint(0, 90), pid=1)
            db.session.execute(sqlalchemy.insert(MetricSample), rows)
            db.session.commit()
            print(f"wrote {len(rows):,} samples in {time.perf_counter() - began:.0f} s "
                  f"({'PostgreSQL' if args.database else 'SQLite'})")
            print(f"headline summary (15 min): {time_it(lambda: summarize(app.config, now, 15)) * 1000:.0f} ms")
            for code in ("1h", "24h", "7d"):
                seconds = time_it(lambda code=code: history_series(app.config, code, now), 3)
                print(f"charts' JSON {code:>3}: {seconds * 1000:.0f} ms")
            client = app.test_client()
            app.config["METRICS_TOKEN"] = "bench"
            seconds = time_it(lambda: client.get("/metrics", headers={"Authorization": "Bearer bench"}))
            print(f"/metrics: {seconds * 1000:.0f} ms")
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
