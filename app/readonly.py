"""Pages that only read: their queries run without a transaction.

A signed-in page costs four round trips to PostgreSQL: the pool's ping, BEGIN, the query, ROLLBACK.
A page that writes nothing needs no BEGIN and no ROLLBACK: under autocommit each statement sees what
was committed before it started, which is what READ COMMITTED (PostgreSQL's default) gives each
statement inside a transaction too. Writes keep their transactions: only GET and HEAD requests to a
view marked `@reads_only` run this way, and the connection goes back to the pool reset.
"""

from flask import current_app, request

from app.extensions import db


def reads_only(view):
    """Mark a view that never writes to the database."""
    view.reads_only = True
    return view


def autocommit_for_read_only_pages():
    """`before_request`: check out this request's connection in autocommit when its view only reads."""
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return
    if getattr(current_app.view_functions.get(request.endpoint), "reads_only", False) \
            and not db.session().in_transaction():  # a session already at work keeps its transaction
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
