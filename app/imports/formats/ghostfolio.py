"""Ghostfolio's CSV: `Date,Code,DataSource,Currency,Price,Quantity,Action,Fee,Note`, dates day first."""

from app.imports.formats.base import Format, fold
from app.imports.rows import Builder

TYPES = {"buy": "BUY", "sell": "SELL", "dividend": "DIVIDEND", "fee": "FEE"}
NOT_HOLDINGS = {"interest": ("interest on cash", "interest"), "item": ("a valuable item", "not a security"),
                "liability": ("a liability", "not a security")}


class Ghostfolio(Format):
    name = "ghostfolio"
    label = "Ghostfolio CSV"
    header = "Date,Code,DataSource,Currency,Price,Quantity,Action,Fee,Note"
    columns = {
        "date": ("date",),
        "ticker": ("code", "symbol"),
        "source": ("datasource", "data source"),
        "currency": ("currency",),
        "price": ("price", "unitprice", "unit price"),
        "quantity": ("quantity",),
        "type": ("action", "type"),
        "fees": ("fee", "fees"),
        "note": ("note", "comment"),
    }
    required = ("date", "ticker", "source", "price", "quantity", "type")
    date_order = "dmy"

    def knows_type(self, text):
        """Ghostfolio's activity types."""
        return fold(text) in TYPES or fold(text) in NOT_HOLDINGS

    def parse(self, record, ctx):
        """Read one Ghostfolio activity; a fee given only in the Fee column becomes the fee's amount."""
        b = Builder(record, ctx)
        action = record.get("type")
        if action.lower() in NOT_HOLDINGS:
            what, kind = NOT_HOLDINGS[action.lower()]
            return b.skip(f"{action}: {what}, not a holding.", kind)
        kind = TYPES.get(action.lower(), action.upper())
        quantity, price, fees = b.number("quantity"), b.number("price"), b.number("fees")
        columns = {}
        if kind == "FEE" and not ((quantity or 0) * (price or 0)) and fees:
            quantity, price, fees, columns = 1, fees, None, {"price": "fees"}
        elif kind == "DIVIDEND" and quantity == 0 and price:
            quantity = 1
        return b.build(
            kind=kind, ticker=record.get("ticker"), day=b.date("date"), quantity=quantity, price=price, fees=fees,
            currency=record.get("currency"), note=record.get("note"), columns=columns,
        )


FORMAT = Ghostfolio()
