"""Realized gains sale by sale, by average cost or by first-in-first-out lots, with each sale's holding period.

The shares a sale takes are always the earliest still held (first in, first out): that gives each sale its
holding period. Its cost basis is those lots' own cost (FIFO) or the average cost of every share held then
(average, as the dashboard has always counted). A sale taking shares held both a year or less and more
than a year is two rows, its proceeds shared by quantity. Amounts are in the base currency: each trade's
cash × its currency's rate on its own day; quantities are in the units of the day (splits scale the lots).
"""

from dataclasses import dataclass
from datetime import date

from app.analytics.fx import fx_rates
from app.analytics.holdings import DUST_FLOAT as DUST
from app.analytics.inputs import normalize_trades

AVERAGE, FIFO = "average", "fifo"
SHORT, LONG = "short", "long"


@dataclass
class Sale:
    """One realized sale (or the part of one with a single holding period), in the base currency."""

    ticker: str
    sold: date
    acquired: date  # the earliest lot it took
    acquired_last: date  # the latest lot it took
    quantity: float
    proceeds: float
    cost: float
    term: str  # short (held a year or less) or long

    @property
    def gain(self):
        """Proceeds − cost basis."""
        return self.proceeds - self.cost

    @property
    def tax_year(self):
        """The calendar year of the sale."""
        return self.sold.year


def long_term(acquired, sold):
    """Whether shares bought on `acquired` and sold on `sold` were held more than a year."""
    try:
        anniversary = acquired.replace(year=acquired.year + 1)
    except ValueError:  # 29 February
        anniversary = acquired.replace(year=acquired.year + 1, day=28)
    return sold > anniversary


def realized_sales(trades, method=AVERAGE, fx=None, base="USD"):
    """Every sale as Sale rows, oldest first, and the problems met (a sale of more than was held is left out).

    proceeds = (quantity × price − fees) × rate; cost = Σ the lots' cost (FIFO) or average cost × quantity,
    where a lot's cost is (quantity × price + fees) × rate on its day. Raise fx.FxMissingError for a missing pair.
    """
    frame = normalize_trades(trades, base=base)
    frame = frame[frame["type"].isin(["BUY", "SELL", "SPLIT"])].reset_index(drop=True)
    if frame.empty:
        return [], []
    days = frame["trade_date"]
    rates = fx_rates(list(dict.fromkeys(frame["currency"])), fx, base, days.drop_duplicates().sort_values())
    row = rates.index.get_indexer(days)
    rate = rates.to_numpy()[row, rates.columns.get_indexer(frame["currency"])]
    lots, pool, sales, problems = {}, {}, [], []
    for i, trade in enumerate(frame.itertuples(index=False)):
        own, held = lots.setdefault(trade.ticker, []), pool.setdefault(trade.ticker, [0.0, 0.0])
        day = trade.trade_date.date()
        if trade.type == "BUY":
            cost = (trade.quantity * trade.price + trade.fees) * rate[i]
            own.append([day, trade.quantity, cost])
            held[0] += trade.quantity
            held[1] += cost
        elif trade.type == "SPLIT" and trade.quantity > 0:
            for lot in own:
                lot[1] *= trade.quantity
            held[0] *= trade.quantity
        elif trade.type == "SELL":
            if trade.quantity > held[0] + DUST:
                problems.append(f"{trade.ticker} on {day}: sold {trade.quantity:g}, held {held[0]:g}; left out.")
                continue
            proceeds = (trade.quantity * trade.price - trade.fees) * rate[i]
            sales += _sell(trade.ticker, day, trade.quantity, proceeds, own, held, method)
    return sales, problems


def _sell(ticker, day, quantity, proceeds, own, held, method):
    """Take `quantity` from the earliest lots; return the Sale rows, one per holding period."""
    average = held[1] / held[0] if held[0] > DUST else 0.0
    parts = {}
    left = quantity
    while left > DUST and own:
        acquired, lot_quantity, lot_cost = own[0]
        taken = min(left, lot_quantity)
        share = lot_cost * taken / lot_quantity if lot_quantity > DUST else 0.0
        cost = share if method == FIFO else average * taken
        term = LONG if long_term(acquired, day) else SHORT
        part = parts.setdefault(term, {"first": acquired, "last": acquired, "quantity": 0.0, "cost": 0.0})
        part["last"], part["quantity"], part["cost"] = acquired, part["quantity"] + taken, part["cost"] + cost
        if taken >= lot_quantity - DUST:
            own.pop(0)
        else:
            own[0] = [acquired, lot_quantity - taken, lot_cost - share]
        left -= taken
    taken_cost = sum(p["cost"] for p in parts.values())
    held[0] -= quantity
    held[1] = 0.0 if held[0] <= DUST else held[1] - taken_cost
    if held[0] <= DUST:
        held[0] = 0.0
        own.clear()
    return [Sale(ticker=ticker, sold=day, acquired=p["first"], acquired_last=p["last"], quantity=p["quantity"],
                 proceeds=proceeds * p["quantity"] / quantity, cost=p["cost"], term=term)
            for term, p in sorted(parts.items(), key=lambda item: item[1]["first"])]


def by_tax_year(sales):
    """Totals per calendar year: {year: {sales (rows), proceeds, cost, gain, short, long}}, oldest first."""
    years = {}
    for sale in sales:
        year = years.setdefault(sale.tax_year, {"sales": 0, "proceeds": 0.0, "cost": 0.0, "gain": 0.0,
                                                SHORT: 0.0, LONG: 0.0})
        year["sales"] += 1
        year["proceeds"] += sale.proceeds
        year["cost"] += sale.cost
        year["gain"] += sale.gain
        year[sale.term] += sale.gain
    return dict(sorted(years.items()))

