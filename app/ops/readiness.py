"""/readyz: can this process serve pages? The database answers, and Redis when one is configured."""

import logging

from sqlalchemy import text

from app.db_deadline import answer_timeout
from app.extensions import db
from app.prices.wanted import redis_client

log = logging.getLogger(__name__)

READY_TIMEOUT = 2.0  # seconds for the database's answer (a connection has the 5 s connect timeout of every one)
NOT_ANSWERING = "not answering"


def check_database():
    """None when the database answers SELECT 1 in time, else what went wrong."""
    token = answer_timeout.set(READY_TIMEOUT)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return exc
    finally:
        answer_timeout.reset(token)


def check_redis(url):
    """None when Redis answers PING (its client has half-second timeouts), else what went wrong."""
    try:
        redis_client(url).ping()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return exc


def readiness(app):
    """{part: "ok" | "not answering"} for the database and, when REDIS_URL is set, Redis; failures are logged."""
    found = {"database": check_database()}
    if app.config.get("REDIS_URL"):
        found["redis"] = check_redis(app.config["REDIS_URL"])
    for part, error in found.items():
        if error is not None:
            # The reason goes to the log only: the answer is public and must not show hosts or ports.
            log.warning("not ready: %s %s (%s)", part, NOT_ANSWERING, str(error).splitlines()[0] if str(error) else
                        type(error).__name__)
    return {part: "ok" if error is None else NOT_ANSWERING for part, error in found.items()}
