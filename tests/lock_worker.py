"""One process of the runner-lease tests: a Runner that beats once, at a given moment.

Usage: python -m tests.lock_worker DATABASE_URL FOLDER MODE
MODE race: say ready (FOLDER/ready-PID), wait for FOLDER/go (which holds the moment), beat once; the
process that became the runner waits inside its warm-up until the other has beaten, then finishes.
MODE die: beat at once, and hang inside the fetch of the wanted tickers (the test kills the process).
MODE race-alone: beat at once.
The last line printed is "ran" or "skipped".
"""

import os
import sys
import time
from pathlib import Path

from app import create_app
from app.jobs import Runner
from app.prices import get_price_service

WAIT = 30  # seconds before giving up on the other process


def wait_for(condition):
    deadline = time.time() + WAIT
    while not condition() and time.time() < deadline:
        time.sleep(0.02)


def main():
    database_url, folder, mode = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    config = {"TESTING": True, "SCHEDULER_ENABLED": False, "PRICE_SOURCE": "demo", "CACHE_TYPE": "FileSystemCache",
              "CACHE_DIR": str(folder / "cache"), "REDIS_URL": None}
    app = create_app(config, environ={"SECRET_KEY": "lease-test", "DATABASE_URL": database_url})
    with app.app_context():
        service = get_price_service(app)
    real_warm = service.warm

    def watched_warm(tickers, **kwargs):
        (folder / f"warming-{os.getpid()}").touch()
        if mode == "die":
            time.sleep(3600)  # killed here, mid-fetch
        if mode == "race":
            wait_for(lambda: list(folder.glob("skipped-*")))  # hold the lease until the other process has tried
        return real_warm(tickers, **kwargs)

    service.warm = watched_warm
    runner = Runner(app)
    if mode == "race":
        (folder / f"ready-{os.getpid()}").touch()
        wait_for(lambda: (folder / "go").exists())
        fire_at = float((folder / "go").read_text())
        time.sleep(max(0.0, fire_at - time.time()))  # both processes beat at this same moment
    report = runner.tick()
    if report is None:
        (folder / f"skipped-{os.getpid()}").touch()
    print("ran" if report is not None else "skipped", flush=True)


if __name__ == "__main__":
    main()
