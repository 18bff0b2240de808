"""The one shape every parser returns: normalized rows, each with the problems of the line it came from."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.imports.values import LIMIT, PLACES, ValueProblem, clean, parse_date, parse_number
from app.models import TRANSACTION_TYPES
from app.prices.tickers import TickerError, is_isin, normalize_ticker

ZERO = Decimal(0)
CURRENCY = re.compile(r"^[A-Z]{3}$")
# Our export writes `'=…` so that a spreadsheet shows text instead of running a formula; undo that here.
NEUTRALIZED = re.compile(r"^'(?=[=+\-@\t\r])")
PRICED = ("BUY", "SELL", "DIVIDEND")
NOTE_LENGTH = 500


class ImportFailed(ValueError):
    """A file, or an import of it, that cannot go ahead, with a message for the person."""


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (or the whole line when `column` is empty)."""

    column: str
    message: str

    def __str__(self):
        return f"{self.column}: {self.message}" if self.column else self.message


@dataclass(slots=True)
class Row:
    """One line of a file, normalized into a transaction, or the reason it is not one."""

    line: int
    trade_date: date | None = None
    type: str | None = None
    ticker: str | None = None
    quantity: Decimal | None = None
    price: Decimal = ZERO
    fees: Decimal = ZERO
    currency: str = "USD"
    note: str | None = None
    problems: list = field(default_factory=list)
    skipped: str | None = None
    # What kind of line a skipped one is (deposit, interest, total line…): the left-out rows are counted by it.
    skip_kind: str | None = None
    duplicate: bool = False
    # Set when the file names the security only by its ISIN: `ticker` is the ISIN until it is resolved.
    isin: str | None = None
    security_name: str | None = None
    # A format's own mark for lines it pairs up once all are read (a split's old and new shares).
    role: str | None = None
    # A position held on its date (a line of a snapshot), not a trade: only a ticker's latest date counts.
    snapshot: bool = False
    # The listing the file names (a Yahoo suffix such as ".AS", or "US"): a hint for resolving the ISIN.
    exchange: str | None = None
    # Some brokers give a split as the shares it added; the ratio is worked out from what was held.
    split_added: Decimal | None = None
    quantity_column: str = "quantity"
    id = None  # not saved yet: lets to_trade() read a Row like a Transaction

    @property
    def status(self):
        """Return 'skipped', 'problem', 'duplicate' or 'new'."""
        if self.skipped:
            return "skipped"
        if self.problems:
            return "problem"
        return "duplicate" if self.duplicate else "new"

    @property
    def pending_isin(self):
        """Whether this row's security is known only by its ISIN."""
        return self.isin is not None and self.ticker == self.isin

    @property
    def reason(self):
        """Why the row is not added, in a few words (None for a new row): what the left-out rows are counted by."""
        if self.skipped:
            return self.skip_kind or self.skipped
        if self.problems:
            return "with a problem"
        return "already in the portfolio" if self.duplicate else None

    @property
    def valid(self):
        """Whether this line is a transaction with no problems (new or already present)."""
        return not self.skipped and not self.problems

    def fields(self):
        """Return the values a Transaction is made from."""
        return {
            "trade_date": self.trade_date,
            "type": self.type,
            "ticker": self.ticker,
            "quantity": self.quantity,
            "price": self.price,
            "fees": self.fees,
            "currency": self.currency,
            "note": self.note,
        }


@dataclass(frozen=True)
class Context:
    """What a parser needs to know about the whole file: its decimal mark, date order, default currency, today."""

    mark: str = "."
    order: str = "mdy"
    currency: str = "USD"
    today: date | None = None


class Record:
    """The cells of one line, looked up by canonical column name."""

    __slots__ = ("line", "cells", "columns")

    def __init__(self, line, cells, columns):
        self.line = line
        self.cells = cells
        self.columns = columns

    def has(self, key):
        """Whether the file has this column."""
        return key in self.columns

    def get(self, key):
        """Return the cell's text, stripped ('' when the column or the cell is missing)."""
        spot = self.columns.get(key)
        if spot is None or spot[0] >= len(self.cells):
            return ""
        text = self.cells[spot[0]].strip()
        return NEUTRALIZED.sub("", text) if text.startswith("'") else text

    def beside(self, key, offset=1):
        """Return the cell `offset` places right of column `key` (DEGIRO writes currencies in unnamed columns)."""
        spot = self.columns.get(key)
        if spot is None or not 0 <= spot[0] + offset < len(self.cells):
            return ""
        return self.cells[spot[0] + offset].strip()

    def label(self, key):
        """Return the column's name as the file writes it."""
        spot = self.columns.get(key)
        return spot[1] if spot else key.replace("_", " ").title()


class Builder:
    """Turn one record into a Row, collecting a problem for each cell that does not read."""

    def __init__(self, record, ctx):
        self.record = record
        self.ctx = ctx
        self.row = Row(line=record.line, currency=ctx.currency)

    def problem(self, key, message):
        """Note a problem with the cell in column `key`."""
        self.row.problems.append(Problem(self.record.label(key), message))

    def skip(self, reason, kind=None):
        """Return the row marked as not a transaction, with the reason and the kind of line it is."""
        self.row.skipped = reason
        self.row.skip_kind = kind
        self.row.problems = []
        return self.row

    def refuse(self, key, message, *, ticker=None, day=None):
        """Return the row with one problem in column `key`: a line the format cannot read as a transaction."""
        self.problem(key, message)
        self.row.trade_date, self.row.ticker = day, clean(ticker)[:32] or None
        return self.row

    def number(self, key, *, required=False, text=None):
        """Read a number from column `key` (or from `text`); None when empty or unreadable."""
        text = self.record.get(key) if text is None else text
        if not text:
            if required:
                self.problem(key, "empty; a number is needed.")
            return None
        try:
            return parse_number(text, self.ctx.mark)
        except ValueProblem as exc:
            self.problem(key, str(exc))
            return None

    def date(self, key, *, text=None, order=None):
        """Read a trade date from column `key`; refuse one that is missing, in the future or before 1900."""
        text = self.record.get(key) if text is None else text
        if not text:
            self.problem(key, "empty; a date is needed.")
            return None
        try:
            day = parse_date(text, order or self.ctx.order)
        except ValueProblem as exc:
            self.problem(key, str(exc))
            return None
        today = self.ctx.today or date.today()
        if day > today:
            self.problem(key, f"{day.isoformat()} is in the future.")
            return None
        if day.year < 1900:
            self.problem(key, f"{day.isoformat()} is too far in the past.")
            return None
        return day

    def noted(self, key):
        """Whether a problem is already noted for column `key`."""
        label = self.record.label(key)
        return any(p.column == label for p in self.row.problems)

    def build(self, *, kind, ticker, day, quantity, price=None, fees=None, currency=None, note=None, columns=None,
              isin=None, name=None, exchange=None):
        """Check the values together and return the row; `columns` names the columns they came from.

        A row with no ticker but an ISIN is kept under its ISIN (to be resolved to a symbol later); a fee
        with neither is the account's own fee.
        """
        cols = {"type": "type", "ticker": "ticker", "quantity": "quantity", "price": "price", "fees": "fees",
                "isin": "isin"}
        cols.update(columns or {})
        quantity, price, fees = _decimal(quantity), _decimal(price), _decimal(fees)
        row = self.row
        row.trade_date, row.type, row.quantity = day, kind, quantity
        row.quantity_column = self.record.label(cols["quantity"])
        if not clean(kind):
            self.problem(cols["type"], "empty; a type is needed.")
        elif kind not in TRANSACTION_TYPES:
            self.problem(cols["type"], f"“{kind[:40]}” is not a known type: use {', '.join(TRANSACTION_TYPES)}.")
        self._security(kind, ticker, isin, name, exchange, cols)
        if quantity is None and row.split_added is None:
            if not self.noted(cols["quantity"]):
                self.problem(cols["quantity"], "empty; a quantity is needed.")
        elif quantity is not None and quantity <= 0:
            label = "split ratio" if kind == "SPLIT" else "quantity"
            self.problem(cols["quantity"], f"the {label} must be greater than zero.")
        elif quantity is None and row.split_added == 0:
            self.problem(cols["quantity"], "the split adds no shares: a number other than zero is needed.")
        if price is not None and price < 0:
            self.problem(cols["price"], "the price cannot be negative.")
        elif kind in PRICED and not price and not self.noted(cols["price"]):
            self.problem(cols["price"], "a price greater than zero is needed.")
        row.price = price if price is not None else ZERO
        if fees is not None and fees < 0:
            self.problem(cols["fees"], "fees cannot be negative.")
        row.fees = fees if fees is not None else ZERO
        for key, value in (("quantity", quantity), ("price", price), ("fees", fees)):
            if value is not None and abs(value) >= LIMIT:
                self.problem(cols[key], "is too large.")
        code = clean(currency).upper() or self.ctx.currency
        code = "GBX" if code == "GBP" and clean(currency) == "GBp" else code
        if not CURRENCY.match(code):
            self.problem("currency", f"“{code[:20]}” is not a currency: use a 3-letter code such as USD.")
        row.currency = code[:3]
        row.note = clean(note)[:NOTE_LENGTH] or None
        return row

    def _security(self, kind, ticker, isin, name, exchange, cols):
        """Set the row's ticker: the symbol, else the ISIN (marked to resolve), else none for an account fee."""
        row, text, code = self.row, clean(ticker), clean(isin).upper() if isin else ""
        if len(text) == 12 and not code and is_isin(text):
            text, code = "", text.upper()  # a ticker column holding ISINs
        if text:
            try:
                row.ticker = normalize_ticker(text)
            except TickerError as exc:
                self.problem(cols["ticker"], str(exc))
            return
        if code:
            if is_isin(code):
                row.ticker = row.isin = code
                row.security_name = clean(name)[:200] or None
                row.exchange = exchange
            else:
                self.problem(cols["isin"], f"“{code[:20]}” is not an ISIN (12 characters such as US0378331005).")
            return
        if kind == "FEE":
            row.ticker = ""  # the account's own fee, not one holding's
            return
        either = self.record.has(cols["isin"]) and self.record.has(cols["ticker"])
        if self.record.has(cols["isin"]) and not self.record.has(cols["ticker"]):
            self.problem(cols["isin"], "empty; an ISIN is needed.")
        else:
            self.problem(cols["ticker"], f"empty; a ticker{' or an ISIN' if either else ''} is needed.")


def _decimal(value):
    """Return the value as a Decimal to eight places (a value too large to store is left for the size check)."""
    if value is None:
        return None
    value = value if type(value) is Decimal else Decimal(value)
    try:
        return value.quantize(PLACES, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than a Decimal holds: far over the size check's limit
        return value
