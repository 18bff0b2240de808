"""Database models: accounts, portfolios, transactions, securities and prices."""

import secrets
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.analytics.holdings import TRADE_TYPES as TRANSACTION_TYPES  # noqa: F401 - one order, everywhere
from app.extensions import db

SECURITY_KINDS = ("equity", "etf", "fund", "fx", "index", "crypto", "other")
# How a sale's cost basis is worked out: the average cost of the shares held, or the first lots bought first.
COST_METHODS = ("average", "fifo")
MONEY = Numeric(20, 8)


def new_session_token():
    """Return a fresh random session token (what session and remember cookies carry instead of the user id)."""
    return secrets.token_urlsafe(32)


def utcnow():
    """Return the current time as a naive UTC datetime (the form every database stores alike)."""
    return datetime.now(UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):
    """A person who signs in and owns portfolios."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    # Flask-Login's alternative id: changing it ends every session and remember cookie issued before.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    portfolios: Mapped[list["Portfolio"]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", order_by="Portfolio.name"
    )

    def set_password(self, password):
        """Store a salted hash of the password, never the password."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password):
        """Tell whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        """Return the session token: what Flask-Login stores in the session and the remember cookie."""
        return self.session_token

    def rotate_session_token(self):
        """Give the user a new session token, so that every session and remember cookie issued before stops working."""
        self.session_token = new_session_token()


class Portfolio(db.Model):
    """A named set of transactions owned by one user."""

    __tablename__ = "portfolios"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    base_currency: Mapped[str] = mapped_column(String(3), default="USD")
    benchmarks: Mapped[str | None] = mapped_column(String(200))
    cost_method: Mapped[str] = mapped_column(String(10), default="average", server_default="average")
    # Bumped by every change to the portfolio or its transactions: the key of its cached dashboard and charts.
    data_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    owner: Mapped[User] = relationship(back_populates="portfolios")
    transactions: Mapped[list["Transaction"]] = relationship(
        back_populates="portfolio", cascade="all, delete-orphan", passive_deletes=True
    )

    def benchmark_list(self, default):
        """Return this portfolio's chosen benchmark tickers, or the configured default."""
        if self.benchmarks:
            return [t for t in self.benchmarks.split(",") if t]
        return list(default)


class ImportBatch(db.Model):
    """One import of a broker file: what came in, and what became of it."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    file_hash: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(40))
    row_count: Mapped[int] = mapped_column(default=0)
    imported_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    # "preview" (waiting for the owner's confirmation), then "committed", then perhaps "undone".
    status: Mapped[str] = mapped_column(String(20), default="committed")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # While a preview: the file's text (zlib), so that the confirmation carries only the batch id.
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The column mapping (JSON) a file no format recognized was read with.
    mapping: Mapped[str | None] = mapped_column(Text)


class ColumnMapping(db.Model):
    """How one user's files with one header are read: which column is what, and what each type means."""

    __tablename__ = "column_mappings"
    __table_args__ = (UniqueConstraint("user_id", "signature"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # SHA-256 of the header's folded cells: the same layout, whatever the file's name or rows.
    signature: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Transaction(db.Model):
    """A trade or cash event in a portfolio.

    BUY/SELL: `quantity` shares at `price` each. DIVIDEND: cash of `quantity` × `price`
    (quantity 1 and price = the amount when only the amount is known). SPLIT: `quantity`
    is the ratio (4 for a 4:1 split), price 0. FEE: cash of `quantity` × `price`.
    """

    __tablename__ = "transactions"
    __table_args__ = (Index("ix_transactions_portfolio_date", "portfolio_id", "trade_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"))
    ticker: Mapped[str] = mapped_column(String(32), index=True)
    type: Mapped[str] = mapped_column(String(10))
    trade_date: Mapped[date]
    quantity: Mapped[Decimal] = mapped_column(MONEY)
    price: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    fees: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    note: Mapped[str | None] = mapped_column(String(500))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    portfolio: Mapped[Portfolio] = relationship(back_populates="transactions")


class Security(db.Model):
    """What we know about a ticker: its name, currency, exchange, and whether Yahoo knows it."""

    __tablename__ = "securities"
    ticker: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str | None] = mapped_column(String(8))
    exchange: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(10), default="equity")
    isin: Mapped[str | None] = mapped_column(String(12), index=True)
    # An imported ISIN waiting for its Yahoo symbol: `ticker` is the ISIN itself until the runner resolves it.
    to_resolve: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_at: Mapped[datetime | None]
    unknown_since: Mapped[datetime | None]
    # The earliest day we have asked Yahoo for: bars before it were never requested, after it they are complete.
    history_from: Mapped[date | None]
    bars_until: Mapped[date | None]  # the newest stored bar
    fetched_at: Mapped[datetime | None]  # the last answer from the source with prices in it
    # Counts the changes to its stored bars and events: the price part of every cached computation's key.
    prices_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The profile the runner fetches weekly (app/prices/profiles.py); pages only read it.
    quote_type: Mapped[str | None] = mapped_column(String(20))
    sector: Mapped[str | None] = mapped_column(String(64))
    industry: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(64))
    dividend_rate: Mapped[float | None]  # the declared regular dividend per share and year, in the quote currency
    ex_dividend_date: Mapped[date | None]  # the next (or last) ex-date Yahoo announced
    profile_at: Mapped[datetime | None]  # the last answer about its profile (found or not)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FundSector(db.Model):
    """The weight of one sector in an ETF or fund, as Yahoo gives it (Ticker.funds_data)."""

    __tablename__ = "fund_sectors"
    ticker: Mapped[str] = mapped_column(String(32), primary_key=True)
    sector: Mapped[str] = mapped_column(String(64), primary_key=True)
    weight: Mapped[float]


class WantedTicker(db.Model):
    """A ticker a page needs and the database lacks, waiting for the price runner (without Redis)."""

    __tablename__ = "wanted_tickers"
    ticker: Mapped[str] = mapped_column(String(32), primary_key=True)
    start: Mapped[date]  # the earliest day wanted
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)


class PriceBar(db.Model):
    """One daily bar: Close is split-adjusted, Adj Close also includes dividends."""

    __tablename__ = "price_bars"
    __table_args__ = (UniqueConstraint("ticker", "date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticker: Mapped[str] = mapped_column(String(32))
    date: Mapped[date]
    close: Mapped[float]
    adj_close: Mapped[float]
    volume: Mapped[int | None] = mapped_column(db.BigInteger)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class CorporateAction(db.Model):
    """A split (ratio, 4.0 for 4:1) or a dividend (cash per share) on its ex-date."""

    __tablename__ = "corporate_actions"
    __table_args__ = (UniqueConstraint("ticker", "date", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticker: Mapped[str] = mapped_column(String(32), index=True)
    date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[float]


class MetricSample(db.Model):
    """One minute of one process's figures (its requests, or the price runner's), for the operators' history."""

    __tablename__ = "metric_samples"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # web | runner
    process: Mapped[str] = mapped_column(String(100))  # host:pid
    data: Mapped[str] = mapped_column(Text)  # JSON: the figures of that minute (see app/ops/)
