"""Portfolio and transaction services: plain arguments in, models or domain errors out."""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select, update

from app.analytics.holdings import HoldingsError, Trade, compute_holdings
from app.extensions import db
from app.models import COST_METHODS, Portfolio, Transaction
from app.prices.tickers import split_tickers

TRADE_FIELDS = ("ticker", "type", "trade_date", "quantity", "price", "fees", "currency", "note")
PER_PAGE = 50
# The sign of each type's cash: a buy or a fee takes money out, a sell or a dividend brings it in.
CASH_SIGN = {"BUY": -1, "FEE": -1, "SELL": 1, "DIVIDEND": 1}


def touch(portfolio_id):
    """Mark the portfolio as changed (its cached dashboard and charts are computed again); return the rows changed."""
    return db.session.execute(
        update(Portfolio).where(Portfolio.id == portfolio_id).values(data_version=Portfolio.data_version + 1)
    ).rowcount


def lock_portfolio(portfolio_id):
    """Hold the portfolio until the commit, so that changes to its holdings are checked and made one at a time.

    The UPDATE takes the row's lock on PostgreSQL (as SELECT ... FOR UPDATE would) and SQLite's write lock;
    a second writer waits here, then reads what the first one committed.
    """
    if not touch(portfolio_id):
        raise PortfolioError("This portfolio was deleted meanwhile.")


class PortfolioError(ValueError):
    """A change to a portfolio that cannot be made, with a message for the person."""


def create_portfolio(owner, name, currency="USD"):
    """Create a portfolio for `owner`."""
    name = (name or "").strip()
    if not name:
        raise PortfolioError("A portfolio needs a name.")
    portfolio = Portfolio(owner=owner, name=name[:100], base_currency=(currency or "USD").upper())
    db.session.add(portfolio)
    db.session.commit()
    return portfolio


def update_settings(portfolio, name, currency, benchmarks_text, cost_method=None):
    """Rename a portfolio, change its base currency, its benchmark list and (when given) its cost method."""
    if not (name or "").strip():
        raise PortfolioError("A portfolio needs a name.")
    if cost_method is not None and cost_method not in COST_METHODS:
        raise PortfolioError("Choose average cost or FIFO.")
    set_benchmarks(portfolio, benchmarks_text)
    portfolio.name = name.strip()[:100]
    portfolio.base_currency = currency.upper()
    portfolio.cost_method = cost_method or portfolio.cost_method
    touch(portfolio.id)
    db.session.commit()


def set_benchmarks(portfolio, benchmarks_text):
    """Remember the tickers this portfolio is compared against (empty: the default list)."""
    tickers, errors = split_tickers(benchmarks_text)
    if errors:
        raise PortfolioError(errors[0])
    portfolio.benchmarks = ",".join(tickers[:8]) or None
    touch(portfolio.id)
    db.session.commit()


def delete_portfolio(portfolio):
    """Delete a portfolio and everything in it."""
    db.session.delete(portfolio)
    db.session.commit()


def transactions_of(portfolio_id):
    """Return a portfolio's transactions, newest first, in one query."""
    query = (
        select(Transaction)
        .where(Transaction.portfolio_id == portfolio_id)
        .order_by(Transaction.trade_date.desc(), Transaction.id.desc())
    )
    return list(db.session.scalars(query))


@dataclass
class TransactionPage:
    """One page of a portfolio's transactions under some filters, with the totals of all that match."""

    rows: list
    total: int
    page: int
    pages: int
    per_page: int
    totals: dict = field(default_factory=dict)  # (type, currency) → signed cash amount
    amounts: dict = field(default_factory=dict)  # transaction id → its signed cash amount (None for a split)

    @property
    def first(self):
        """The position of the page's first row among all matching rows (1-based; 0 when none)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self):
        """The position of the page's last row among all matching rows."""
        return self.first + len(self.rows) - 1 if self.rows else 0


def cash_amount(kind, quantity, price, fees):
    """The cash a transaction moves, signed: a buy of 10 at 100 with 1 of fees is −1,001; a split moves none."""
    sign = CASH_SIGN.get(kind)
    if sign is None:
        return None
    gross = _decimal(quantity) * _decimal(price)
    fees = _decimal(fees)
    return sign * (gross + fees) if sign < 0 else gross - fees


def _filtered(query, portfolio_id, ticker=None, kind=None, start=None, end=None):
    query = query.where(Transaction.portfolio_id == portfolio_id)
    if ticker:
        query = query.where(Transaction.ticker.startswith(ticker, autoescape=True))
    if kind:
        query = query.where(Transaction.type == kind)
    if start:
        query = query.where(Transaction.trade_date >= start)
    if end:
        query = query.where(Transaction.trade_date <= end)
    return query


def transactions_page(portfolio_id, page=1, per_page=PER_PAGE, **criteria):
    """One page of transactions, newest first, with LIMIT/OFFSET in SQL; criteria: ticker, kind, start, end."""
    total = db.session.scalar(_filtered(select(func.count(Transaction.id)), portfolio_id, **criteria))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    query = (_filtered(select(Transaction), portfolio_id, **criteria)
             .order_by(Transaction.trade_date.desc(), Transaction.id.desc())
             .limit(per_page).offset((page - 1) * per_page))
    sums = _filtered(
        select(Transaction.type, Transaction.currency, func.sum(Transaction.quantity * Transaction.price),
               func.sum(Transaction.fees)), portfolio_id, **criteria,
    ).group_by(Transaction.type, Transaction.currency)
    totals = {}
    for kind, currency, gross, fees in db.session.execute(sums):
        amount = cash_amount(kind, 1, gross, fees)
        if amount is not None:
            totals[(kind, currency)] = amount
    rows = list(db.session.scalars(query))
    amounts = {t.id: cash_amount(t.type, t.quantity, t.price, t.fees) for t in rows}
    return TransactionPage(rows=rows, total=total, page=page, pages=pages, per_page=per_page,
                           totals=dict(sorted(totals.items())), amounts=amounts)


def _decimal(value):
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def to_trade(transaction):
    """Turn a Transaction row (or any object with its fields) into a Trade."""
    return Trade(
        ticker=transaction.ticker,
        type=transaction.type,
        trade_date=transaction.trade_date,
        quantity=_decimal(transaction.quantity),
        price=_decimal(transaction.price),
        fees=_decimal(transaction.fees),
        currency=transaction.currency or "USD",
        order=transaction.id or 0,
    )


def trades_of(portfolio_id):
    """A portfolio's transactions as Trades, read as plain rows (no ORM objects): one light query."""
    return trades_by_portfolio([portfolio_id]).get(portfolio_id, [])


def trades_by_portfolio(portfolio_ids):
    """The transactions of several portfolios as Trades, by portfolio id, in one query."""
    if not portfolio_ids:
        return {}
    query = select(
        Transaction.portfolio_id, Transaction.id, Transaction.ticker, Transaction.type, Transaction.trade_date,
        Transaction.quantity, Transaction.price, Transaction.fees, Transaction.currency,
    ).where(Transaction.portfolio_id.in_(list(portfolio_ids)))
    trades = {}
    for row in db.session.execute(query):
        trades.setdefault(row.portfolio_id, []).append(to_trade(row))
    return trades


def held_tickers_of(portfolio_id):
    """The tickers that appear in a portfolio's transactions."""
    query = select(Transaction.ticker).where(Transaction.portfolio_id == portfolio_id).distinct()
    return list(db.session.scalars(query))


def check_trades(portfolio_id, changed=None, removed_id=None):
    """Raise PortfolioError when the transactions, with one changed or removed, sell more than is held."""
    skip = {removed_id, changed.id if changed is not None else None} - {None}
    trades = [t for t in trades_of(portfolio_id) if t.order not in skip]
    if changed is not None:
        trades.append(to_trade(changed))
    try:
        compute_holdings(trades)
    except HoldingsError as exc:
        raise PortfolioError(str(exc)) from exc


def locked_check(portfolio_id, changed=None, removed_id=None):
    """Lock the portfolio, then check the change against what is stored now; on a refusal, release the lock."""
    try:
        lock_portfolio(portfolio_id)
        if removed_id is not None or (changed is not None and changed.id is not None):
            gone = db.session.scalar(select(Transaction.id).where(Transaction.id == (removed_id or changed.id)))
            if gone is None:
                raise PortfolioError("This transaction was deleted meanwhile.")
        check_trades(portfolio_id, changed=changed, removed_id=removed_id)
    except PortfolioError:
        db.session.rollback()
        raise


def add_transaction(portfolio, fields):
    """Add a transaction from validated fields; refuse one that oversells."""
    transaction = Transaction(portfolio_id=portfolio.id, **{k: fields[k] for k in TRADE_FIELDS})
    locked_check(portfolio.id, changed=transaction)
    db.session.add(transaction)
    db.session.commit()
    return transaction


def update_transaction(transaction, fields):
    """Change a transaction; refuse a change that would oversell, and leave it as it was."""
    values = {k: fields[k] for k in TRADE_FIELDS}
    draft = Transaction(id=transaction.id, portfolio_id=transaction.portfolio_id, **values)
    locked_check(transaction.portfolio_id, changed=draft)
    for key in TRADE_FIELDS:
        setattr(transaction, key, fields[key])
    db.session.commit()
    return transaction


def delete_transaction(transaction):
    """Delete a transaction; refuse when later sells would then exceed what is held."""
    locked_check(transaction.portfolio_id, removed_id=transaction.id)
    db.session.delete(transaction)
    db.session.commit()
