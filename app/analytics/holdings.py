"""Holdings derived from transactions, by the average-cost method or by first-in-first-out lots."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)
AVERAGE, FIFO = "average", "fifo"
# The transaction types, in the order they apply within one day: splits first, then buys before sells.
TRADE_TYPES = ("SPLIT", "BUY", "DIVIDEND", "FEE", "SELL")
TYPE_RANK = {kind: rank for rank, kind in enumerate(TRADE_TYPES)}
# Share counts smaller than this are what fractional sells leave behind, not a position: one unit of the
# eighth decimal place, the finest quantity the database keeps.
DUST = Decimal("1e-8")
DUST_FLOAT = float(DUST)


class HoldingsError(ValueError):
    """A transaction that cannot be applied, such as selling more than is held."""


@dataclass(frozen=True)
class Trade:
    """The fields of a transaction that holdings need."""

    ticker: str
    type: str
    trade_date: date
    quantity: Decimal
    price: Decimal = ZERO
    fees: Decimal = ZERO
    currency: str = "USD"
    order: int = 0


@dataclass
class Holding:
    """A position in one ticker: what is held, what it cost, what selling it earned."""

    ticker: str
    currency: str = "USD"
    quantity: Decimal = ZERO
    cost_basis: Decimal = ZERO
    realized_gain: Decimal = ZERO
    dividends: Decimal = ZERO
    fees: Decimal = ZERO
    first_date: date | None = None
    trades: int = 0
    splits: list = field(default_factory=list)
    lots: list = field(default_factory=list)  # FIFO only: [quantity, cost] still held, oldest first

    @property
    def average_cost(self):
        """Cost per share held: cost basis ÷ quantity (0 when nothing is held)."""
        return self.cost_basis / self.quantity if self.quantity else ZERO

    @property
    def is_open(self):
        """Whether any shares are still held."""
        return self.quantity > DUST


def _fmt(value):
    return f"{value.normalize():f}"


def apply_trade(holding, trade, method=AVERAGE):
    """Apply one trade to a holding in place; raise HoldingsError when it cannot apply.

    A sale's cost is average cost × quantity, or with FIFO the cost of the earliest lots it takes.
    """
    holding.trades += 1
    if holding.first_date is None:
        holding.first_date = trade.trade_date
    kind = trade.type
    if kind == "BUY":
        holding.quantity += trade.quantity
        holding.cost_basis += trade.quantity * trade.price + trade.fees
        if method == FIFO:
            holding.lots.append([trade.quantity, trade.quantity * trade.price + trade.fees])
    elif kind == "SELL":
        if trade.quantity > holding.quantity + DUST:
            raise HoldingsError(
                f"Cannot sell {_fmt(trade.quantity)} {trade.ticker} on {trade.trade_date.isoformat()}: "
                f"only {_fmt(holding.quantity)} held then."
            )
        if method == FIFO:
            sold_cost = _take_lots(holding.lots, trade.quantity)
        else:
            sold_cost = holding.average_cost * trade.quantity
        proceeds = trade.quantity * trade.price - trade.fees
        holding.realized_gain += proceeds - sold_cost
        holding.cost_basis -= sold_cost
        holding.quantity -= trade.quantity
        if holding.quantity <= DUST:
            holding.quantity, holding.cost_basis = ZERO, ZERO
            holding.lots.clear()
    elif kind == "SPLIT":
        if trade.quantity <= 0:
            raise HoldingsError(f"A split of {trade.ticker} needs a positive ratio.")
        holding.quantity *= trade.quantity
        for lot in holding.lots:
            lot[0] *= trade.quantity
        holding.splits.append((trade.trade_date, trade.quantity))
    elif kind == "DIVIDEND":
        holding.dividends += trade.quantity * trade.price - trade.fees
    elif kind == "FEE":
        holding.fees += trade.quantity * trade.price + trade.fees
    else:
        raise HoldingsError(f"Unknown transaction type {kind!r}.")


def _take_lots(lots, quantity):
    """Take `quantity` from the earliest lots in place; return what the shares taken cost."""
    cost = ZERO
    while quantity > 0 and lots:
        held, paid = lots[0]
        if held <= quantity + DUST:
            cost += paid
            quantity -= held
            lots.pop(0)
        else:
            part = paid * quantity / held
            lots[0] = [held - quantity, paid - part]
            cost += part
            quantity = ZERO
    return cost


def sort_key(trade):
    """Order trades by date; within a day splits first, then buys before sells."""
    return (trade.trade_date, TYPE_RANK.get(trade.type, len(TYPE_RANK)), trade.order)


def compute_holdings(trades, method=AVERAGE):
    """Derive per-ticker holdings from trades in date order; raise HoldingsError on an impossible sell."""
    holdings = {}
    for trade in sorted(trades, key=sort_key):
        holding = holdings.get(trade.ticker)
        if holding is None:
            holding = holdings[trade.ticker] = Holding(ticker=trade.ticker, currency=trade.currency)
        apply_trade(holding, trade, method)
    return holdings


def compute_holdings_leniently(trades, method=AVERAGE):
    """Derive holdings like compute_holdings, leaving out each trade that cannot apply; return (holdings, problems).

    For stored transactions that an old bug or a race left inconsistent: show the rest, and say what is wrong.
    """
    holdings, problems = {}, []
    for trade in sorted(trades, key=sort_key):
        holding = holdings.get(trade.ticker)
        if holding is None:
            holding = holdings[trade.ticker] = Holding(ticker=trade.ticker, currency=trade.currency)
        try:
            apply_trade(holding, trade, method)
        except HoldingsError as exc:
            problems.append(str(exc))
    return holdings, problems
