"""Check a pooled PostgreSQL connection before a request uses it, without a round trip on every request.

SQLAlchemy's `pool_pre_ping` sends a query on every checkout: on a page that needs one query it cost
about a quarter of the request. Here a connection is checked in two ways instead:

- For free, on every checkout: the server only writes to an idle connection to say goodbye (a restart,
  a failover, `pg_terminate_backend`, an idle timeout). If the socket has anything to read, or is
  closed, the connection is dropped and the pool connects again before the request sees it.
- With a ping, when the connection has been idle for `DB_PING_AFTER_IDLE` seconds (default 30): a
  connection that a network device dropped silently, with no word to our side, shows only then.

A connection that dies in the seconds between two uses without a word (a cable, not a server) fails
the request that finds it; SQLAlchemy then recycles the whole pool, so the requests after it connect
afresh. SQLite opens a file: it has nothing to check.
"""

import logging
import select
import time

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

log = logging.getLogger(__name__)
PING_AFTER_IDLE = 30.0
CHECKED_IN_AT = "folio_checked_in_at"


def install(engine, ping_after_idle=PING_AFTER_IDLE):
    """Check the engine's connections on checkout (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return
    dialect = engine.dialect

    def remember_checkin(dbapi_connection, record):
        record.info[CHECKED_IN_AT] = time.monotonic()

    def check_on_checkout(dbapi_connection, record, proxy):
        checked_in_at = record.info.get(CHECKED_IN_AT)
        if checked_in_at is None:  # connected for this checkout
            return
        if server_said_goodbye(dbapi_connection, dialect.loaded_dbapi.Error):
            log.info("dropping a pooled database connection the server has closed")
            raise DisconnectionError("the server closed this connection")
        if time.monotonic() - checked_in_at >= ping_after_idle:
            try:
                dialect.do_ping(dbapi_connection)
            except dialect.loaded_dbapi.Error as exc:
                log.info("dropping a pooled database connection that did not answer a ping: %s", exc)
                raise DisconnectionError(str(exc)) from exc

    event.listen(engine, "checkin", remember_checkin)
    event.listen(engine, "checkout", check_on_checkout)


def server_said_goodbye(dbapi_connection, driver_error=OSError):
    """True when an idle connection's socket is closed or has something to read (it never should)."""
    try:
        return socket_has_news(dbapi_connection.fileno())
    except (OSError, ValueError, driver_error):  # psycopg: fileno() of a closed connection raises
        return True


def socket_has_news(descriptor):
    """Whether a socket can be read (data, end of stream or an error) right now, without waiting."""
    if hasattr(select, "poll"):  # no FD_SETSIZE limit, unlike select()
        poller = select.poll()
        poller.register(descriptor, select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    readable, _, _ = select.select([descriptor], [], [], 0)
    return bool(readable)
