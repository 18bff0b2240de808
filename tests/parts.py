"""Where the real parts are (PostgreSQL, Redis, Chromium), and what to do when one is missing."""

import os
import shutil

import pytest

from config import database_url

IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(part, why):
    """Fail in CI, skip elsewhere: in CI a missing part is a broken build, not a pass."""
    message = f"{part} is not available: {why}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def postgres_url():
    """Return the PostgreSQL URL from DATABASE_URL (psycopg form), failing or skipping when it is unreachable."""
    raw = os.environ.get("DATABASE_URL", "")
    if not raw.startswith(("postgres://", "postgresql")):
        missing("PostgreSQL", "DATABASE_URL does not point at PostgreSQL")
    url = database_url(raw)
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - any failure to connect means the part is missing
        missing("PostgreSQL", str(exc).splitlines()[0])
    finally:
        engine.dispose()
    return url


def redis_url():
    """Return a Redis URL for tests (database 15 by default), failing or skipping when unreachable.

    Under pytest-xdist each worker takes its own database below that one (gw0: 15, gw1: 14, ...), so
    workers running side by side never see each other's queue or counters.
    """
    url = os.environ.get("REDIS_URL_TEST", "redis://127.0.0.1:6379/15")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    if worker.startswith("gw") and worker[2:].isdigit() and int(worker[2:]):
        base, _, number = url.rpartition("/")
        url = f"{base}/{int(number) - int(worker[2:])}"
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        missing("Redis", str(exc))
    return url


CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]


def chromium_path():
    """Return Debian's Chromium, failing or skipping when it is not installed."""
    path = "/usr/bin/chromium"
    if not shutil.which(path):
        missing("Chromium", "install it with apt-get install chromium")
    return path
