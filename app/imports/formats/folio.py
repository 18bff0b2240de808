"""Our own CSV: `date,type,ticker,quantity,price,fees,currency,note`, with the common aliases."""

from app.imports.formats.base import Format, fold
from app.imports.rows import Builder
from app.models import TRANSACTION_TYPES

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
        # Columns only other tools' files have: a header with one of them is not ours.
        "foreign": ("datasource", "data source", "instrumenttype", "instrument type", "settlement date",
                    "fees & comm", "fees & commissions", "price per share", "no. of shares", "local value",
                    "net amount", "principal amount", "run date", "buy / sell", "total amount", "subtype"),
    }
    # Our own columns, all of them: a broker's file with a date, a type and a symbol is not ours by that alone.
    required = ("date", "type", "ticker", "quantity", "price")
    excluded = ("foreign",)

    def knows_type(self, text):
        """Our own types and their common spellings; a broker's “BUY - MARKET” or “CASH TOP-UP” is not ours."""
        return fold(text) in TYPES or text.strip().upper() in TRANSACTION_TYPES

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
