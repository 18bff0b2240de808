"""The runner lease: of two processes one fetches; when it dies mid-fetch, the next takes the lease and the queue."""

import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.prices import get_price_service
from app.prices.market import warmup_due
from tests.conftest import make_portfolio, make_user

ROOT = Path(__file__).resolve().parent.parent


def worker(database_url, folder, mode):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.lock_worker", database_url, str(folder), mode],
                            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


@pytest.fixture
def shared_db(app, tmp_path):
    """The test's database with one held ticker and one ticker a page wants, at a URL another process can open."""
    make_portfolio(make_user(), trades=[(date(2025, 1, 2), "BUY", "AAPL", 1, 100)])
    get_price_service(app).want(["MSFT"], date(2025, 1, 2))
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.remove()
    return url


def test_of_two_processes_one_is_the_runner(shared_db, tmp_path):
    procs = [worker(shared_db, tmp_path, "race") for _ in range(2)]
    assert wait_for(lambda: len(list(tmp_path.glob("ready-*"))) == 2 or any(p.poll() is not None for p in procs))
    (tmp_path / "go").write_text(str(time.time() + 0.5))
    outputs = [p.communicate(timeout=90) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    assert sorted(out.strip().splitlines()[-1] for out, _ in outputs) == ["ran", "skipped"]
    assert len(list(tmp_path.glob("warming-*"))) == 1  # only the runner fetched


def test_a_runner_that_dies_mid_fetch_leaves_the_queue_to_the_next(app, shared_db, tmp_path):
    first = worker(shared_db, tmp_path, "die")
    assert wait_for(lambda: list(tmp_path.glob("warming-*")) or first.poll() is not None)
    assert first.poll() is None, first.communicate()[1]
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert set(get_price_service(app).wanted.peek()) == {"MSFT"}  # nothing was taken off the queue
    db.session.remove()
    second = worker(shared_db, tmp_path, "race-alone")
    out, err = second.communicate(timeout=90)
    assert second.returncode == 0, err
    assert out.strip().splitlines()[-1] == "ran"  # the lease went with the dead process
    assert get_price_service(app).wanted.peek() == {}
    assert get_price_service(app).missing_history(["MSFT"], date(2025, 1, 2)) == []


def test_warmup_schedule_follows_market_hours():
    open_tuesday = datetime(2026, 11, 17, 16, 0)
    assert warmup_due(open_tuesday, None)
    assert not warmup_due(open_tuesday, open_tuesday - timedelta(minutes=2))
    assert warmup_due(open_tuesday, open_tuesday - timedelta(minutes=6))
    evening = datetime(2026, 11, 17, 22, 0)
    assert warmup_due(evening, datetime(2026, 11, 17, 20, 58))  # not yet warmed since the close
    assert not warmup_due(evening, datetime(2026, 11, 17, 21, 5))  # warmed once after the close
    thanksgiving = datetime(2026, 11, 26, 15, 0)
    assert not warmup_due(thanksgiving, thanksgiving - timedelta(hours=2))
    assert warmup_due(thanksgiving, thanksgiving - timedelta(hours=7))
