"""Pages that only read: their queries run without a transaction.

A signed-in page cost four round trips to PostgreSQL: the pool's ping, BEGIN, the query, ROLLBACK.
A page that writes nothing needs no BEGIN and no ROLLBACK: under autocommit each statement sees what
was committed before it started, which is what READ COMMITTED (PostgreSQL's default) gives each
statement inside a transaction too. Writes keep their transactions:

- only GET and HEAD requests to a view marked `@reads_only` run this way;
- a write sent on such a connection (INSERT, UPDATE, DELETE) raises instead of committing half a
  change, so a view that starts writing one day fails loudly in its tests;
- the session lets the connection go when the request ends, and the pool resets it.
"""

from flask import current_app, g, request
from sqlalchemy import event

from app.extensions import db

READS_ONLY = "folio_reads_only"  # an execution option of the request's connection
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")


class WriteOnReadOnlyPage(RuntimeError):
    """A `@reads_only` view tried to write."""


def reads_only(view):
    """Mark a view that never writes to the database."""
    view.reads_only = True
    return view


def init_app(app):
    """Run marked views' queries in autocommit; refuse writes on their connection."""
    app.before_request(autocommit_for_read_only_pages)
    app.teardown_request(release_read_only_connection)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", refuse_writes)


def autocommit_for_read_only_pages():
    """`before_request`: check out this request's connection in autocommit when its view only reads."""
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return
    if getattr(current_app.view_functions.get(request.endpoint), "reads_only", False) \
            and not db.session().in_transaction():  # a session already at work keeps its transaction
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT", READS_ONLY: True})
        g.read_only_connection = True


def release_read_only_connection(exc=None):
    """`teardown_request`: give the autocommit connection back, even where the session outlives the request."""
    if g.pop("read_only_connection", False):
        db.session.rollback()  # nothing to undo: it ends the session's hold on the connection


def refuse_writes(conn, cursor, statement, parameters, context, executemany):
    """`before_cursor_execute`: a write on a read-only page's connection raises before it is sent."""
    if conn.get_execution_options().get(READS_ONLY) and statement.lstrip()[:6].upper().startswith(WRITES):
        raise WriteOnReadOnlyPage(f"a @reads_only view tried to write: {statement[:80]}")
