"""Imports: preview a file against a portfolio, commit it in one transaction, undo it, export a portfolio."""

import csv
import hashlib
import io
import logging
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from app.analytics.holdings import HoldingsError, compute_holdings
from app.extensions import db
from app.imports.checks import check_holdings, mark_duplicates
from app.imports.reader import decode, normalize_text, parse_text
from app.imports.rows import ImportFailed
from app.models import ImportBatch, Transaction, utcnow
from app.portfolios.service import lock_portfolio, to_trade, touch, trades_of, transactions_of

log = logging.getLogger(__name__)

EXPORT_COLUMNS = ("date", "type", "ticker", "quantity", "price", "fees", "currency", "note")
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Preview:
    """What an import of one file would do to one portfolio."""

    portfolio_id: int
    filename: str
    file_hash: str
    parsed: object
    previous: ImportBatch | None = None
    problem: str | None = None
    counts: Counter = field(default_factory=Counter)

    @property
    def format(self):
        """The format the file was read with."""
        return self.parsed.format

    @property
    def rows(self):
        """Every row of the file, in file order."""
        return self.parsed.rows

    @property
    def new_rows(self):
        """The rows a commit would add."""
        return [row for row in self.rows if row.status == "new"]

    @property
    def can_commit(self):
        """Whether confirming would add anything."""
        return not self.problem and self.counts["new"] > 0


def file_hash(text):
    """Return the SHA-256 of a file's normalized text (the same file in any encoding hashes the same)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_bytes(data):
    """Decode an uploaded file into normalized text; raise ImportFailed for what is not a CSV file."""
    return decode(data)


def read_pasted(text):
    """Normalize pasted text the way an uploaded file is."""
    return normalize_text(text or "")


def clean_filename(name):
    """Return a file name fit to show and store: no folders, no control characters, at most 255 characters."""
    base = normalize_text(name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:255] or "upload.csv"


def previous_import(portfolio_id, digest):
    """Return the committed import of this same file into this portfolio, if there is one."""
    query = select(ImportBatch).where(
        ImportBatch.portfolio_id == portfolio_id, ImportBatch.file_hash == digest, ImportBatch.status == "committed"
    )
    return db.session.scalars(query.order_by(ImportBatch.id.desc())).first()


def preview(portfolio, text, filename, format_name=None, today=None):
    """Parse `text` and check it against the portfolio; raise ImportFailed when the file cannot be read."""
    parsed = parse_text(
        text, format_name, currency=portfolio.base_currency or "USD", today=today,
        max_rows=current_app.config.get("IMPORT_MAX_ROWS", 20000),
    )
    digest = file_hash(text)
    result = Preview(portfolio_id=portfolio.id, filename=clean_filename(filename), file_hash=digest, parsed=parsed)
    existing = trades_of(portfolio.id)
    result.previous = previous_import(portfolio.id, digest)
    if result.previous is not None:
        for row in parsed.rows:
            row.duplicate = row.valid
    else:
        mark_duplicates(parsed.rows, existing)
    result.problem = check_holdings(parsed.rows, existing)
    result.counts = Counter(row.status for row in parsed.rows)
    return result


def commit(portfolio, text, filename, format_name=None, expected_hash=None, today=None):
    """Add the file's new rows to the portfolio in one database transaction; return the ImportBatch."""
    # Two confirmations at once (a double click) must not both add the rows: hold the portfolio row.
    lock_portfolio(portfolio.id)
    result = preview(portfolio, text, filename, format_name, today)
    if expected_hash and result.file_hash != expected_hash:
        raise ImportFailed("The file changed after the preview: upload it again and check the new preview.")
    if result.problem:
        raise ImportFailed(result.problem)
    new = result.new_rows
    if not new:
        raise ImportFailed("Nothing to import: every row is already in the portfolio, skipped, or has a problem.")
    try:
        batch = ImportBatch(
            portfolio_id=portfolio.id, filename=result.filename, file_hash=result.file_hash,
            format=result.format.name, row_count=len(result.rows), imported_count=len(new),
            skipped_count=len(result.rows) - len(new), status="committed",
        )
        db.session.add(batch)
        db.session.flush()
        now = utcnow()
        values = [
            {**row.fields(), "portfolio_id": portfolio.id, "import_batch_id": batch.id, "created_at": now}
            for row in new
        ]
        # Core's executemany: one statement for every row (the ORM's bulk insert splits on each None).
        db.session.execute(insert(Transaction.__table__), values)
        touch(portfolio.id)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.exception("import into portfolio %s failed", portfolio.id)
        raise ImportFailed("The import could not be saved, so nothing was imported. Try again.") from exc
    return batch


def batches_of(portfolio_id):
    """Return a portfolio's imports, newest first."""
    query = select(ImportBatch).where(ImportBatch.portfolio_id == portfolio_id)
    return list(db.session.scalars(query.order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())))


def undo(batch):
    """Remove the rows this import added, and nothing else; refuse when later sells need them."""
    lock_portfolio(batch.portfolio_id)  # one change to the holdings at a time, checked against what is stored
    db.session.refresh(batch)
    if batch.status != "committed":
        raise ImportFailed("This import was already undone.")
    remaining = [to_trade(t) for t in transactions_of(batch.portfolio_id) if t.import_batch_id != batch.id]
    try:
        compute_holdings(remaining)
    except HoldingsError as exc:
        raise ImportFailed(f"Not undone: without these rows, the rest does not add up. {exc}") from exc
    query = delete(Transaction).where(
        Transaction.import_batch_id == batch.id, Transaction.portfolio_id == batch.portfolio_id
    )
    removed = db.session.execute(query).rowcount
    batch.status = "undone"
    touch(batch.portfolio_id)
    db.session.commit()
    return removed


def _plain(value):
    """Write a Decimal without exponent or trailing zeros."""
    text = f"{value.normalize():f}" if value is not None else "0"
    return "0" if text in ("-0", "") else text


def neutralize(cell):
    """Keep a spreadsheet from running a cell as a formula: prefix `'` to one starting with = + - @."""
    return f"'{cell}" if cell.startswith(FORMULA_START) else cell


def export_csv(portfolio_id):
    """Return the portfolio's transactions in our own CSV format, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for t in reversed(transactions_of(portfolio_id)):
        cells = (t.trade_date.isoformat(), t.type, t.ticker, _plain(t.quantity), _plain(t.price), _plain(t.fees),
                 t.currency or "", t.note or "")
        writer.writerow([neutralize(cell) for cell in cells])
    return out.getvalue()
