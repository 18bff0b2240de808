"""Two schedulers in two processes fire at once: one warm-up runs."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.jobs import warmup_due
from tests.conftest import make_portfolio, make_user
from tests.parts import redis_url

ROOT = Path(__file__).resolve().parent.parent


def race(database_url, redis, tmp_path):
    marker, go = tmp_path / "runs.txt", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.lock_worker", database_url, redis or "-", str(go),
                               str(marker)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("go.ready-*"))) < 2 and time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.02)
    go.write_text(str(time.time() + 0.5))  # both schedulers fire at this same moment
    outputs = [p.communicate(timeout=60) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    results = sorted(out.strip().splitlines()[-1] for out, _ in outputs)
    return results, marker.read_text().splitlines() if marker.exists() else []


@pytest.fixture
def shared_db(app, database_url, tmp_path):
    """The test's database with one held ticker, at a URL a second process can open."""
    make_portfolio(make_user(), trades=[(__import__("datetime").date(2025, 1, 2), "BUY", "AAPL", 1, 100)])
    from app.extensions import db

    return db.engine.url.render_as_string(hide_password=False)


def test_one_warmup_runs_across_two_processes(shared_db, tmp_path):
    results, runs = race(shared_db, None, tmp_path)
    assert results == ["ran", "skipped"]
    assert len(runs) == 1


@pytest.mark.redis
def test_one_warmup_runs_with_the_redis_lock(shared_db, tmp_path):
    results, runs = race(shared_db, redis_url(), tmp_path)
    assert results == ["ran", "skipped"]
    assert len(runs) == 1


def test_warmup_schedule_follows_market_hours():
    from datetime import datetime, timedelta

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
