"""Imports: preview a file against a portfolio (kept on the server), commit it in one transaction, undo it."""

import hashlib
import json
import logging
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.analytics.holdings import HoldingsError, compute_holdings
from app.extensions import db
from app.imports import mapping as mappings
from app.imports.checks import check_holdings, mark_duplicates
from app.imports.detect import NeedsMapping, sniff_header
from app.imports.formats.base import fold
from app.imports.formats.mapped import MappedFormat
from app.imports.reader import body_lines, decode, normalize_text, parse_text
from app.imports.rows import ImportFailed
from app.imports.securities import remember_pending, use_known_symbols
from app.models import ImportBatch, Transaction, utcnow
from app.portfolios.service import lock_portfolio, to_trade, touch, trades_of, transactions_of

log = logging.getLogger(__name__)

# A preview nobody confirmed is dropped after this long.
PREVIEW_LIFETIME = timedelta(days=1)


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
    batch: ImportBatch | None = None

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

    @property
    def left_out(self):
        """How many rows are left out for each reason, most first."""
        return Counter(row.reason for row in self.rows if row.status != "new").most_common()

    @property
    def pending_isins(self):
        """The ISINs that will be stored until the price runner finds their symbols."""
        return sorted({row.isin for row in self.new_rows if row.pending_isin})


class MappingNeeded(NeedsMapping):  # noqa: N818 - a signal, like its parent
    """No format is sure of an uploaded file; it is kept as `batch` for the mapping step."""

    def __init__(self, need, batch):
        super().__init__(need.message, need.header)
        self.batch = batch


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


def check(portfolio, text, filename, format_name=None, mapping=None, today=None):
    """Parse `text` and check it against the portfolio; raise NeedsMapping or ImportFailed when it cannot be read."""
    parsed = parse_text(
        text, format_name, mapping=mapping, currency=portfolio.base_currency or "USD", today=today,
        max_rows=current_app.config.get("IMPORT_MAX_ROWS", 20000),
    )
    digest = file_hash(text)
    result = Preview(portfolio_id=portfolio.id, filename=clean_filename(filename), file_hash=digest, parsed=parsed)
    use_known_symbols(parsed.rows)
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


def preview(portfolio, text, filename, format_name=None, today=None):
    """Check an uploaded file and keep it on the server for its confirmation; raise MappingNeeded (with the
    kept file) when no format is sure of it."""
    try:
        result = check(portfolio, text, filename, format_name, today=today)
    except NeedsMapping as need:
        raise MappingNeeded(need, stage(portfolio, text, filename)) from None
    if result.can_commit:
        result.batch = stage(portfolio, text, result.filename, result.format.name)
    return result


def preview_batch(portfolio, batch, today=None):
    """Check a file kept on the server again, the way it was read before (format or column mapping)."""
    if batch.status != "preview":
        raise ImportFailed("This file was already imported." if batch.status == "committed" else
                           "This preview is no longer there: upload the file again.")
    mapping = json.loads(batch.mapping) if batch.mapping else None
    result = check(portfolio, content_of(batch), batch.filename, None if mapping else batch.format or None,
                   mapping=mapping, today=today)
    result.batch = batch
    return result


def preview_mapped(portfolio, batch, mapping, user_id, today=None):
    """Check a kept file under the column mapping its owner chose; remember the mapping for that header."""
    result = check(portfolio, content_of(batch), batch.filename, mapping=mapping, today=today)
    batch.format, batch.mapping = "mapped", json.dumps(mapping)
    mappings.save(user_id, mapping)
    db.session.commit()
    result.batch = batch
    return result


@dataclass
class MappingStep:
    """What the mapping step shows: the header, a few values of each column, the type values, a mapping."""

    header: object
    samples: list
    values: list
    mapping: dict
    saved_at: object = None
    type_column: int | None = None


def mapping_step(batch, user_id, type_column=None):
    """Return the mapping step for a kept file: its own mapping, else the user's saved one, else a guess.

    `type_column` (the column the person just chose for the types) decides which type values are listed.
    """
    text = content_of(batch)
    lines = text.split("\n")
    mapping = json.loads(batch.mapping) if batch.mapping else None
    header = MappedFormat(mapping).find(lines) if mapping else sniff_header(lines)
    data = body_lines(text, header, current_app.config.get("IMPORT_MAX_ROWS", 20000))
    saved_at = None
    if mapping is None:
        mapping, saved_at = mappings.saved(user_id, header.names)
        mapping = mapping or mappings.guess(header, data)
    index = mapping["columns"].get("type") if type_column is None else type_column
    values = mappings.type_values(data, index)
    mapping["columns"]["type"] = index
    for value in values:  # a value the mapping has not seen yet gets a guess, to be checked by the person
        mapping["types"].setdefault(fold(value), mappings.guess_meaning(value) or "")
    return MappingStep(header=header, samples=mappings.samples(header, data), values=values, mapping=mapping,
                       saved_at=saved_at, type_column=index)


@dataclass
class MappingOutcome:
    """What a mapping gave: problems with the mapping itself, the first rows read with it, or the preview."""

    problems: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    preview: Preview | None = None


def apply_mapping(portfolio, batch, mapping, user_id, keep=True, first=10):
    """Read a kept file with a mapping: its first rows to look at, or (`keep`) the preview, remembering the mapping."""
    problems = mappings.check_mapping(mapping)
    if problems:
        return MappingOutcome(problems=problems)
    if keep:
        return MappingOutcome(preview=preview_mapped(portfolio, batch, mapping, user_id))
    tried = check(portfolio, content_of(batch), batch.filename, mapping=mapping)
    return MappingOutcome(rows=tried.rows[:first])


def stage(portfolio, text, filename, format_name=""):
    """Keep a file on the server as a preview of an import into this portfolio; drop stale previews."""
    db.session.execute(delete(ImportBatch).where(ImportBatch.status == "preview",
                                                 ImportBatch.created_at < utcnow() - PREVIEW_LIFETIME))
    batch = ImportBatch(portfolio_id=portfolio.id, filename=clean_filename(filename), file_hash=file_hash(text),
                        format=format_name or "", status="preview", content=zlib.compress(text.encode("utf-8"), 1))
    db.session.add(batch)
    db.session.commit()
    return batch


def content_of(batch):
    """Return the text of a file kept for its preview."""
    if batch.content is None:
        raise ImportFailed("This preview is no longer there: upload the file again.")
    return zlib.decompress(batch.content).decode("utf-8")


def commit(portfolio, batch, today=None, expected_hash=None):
    """Add the kept file's new rows to the portfolio in one database transaction; return the ImportBatch."""
    # Two confirmations at once (a double click) must not both add the rows: only one moves the batch on.
    lock_portfolio(portfolio.id)
    claimed = db.session.execute(update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "preview")
                                 .values(status="importing")).rowcount
    db.session.refresh(batch)
    if claimed and expected_hash and batch.file_hash != expected_hash:
        db.session.rollback()
        raise ImportFailed("This is not the file that was previewed: upload it again.")
    if not claimed:
        db.session.rollback()
        raise ImportFailed("This file was already imported." if batch.status in ("committed", "importing") else
                           "This preview is no longer there: upload the file again.")
    mapping = json.loads(batch.mapping) if batch.mapping else None
    try:
        result = check(portfolio, content_of(batch), batch.filename, None if mapping else batch.format or None,
                       mapping=mapping, today=today)
    except (ImportFailed, NeedsMapping) as exc:
        db.session.rollback()
        raise ImportFailed(str(exc)) from exc
    if result.problem:
        db.session.rollback()
        raise ImportFailed(result.problem)
    new = result.new_rows
    if not new:
        db.session.rollback()
        raise ImportFailed("Nothing to import: every row is already in the portfolio, skipped, or has a problem.")
    try:
        now = utcnow()
        batch.row_count, batch.imported_count = len(result.rows), len(new)
        batch.skipped_count = len(result.rows) - len(new)
        batch.status, batch.content, batch.created_at = "committed", None, now
        values = [
            {**row.fields(), "portfolio_id": portfolio.id, "import_batch_id": batch.id, "created_at": now}
            for row in new
        ]
        remember_pending(new)
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
    """Return a portfolio's imports, newest first (previews waiting for a confirmation are not imports)."""
    query = select(ImportBatch).where(ImportBatch.portfolio_id == portfolio_id, ImportBatch.status != "preview")
    return list(db.session.scalars(query.order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())))


def undo(batch):
    """Remove the rows this import added, and nothing else; refuse when later sells need them."""
    lock_portfolio(batch.portfolio_id)  # one change to the holdings at a time, checked against what is stored
    db.session.refresh(batch)
    if batch.status != "committed":
        raise ImportFailed("This import was already undone." if batch.status == "undone" else
                           "This file was never imported.")
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
