"""Charles Schwab's transaction history: `Date,Action,Symbol,Description,Quantity,Price,Fees & Comm,Amount`."""

import re

from app.imports.formats.base import Format, fold
from app.imports.rows import Builder

AS_OF = re.compile(r"\bas\s+of\s+(\S+)", re.IGNORECASE)
# Schwab books a reinvestment as two lines: the cash in (a dividend action) and "Reinvest Shares" (the buy).
TRADES = {"buy": "BUY", "reinvest shares": "BUY", "sell": "SELL"}
DIVIDENDS = {
    "reinvest dividend", "qualified dividend", "cash dividend", "non-qualified div", "special dividend",
    "special qual div", "special non qual div", "pr yr div reinvest", "pr yr cash div", "pr yr special div",
    "qual div reinvest", "long term cap gain", "short term cap gain", "lt cap gain reinvest", "st cap gain reinvest",
    "long term cap gain reinvest", "short term cap gain reinvest", "pr yr non qual div", "qualified dividend reinvest",
    "non-qualified dividend", "return of capital",
}
FEES = {"adr mgmt fee", "service fee", "foreign tax paid", "nra tax adj", "nra withholding", "misc fee",
        "advisor fee", "wire fee", "management fee"}
CASH = {
    "bank interest": "interest", "credit interest": "interest", "margin interest": "interest",
    "bond interest": "interest", "interest adj": "interest", "moneylink transfer": "deposit or withdrawal",
    "moneylink deposit": "deposit", "journal": "cash transfer", "wire funds": "withdrawal",
    "wire funds received": "deposit", "wire received": "deposit", "wire sent": "withdrawal",
    "bank transfer": "cash transfer", "funds received": "deposit", "internal transfer": "cash transfer",
    "misc cash entry": "cash entry", "cash in lieu": "cash in lieu", "schwab1 int": "interest",
}
ADDED = {"stock split", "stock div dist", "stock dividend"}
# Shares moved in or out: a buy or a sell at the cost basis when the line gives one, else the person adds it.
TRANSFERS = {"security transfer", "journaled shares", "conversion", "shares in", "shares out", "transfer of security"}
BY_HAND = {
    "stock merger", "spin-off", "reverse split", "name change", "mandatory reorg exc", "exchange or exercise",
    "expired", "assigned", "buy to open", "buy to close", "sell to open", "sell to close", "sell short",
    "buy to cover", "cash merger", "reorganized issue",
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

    def knows_type(self, text):
        """Schwab's actions."""
        key = fold(text)
        return any(key in group for group in (TRADES, DIVIDENDS, FEES, CASH, ADDED, TRANSFERS, BY_HAND))

    def parse(self, record, ctx):
        """Map one Schwab action to a transaction; cash movements are skipped."""
        b = Builder(record, ctx)
        action = record.get("type")
        key = fold(action)
        if key in CASH:
            return b.skip(f"{action}: a cash movement ({CASH[key]}), not a holding.", CASH[key])
        if key in BY_HAND:
            return b.skip(f"{action}: not imported; add it by hand if it changed your holdings.", "add by hand")
        text = record.get("date")
        as_of = AS_OF.search(text)
        day = b.date("date", text=as_of.group(1) if as_of else text)
        common = {"ticker": record.get("ticker"), "day": day, "note": record.get("note")}
        if key in TRADES:
            quantity, price, fees = b.number("quantity"), b.number("price"), b.number("fees")
            return b.build(kind=TRADES[key], quantity=_abs(quantity), price=price, fees=_abs(fees), **common)
        if key in ADDED:
            b.row.split_added = _abs(b.number("quantity", required=True))
            return b.build(kind="SPLIT", quantity=None, price=None, **common)
        if key in TRANSFERS:
            return self._transfer(b, action, common)
        money = {"quantity": 1, "columns": {"price": "amount"}}
        if key in DIVIDENDS:
            return b.build(kind="DIVIDEND", price=_abs(b.number("amount", required=True)), **money, **common)
        if key in FEES:
            amount = b.number("amount", required=True)
            if amount is not None and amount > 0:
                return b.skip(f"{action}: a refund, not a fee.", "refund")
            return b.build(kind="FEE", price=_abs(amount), **money, **common)
        unknown = f"“{action[:40]}” is not a Schwab action Folio knows." if action else "empty; an action is needed."
        return b.refuse("type", unknown, ticker=record.get("ticker"), day=day)

    @staticmethod
    def _transfer(b, action, common):
        """Shares in (positive) or out (negative): a buy or sell at the price given, else flagged for the person."""
        quantity, price = b.number("quantity", required=True), b.number("price")
        kind = "SELL" if quantity is not None and quantity < 0 else "BUY"
        if not price:
            b.problem("price", f"{action}: shares moved {'out' if kind == 'SELL' else 'in'} with no cost basis; "
                      "add them by hand at what they cost you.")
            price = None
        return b.build(kind=kind, quantity=_abs(quantity), price=price, **common)


def _abs(value):
    return abs(value) if value is not None else None


FORMAT = Schwab()
