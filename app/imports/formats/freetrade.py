"""Freetrade's activity export: `Title,Type,Timestamp,Account Currency,Total Amount,Buy / Sell,Ticker,ISIN,…`.

Prices are given in both currencies; the instrument's is kept, and fees charged in the account's currency
(stamp duty, the FX fee) are converted at the line's FX rate.
"""

from app.imports.formats.base import Format, fold
from app.imports.formats.listing import symbol_or_isin
from app.imports.rows import Builder

CASH = {"top up": "deposit", "top_up": "deposit", "withdrawal": "withdrawal", "interest from cash": "interest",
        "interest_from_cash": "interest", "monthly statement": "statement line", "monthly_statement": "statement line",
        "tax certificate": "statement line"}
ORDERS = {"order", "freeshare order", "freeshare_order"}


class Freetrade(Format):
    name = "freetrade"
    label = "Freetrade"
    header = "Title,Type,Timestamp,Account Currency,Total Amount,Buy / Sell,Ticker,ISIN,…,Price per Share,…"
    columns = {
        "name": ("title",),
        "type": ("type",),
        "date": ("timestamp",),
        "account_currency": ("account currency",),
        "amount": ("total amount",),
        "side": ("buy / sell",),
        "ticker": ("ticker",),
        "isin": ("isin",),
        "account_price": ("price per share in account currency",),
        "stamp": ("stamp duty",),
        "quantity": ("quantity",),
        "currency": ("instrument currency",),
        "price": ("price per share",),
        "rate": ("fx rate",),
        "fx_fee": ("fx fee amount",),
        "eligible": ("dividend eligible quantity",),
        "per_share": ("dividend amount per share",),
        "gross": ("dividend gross distribution amount",),
        "tax": ("dividend withheld tax amount",),
    }
    required = ("name", "type", "date", "side", "ticker", "isin", "quantity")
    numeric = ("amount", "quantity", "price", "stamp", "fx_fee", "per_share")

    def knows_type(self, text):
        """Freetrade's activity types."""
        key = fold(text)
        return key in ORDERS or key in CASH or key == "dividend"

    def parse(self, record, ctx):
        """Read an order or a dividend; cash lines and statements are left out."""
        b = Builder(record, ctx)
        action = record.get("type")
        key = fold(action)
        if key in CASH:
            return b.skip(f"{record.get('name') or action}: a cash line ({CASH[key]}), not a holding.", CASH[key])
        currency = (record.get("currency") or record.get("account_currency")).upper()
        ticker, exchange = symbol_or_isin(record.get("ticker"), currency)
        common = {"ticker": ticker, "isin": record.get("isin"), "name": record.get("name"), "exchange": exchange,
                  "day": b.date("date"), "currency": currency}
        if key in ORDERS:
            side = record.get("side").upper()
            return b.build(kind={"BUY": "BUY", "SELL": "SELL"}.get(side, side), quantity=b.number("quantity"),
                           price=b.number("price") or b.number("account_price"), fees=self._fees(b, record, currency),
                           **common)
        if key == "dividend":
            tax = b.number("tax")
            return b.build(kind="DIVIDEND", quantity=b.number("eligible") or b.number("quantity"),
                           price=b.number("per_share"), fees=abs(tax) if tax else None,
                           columns={"quantity": "eligible", "price": "per_share", "fees": "tax"}, **common)
        unknown = f"“{action[:60]}” is not a Freetrade type Folio knows." if action else "empty; a type is needed."
        return b.refuse("type", unknown, ticker=ticker or record.get("isin"), day=common["day"])

    @staticmethod
    def _fees(b, record, currency):
        """Stamp duty and the FX fee, charged in the account's currency, in the instrument's."""
        total = sum(abs(b.number(key) or 0) for key in ("stamp", "fx_fee"))
        if not total:
            return None
        account = record.get("account_currency").upper()
        rate = b.number("rate") if record.get("rate") else None
        return total * rate if account != currency and rate else total


FORMAT = Freetrade()
