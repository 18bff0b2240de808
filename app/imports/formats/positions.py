"""A positions snapshot with no history: `symbol,quantity,cost basis` (or `price`), an optional date."""

from app.imports.formats.base import Format, per_unit
from app.imports.rows import Builder
from app.imports.values import ValueProblem

CASH = ("cash", "--", "pending activity", "money market")


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
        "date": ("date", "purchase date", "acquired", "acquisition date", "open date", "as of", "trade date"),
        "currency": ("currency", "ccy"),
        "note": ("description", "name", "note"),
        "type": ("type", "action", "side", "transaction type"),
    }
    required = ("ticker", "quantity")
    one_of = (("cost", "price"),)
    excluded = ("type",)
    numeric = ("quantity", "price", "cost")

    def parse(self, record, ctx):
        """Make one BUY at the line's date (or today) at its cost per share."""
        b = Builder(record, ctx)
        symbol = record.get("ticker")
        if symbol.lower().startswith(CASH):
            return b.skip(f"“{symbol[:40]}” is cash, not a holding.")
        day = b.date("date") if record.get("date") else ctx.today
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
        return b.build(
            kind="BUY", ticker=symbol, day=day, quantity=quantity, price=price,
            currency=record.get("currency"), note=record.get("note"), columns={"price": column},
        )


FORMAT = Positions()
