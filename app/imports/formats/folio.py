"""Our own CSV: `date,type,ticker,quantity,price,fees,currency,note`, with the common aliases."""

from app.imports.formats.base import Format
from app.imports.rows import Builder

TYPES = {
    "buy": "BUY", "bought": "BUY", "b": "BUY", "purchase": "BUY",
    "sell": "SELL", "sold": "SELL", "s": "SELL", "sale": "SELL",
    "dividend": "DIVIDEND", "div": "DIVIDEND", "dividends": "DIVIDEND",
    "split": "SPLIT", "stock split": "SPLIT",
    "fee": "FEE", "fees": "FEE",
}


class Folio(Format):
    name = "folio"
    label = "Folio CSV (this app's own format)"
    header = "date,type,ticker,quantity,price,fees,currency,note"
    columns = {
        "date": ("date", "trade date", "transaction date"),
        "type": ("type", "action", "side", "transaction type"),
        "ticker": ("ticker", "symbol", "code"),
        "quantity": ("quantity", "shares", "qty", "units"),
        "price": ("price", "unit price", "trade price", "share price"),
        "fees": ("fees", "fee", "commission", "commissions"),
        "currency": ("currency", "ccy"),
        "note": ("note", "notes", "comment", "memo"),
    }
    required = ("date", "type", "ticker", "quantity")

    def parse(self, record, ctx):
        """Read one line of our own format."""
        b = Builder(record, ctx)
        raw = record.get("type")
        return b.build(
            kind=TYPES.get(raw.lower(), raw.upper()),
            ticker=record.get("ticker"),
            day=b.date("date"),
            quantity=b.number("quantity"),
            price=b.number("price"),
            fees=b.number("fees"),
            currency=record.get("currency"),
            note=record.get("note"),
        )


FORMAT = Folio()
