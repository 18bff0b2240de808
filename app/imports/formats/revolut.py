"""Revolut's stock trading statement: `Date,Ticker,Type,Quantity,Price per share,Total Amount,Currency,FX Rate`.

A STOCK SPLIT line gives the shares the split added (0.164 TSLA on 25 Aug 2022), not a ratio.
"""

from app.imports.formats.base import Format, fold
from app.imports.rows import Builder

TRADES = {"buy": "BUY", "sell": "SELL"}
CASH = {"cash top-up": "deposit", "cash withdrawal": "withdrawal", "interest": "interest",
        "cash transfer": "cash transfer"}
FEES = {"custody fee", "fee", "commission", "service fee", "withholding tax", "dividend tax"}
# Revolut moved its customers' shares between its own companies: the shares were held before and after.
INTERNAL = "transfer from revolut"


class Revolut(Format):
    name = "revolut"
    label = "Revolut Invest"
    header = "Date,Ticker,Type,Quantity,Price per share,Total Amount,Currency,FX Rate"
    columns = {
        "date": ("date",),
        "ticker": ("ticker",),
        "type": ("type",),
        "quantity": ("quantity",),
        "price": ("price per share",),
        "amount": ("total amount",),
        "currency": ("currency",),
        "fx": ("fx rate",),
    }
    required = ("date", "ticker", "type", "quantity", "price", "amount")
    numeric = ("quantity", "price", "amount")

    def knows_type(self, text):
        """Revolut's types: BUY - MARKET, SELL - LIMIT, DIVIDEND, STOCK SPLIT, CASH TOP-UP, CUSTODY FEE…"""
        key = fold(text)
        head = key.split(" - ")[0]
        return head in TRADES or key in CASH or key in FEES or key in ("dividend", "stock split") or key.startswith(
            (INTERNAL, "transfer"))

    def parse(self, record, ctx):
        """Read one Revolut line: trades by the word before the dash, splits as the shares they added."""
        b = Builder(record, ctx)
        action = record.get("type")
        key = fold(action)
        symbol = record.get("ticker")
        if key in CASH:
            return b.skip(f"{action.title()}: a cash movement ({CASH[key]}), not a holding.", CASH[key])
        if key.startswith(INTERNAL) and symbol:
            return b.skip("Shares moved between Revolut's own companies: they were held before and after.",
                          "internal transfer")
        if key.startswith("transfer") and not symbol:
            return b.skip("Cash moved between Revolut's own companies, not a holding.", "cash transfer")
        common = {"ticker": symbol, "day": b.date("date"), "currency": record.get("currency")}
        head = key.split(" - ")[0]
        if head in TRADES:
            return b.build(kind=TRADES[head], quantity=b.number("quantity"), price=b.number("price"), **common)
        if key == "stock split":
            b.row.split_added = b.number("quantity", required=True)
            return b.build(kind="SPLIT", quantity=None, **common)
        amount = b.number("amount", required=True)
        money = {"quantity": 1, "price": abs(amount) if amount is not None else None, "columns": {"price": "amount"}}
        if key == "dividend":
            return b.build(kind="DIVIDEND", **money, **common)
        if key in FEES:
            return b.build(kind="FEE", **money, **common)
        unknown = f"“{action[:60]}” is not a Revolut type Folio knows." if action else "empty; a type is needed."
        return b.refuse("type", unknown, ticker=symbol, day=common["day"])


FORMAT = Revolut()
