"""In a web request, a PostgreSQL connection that gives no answer within DB_ANSWER_TIMEOUT seconds is closed.

statement_timeout ends a slow statement on a server that works; nothing ends the wait of a client whose
server or network stalled (a dashboard request hung 40 s and more, until gunicorn or the router gave up).
psycopg has no client-side timeout for a query, so the connection class bounds its own waits; the
request then fails with OperationalError, which the error handlers answer with a 503 page.
"""

import contextvars
from time import monotonic

import psycopg
from sqlalchemy import event

from app.extensions import db

# Set for the length of a web request; None elsewhere (migrations, the CLI, the runner wait as long as needed).
answer_timeout = contextvars.ContextVar("db_answer_timeout", default=None)


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection whose every wait for the server ends after `answer_timeout` seconds, when set."""

    def wait(self, gen, *args, **kwargs):
        """Wait for the server as psycopg does, but close the connection when the answer is too long coming."""
        limit = answer_timeout.get()
        if limit is None or args or kwargs.get("timeout") is not None:
            return super().wait(gen, *args, **kwargs)
        started = monotonic()
        try:
            return super().wait(gen, timeout=limit, **kwargs)
        except psycopg.OperationalError:
            if monotonic() - started < limit:
                raise
            # Cut off half-way through the protocol, the connection cannot be used again: drop it.
            self.pgconn.finish()
            raise psycopg.OperationalError(f"the database gave no answer within {limit:g} s") from None


def connect(dialect, connection_record, cargs, cparams):
    """Open PostgreSQL connections as DeadlineConnection (SQLAlchemy's do_connect hook)."""
    return DeadlineConnection.connect(*cargs, **cparams)


def init_app(app):
    """Bound the database waits of every web request (PostgreSQL only; SQLite is a local file)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    event.listen(engine, "do_connect", connect)

    @app.before_request
    def start_deadline():
        answer_timeout.set(app.config["DB_ANSWER_TIMEOUT"] or None)

    @app.teardown_request
    def end_deadline(error=None):
        answer_timeout.set(None)
