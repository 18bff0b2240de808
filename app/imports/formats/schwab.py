"""Charles Schwab's transaction history: `Date,Action,Symbol,Description,Quantity,Price,Fees & Comm,Amount`."""

import re

from app.imports.formats.base import Format
from app.imports.rows import Builder

AS_OF = re.compile(r"\bas\s+of\s+(\S+)", re.IGNORECASE)
TRADES = {"buy": "BUY", "reinvest shares": "BUY", "sell": "SELL"}
DIVIDENDS = {
    "reinvest dividend", "qualified dividend", "cash dividend", "non-qualified div", "special dividend",
    "special qual div", "pr yr div reinvest", "pr yr cash div", "pr yr special div", "qual div reinvest",
    "long term cap gain", "short term cap gain", "lt cap gain reinvest", "st cap gain reinvest",
}
FEES = {"adr mgmt fee", "service fee", "foreign tax paid", "nra tax adj", "misc fee"}
CASH = {
    "bank interest", "credit interest", "margin interest", "moneylink transfer", "moneylink deposit", "journal",
    "wire funds", "wire received", "wire sent", "bank transfer", "funds received", "internal transfer",
    "interest adj", "misc cash entry", "cash in lieu", "bond interest",
}
BY_HAND = {
    "stock merger", "spin-off", "reverse split", "security transfer", "journaled shares", "name change",
    "mandatory reorg exc", "exchange or exercise", "expired", "assigned", "buy to open", "buy to close",
    "sell to open", "sell to close", "sell short", "buy to cover", "stock dividend",
}


class Schwab(Format):
    name = "schwab"
    label = "Charles Schwab transactions"
    header = "Date,Action,Symbol,Description,Quantity,Price,Fees & Comm,Amount"
    columns = {
        "date": ("date",),
        "type": ("action",),
        "ticker": ("symbol",),
        "note": ("description",),
        "quantity": ("quantity",),
        "price": ("price",),
        "fees": ("fees & comm", "fees & commissions", "fees and comm"),
        "amount": ("amount",),
    }
    required = ("date", "type", "ticker", "fees", "amount")
    numeric = ("quantity", "price", "fees", "amount")
    date_order = "mdy"

    def parse(self, record, ctx):
        """Map one Schwab action to a transaction; cash movements are skipped."""
        b = Builder(record, ctx)
        action = record.get("type")
        key = " ".join(action.lower().split())
        if key in CASH:
            return b.skip(f"{action}: a cash movement, not a holding.")
        if key in BY_HAND:
            return b.skip(f"{action}: not imported; add it by hand if it changed your holdings.")
        text = record.get("date")
        as_of = AS_OF.search(text)
        day = b.date("date", text=as_of.group(1) if as_of else text)
        common = {"ticker": record.get("ticker"), "day": day, "note": record.get("note")}
        if key in TRADES:
            quantity, price, fees = b.number("quantity"), b.number("price"), b.number("fees")
            return b.build(kind=TRADES[key], quantity=_abs(quantity), price=price, fees=_abs(fees), **common)
        if key == "stock split":
            b.row.split_added = _abs(b.number("quantity", required=True))
            return b.build(kind="SPLIT", quantity=None, price=None, **common)
        money = {"quantity": 1, "columns": {"price": "amount"}}
        if key in DIVIDENDS:
            return b.build(kind="DIVIDEND", price=b.number("amount", required=True), **money, **common)
        if key in FEES:
            amount = b.number("amount", required=True)
            if amount is not None and amount > 0:
                return b.skip(f"{action}: a refund, not a fee.")
            return b.build(kind="FEE", price=_abs(amount), **money, **common)
        unknown = f"“{action[:40]}” is not a Schwab action Folio knows." if action else "empty; an action is needed."
        b.problem("type", unknown)
        b.row.trade_date, b.row.ticker = day, record.get("ticker")[:32] or None
        return b.row


def _abs(value):
    return abs(value) if value is not None else None


FORMAT = Schwab()
