"""The clock process (`flask prices schedule`): SIGTERM mid-warm-up lets the lease go, and the cycle is not done."""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from app.extensions import db
from app.jobs import RunnerLease
from app.prices import get_price_service
from tests.conftest import make_portfolio, make_user

ROOT = Path(__file__).resolve().parent.parent


def read_until(stream, pattern, seconds):
    """Lines of `stream` up to one matching `pattern` (or until `seconds` pass)."""
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if re.search(pattern, line):
            return seen, True
    return seen, False


def test_sigterm_mid_warm_up_releases_the_lease_and_leaves_the_cycle_undone(app, app_factory, tmp_path):
    make_portfolio(make_user(), trades=[(date(2025, 1, 2), "BUY", f"T{i:02d}", 1, 100) for i in range(30)])
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.remove()
    clock = [part for part in re.search(r"^clock:\s*(.+)$", (ROOT / "Procfile").read_text(), re.M).group(1).split()]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS_URL"))}
    env.update(DATABASE_URL=url, SECRET_KEY="c" * 32, CACHE_DIR=str(tmp_path / "cache"), PRICE_SOURCE="yahoo",
               # Yahoo is a closed port here, and one request every 10 s keeps the warm-up going for minutes.
               HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", PRICE_MAX_REQUESTS_PER_MINUTE="6",
               PRICE_TIMEOUT="2", YF_CACHE_DIR=str(tmp_path / "yf"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([str(Path(sys.executable).parent / clock[0]), *clock[1:]], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen_by_clock = app_factory(CACHE_TYPE="FileSystemCache", CACHE_DIR=str(tmp_path / "cache"))
    try:
        seen, ok = read_until(proc.stdout, r"is the price runner", 60)
        assert ok, "".join(seen)
        with seen_by_clock.app_context():
            stats = get_price_service(seen_by_clock).stats
            deadline = time.monotonic() + 30
            while stats.get("runner") is None and time.monotonic() < deadline:  # its cycle has begun
                time.sleep(0.05)
            assert stats.get("runner") is not None
        other = RunnerLease(app)
        assert other.acquire() is False  # the clock holds it while it warms
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        stopped_in = time.monotonic() - began
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert stopped_in < 5, f"took {stopped_in:.1f} s to stop"
    assert other.acquire() is True  # the lease went with the signal, not 15 minutes later
    other.release()
    with seen_by_clock.app_context():
        assert stats.get("last_scheduled_warm") is None  # the cycle did not finish: it is not counted as done
