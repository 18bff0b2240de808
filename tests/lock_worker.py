"""One process of the lock test: a scheduler that fires a warm-up at a given moment.

Usage: python -m tests.lock_worker DATABASE_URL REDIS_URL|- GO_FILE MARKER_FILE
The process says it is ready (GO_FILE.ready-PID), waits for GO_FILE, which holds the moment to fire.
The warm-up itself is slowed down so that the two processes' runs would overlap without the lock.
"""

import os
import sys
import time
from datetime import datetime
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from app import create_app
from app.jobs import run_warmup
from app.prices import get_price_service


def main():
    database_url, redis_url, go_file, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    config = {"TESTING": True, "SCHEDULER_ENABLED": False, "PRICE_SOURCE": "demo", "CACHE_TYPE": "NullCache",
              "REDIS_URL": None if redis_url == "-" else redis_url}
    app = create_app(config, environ={"SECRET_KEY": "k" * 32, "DATABASE_URL": database_url})
    with app.app_context():
        service = get_price_service(app)
    real_warm = service.warm

    def slow_warm(tickers, **kwargs):
        with open(marker, "a") as out:
            out.write(f"started {time.time()}\n")
        time.sleep(1.5)  # hold the lock long enough that the other process certainly tries meanwhile
        return real_warm(tickers, **kwargs)

    service.warm = slow_warm
    Path(f"{go_file}.ready-{os.getpid()}").touch()
    deadline = time.time() + 30
    while not go_file.exists() and time.time() < deadline:
        time.sleep(0.02)
    fire_at = float(go_file.read_text())
    outcome = {}
    scheduler = BackgroundScheduler(job_defaults={"misfire_grace_time": 30})
    scheduler.add_job(lambda: outcome.setdefault("report", run_warmup(app, force=True)), "date",
                      run_date=datetime.fromtimestamp(fire_at))
    scheduler.start()
    deadline = time.time() + 30
    while "report" not in outcome and time.time() < deadline:
        time.sleep(0.05)
    scheduler.shutdown()
    print("ran" if outcome.get("report") is not None else "skipped")


if __name__ == "__main__":
    main()
