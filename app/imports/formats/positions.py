"""A positions snapshot with no history: `symbol,quantity,cost basis` (or `price`), an optional date.

A `date` column is the day the positions were held on (Wealthfolio's holdings file, one block per date):
for each ticker only its latest date counts. A purchase date (`acquired`, `open date`) is a lot's: lots add up.
"""

from collections import defaultdict

from app.imports.formats.base import Format, per_unit
from app.imports.rows import Builder
from app.imports.values import ValueProblem

CASH = ("cash", "$cash", "--", "pending activity", "money market")


class Positions(Format):
    name = "positions"
    label = "Positions snapshot (symbol, quantity, cost basis or price)"
    header = "symbol,quantity,cost basis[,date]"
    columns = {
        "ticker": ("symbol", "ticker", "code"),
        "quantity": ("quantity", "shares", "qty", "units", "qty (quantity)"),
        "cost": ("cost basis", "cost", "total cost", "book value", "cost basis total"),
        "price": ("price", "average cost", "avg cost", "cost per share", "cost/share", "unit cost",
                  "average price", "avg price", "purchase price", "unit price"),
        "date": ("date", "as of", "as of date", "snapshot date", "position date"),
        "acquired": ("purchase date", "acquired", "acquisition date", "open date", "trade date"),
        "currency": ("currency", "ccy"),
        "note": ("description", "name", "note"),
        "type": ("type", "action", "side", "transaction type"),
        "yahoo": ("high limit", "low limit"),
    }
    required = ("ticker", "quantity")
    one_of = (("cost", "price"),)
    excluded = ("type", "yahoo")
    numeric = ("quantity", "price", "cost")
    type_column = None

    def parse(self, record, ctx):
        """Make one BUY at the line's date (or today) at its cost per share."""
        b = Builder(record, ctx)
        symbol = record.get("ticker")
        if symbol.lower().startswith(CASH):
            return b.skip(f"“{symbol[:40]}” is cash, not a holding.", "cash balance")
        held_on = bool(record.get("date"))
        key = "date" if held_on else "acquired"
        day = b.date(key) if record.get(key) else ctx.today
        quantity = b.number("quantity")
        cost = b.number("cost") if record.get("cost") else None
        price, column = None, "cost"
        if cost is not None and quantity:
            try:
                price = per_unit(cost, quantity)
            except ValueProblem as exc:
                b.problem("cost", str(exc))
        elif record.get("price") or not record.has("cost"):
            price, column = b.number("price"), "price"
        b.row.snapshot = held_on
        return b.build(
            kind="BUY", ticker=symbol, day=day, quantity=quantity, price=price,
            currency=record.get("currency"), note=record.get("note"), columns={"price": column},
        )

    def finish(self, rows, ctx, notes):
        """Keep, for each ticker, only the lines of its latest snapshot date; say so in the preview."""
        dates = defaultdict(set)
        for row in rows:
            if row.snapshot and row.valid:
                dates[row.ticker].add(row.trade_date)
        latest = {ticker: max(days) for ticker, days in dates.items() if len(days) > 1}
        dropped = 0
        for row in rows:
            if row.snapshot and row.valid and row.ticker in latest and row.trade_date < latest[row.ticker]:
                row.skipped = (f"An earlier snapshot of {row.ticker} ({row.trade_date.isoformat()}): the one of "
                               f"{latest[row.ticker].isoformat()} is kept.")
                row.skip_kind = "earlier snapshot"
                dropped += 1
        if dropped:
            notes.append(f"This file holds positions on several dates: for each ticker the quantity on its latest "
                         f"date is kept, as one buy on that date ({dropped} earlier line{'s' * (dropped != 1)} "
                         "left out). If its lines are purchases instead, choose the columns yourself (link above).")
        elif dates:
            notes.append("Each position becomes one buy on its date at its cost.")
        return rows


FORMAT = Positions()
