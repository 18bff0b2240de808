"""Securities an import names only by ISIN: symbols already known are used; the others wait for the runner."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import Security


def use_known_symbols(rows):
    """Give each ISIN-only row the symbol an earlier resolution found for that ISIN (quoted in its currency)."""
    pending = {row.isin for row in rows if row.pending_isin}
    if not pending:
        return
    query = select(Security.isin, Security.ticker, Security.currency).where(
        Security.isin.in_(pending), Security.to_resolve.is_(False))
    known = {}
    for isin, ticker, currency in db.session.execute(query):
        known.setdefault(isin, []).append((ticker, currency))
    for row in rows:
        if row.pending_isin:
            ticker = next((t for t, currency in known.get(row.isin, ()) if currency in (None, row.currency)), None)
            if ticker is not None:
                row.ticker = ticker


def remember_pending(rows):
    """Record each ISIN the import stores as its own ticker, marked to resolve, with the file's hints."""
    wanted = {}
    for row in rows:
        if row.pending_isin and row.isin not in wanted:
            wanted[row.isin] = {"ticker": row.isin, "isin": row.isin, "to_resolve": True, "kind": "equity",
                                "name": row.security_name, "exchange": row.exchange, "currency": row.currency}
    if not wanted:
        return
    make = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = make(Security).values(list(wanted.values()))
    # Another portfolio may hold the same ISIN already: its row (and its hints) stay as they are.
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["ticker"]))
