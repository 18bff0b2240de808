"""Fidelity's account history: `Run Date,Action,Symbol,…,Quantity,Price ($),Commission ($),Fees ($),…,Amount ($)`.

Actions are sentences ("YOU BOUGHT APPLE INC (AAPL) (Cash)"); a reinvestment is two lines, the
DIVIDEND RECEIVED and the REINVESTMENT (the buy). Multi-account exports name the columns without `($)`.
"""

import re

from app.imports.formats.base import Format, fold
from app.imports.rows import Builder

# The first words of an action, what it is: the first that matches decides.
ACTIONS = (
    (("you bought", "bought", "reinvestment", "purchase into core"), "BUY"),
    (("you sold", "sold"), "SELL"),
    (("dividend received", "short-term cap gain", "long-term cap gain", "return of capital", "dividend"),
     "DIVIDEND"),
    (("foreign tax paid", "adr fee", "fee charged", "advisory fee", "management fee"), "FEE"),
    (("distribution",), "ADDED"),
    (("transferred from", "transferred to", "transfer of assets", "journaled"), "TRANSFER"),
    (("interest earned", "muni exempt int", "interest"), "interest"),
    (("electronic funds transfer received", "check received", "direct deposit", "deposit", "cash contribution",
      "partic contr"), "deposit"),
    (("electronic funds transfer paid", "check paid", "bill payment", "debit card", "withdrawal"), "withdrawal"),
    (("merger", "redemption", "exchanged", "reverse split", "spin", "expired", "assigned", "conversion"), "BY_HAND"),
)
CASH_ACTIONS = {"interest", "deposit", "withdrawal"}
# Fidelity's core (sweep) money market funds: the account's cash.
CORE = {"SPAXX", "FDRXX", "FZFXX", "FCASH", "SPRXX", "FZDXX", "FDLXX", "CORE"}
CUSIP = re.compile(r"^[0-9A-Z]{8}\d$")


class Fidelity(Format):
    name = "fidelity"
    label = "Fidelity account history"
    header = "Run Date,Action,Symbol,Description,Type,Quantity,Price ($),Commission ($),Fees ($),…,Amount ($),…"
    columns = {
        "date": ("run date",),
        "account": ("account",),
        "type": ("action",),
        "ticker": ("symbol",),
        "note": ("security description", "description"),
        "quantity": ("quantity",),
        "price": ("price ($)", "price"),
        "commission": ("commission ($)", "commission"),
        "fees": ("fees ($)", "fees"),
        "amount": ("amount ($)", "amount"),
        "currency": ("currency",),
    }
    required = ("date", "type", "ticker", "quantity", "amount")
    numeric = ("quantity", "price", "commission", "fees", "amount")
    type_column = None  # actions are open-ended sentences
    date_order = "mdy"

    def parse(self, record, ctx):
        """Read one history line by the first words of its action."""
        b = Builder(record, ctx)
        if not record.get("date")[:1].isdigit():
            return b.skip("A note in the file, not a transaction.", "not a data line")
        action = record.get("type")
        kind = classify(action)
        symbol = record.get("ticker").upper()
        if kind in CASH_ACTIONS or (kind in ("TRANSFER", None) and not symbol):
            what = kind if kind in CASH_ACTIONS else "cash transfer"
            return b.skip(f"{action[:60]}: a cash movement ({what}), not a holding.", what)
        if symbol in CORE:
            return b.skip(f"{symbol}: the account's core money market fund, its cash.", "money market (cash)")
        if symbol.startswith("-"):
            return b.skip(f"{symbol}: an option, not tracked.", "option")
        if CUSIP.match(symbol) and sum(c.isdigit() for c in symbol) >= 3:
            return b.skip(f"{symbol}: a bond or a security without a ticker (a CUSIP), not tracked.",
                          "bond or CUSIP")
        day = b.date("date")
        common = {"ticker": symbol, "day": day, "note": record.get("note"), "currency": record.get("currency")}
        if kind in ("BUY", "SELL"):
            fees = sum(abs(b.number(key) or 0) for key in ("commission", "fees")) or None
            quantity = b.number("quantity")
            return b.build(kind=kind, quantity=abs(quantity) if quantity is not None else None,
                           price=b.number("price"), fees=fees, **common)
        if kind in ("DIVIDEND", "FEE"):
            amount = b.number("amount", required=True)
            if kind == "FEE" and amount is not None and amount > 0:
                return b.skip(f"{action[:60]}: a refund, not a fee.", "refund")
            price = abs(amount) if amount is not None else None
            return b.build(kind=kind, quantity=1, price=price, columns={"price": "amount"}, **common)
        if kind == "ADDED":
            added = b.number("quantity", required=True)
            b.row.split_added = abs(added) if added is not None else None
            return b.build(kind="SPLIT", quantity=None, **common)
        if kind == "TRANSFER":
            quantity, price = b.number("quantity", required=True), b.number("price")
            if not price:
                return b.refuse("price", f"{action[:60]}: shares moved with no cost basis; add them by hand at what "
                                "they cost you.", ticker=symbol, day=day)
            return b.build(kind="SELL" if (quantity or 0) < 0 else "BUY", quantity=abs(quantity or 0) or None,
                           price=price, **common)
        if kind == "BY_HAND":
            return b.refuse("type", f"{action[:60]}: not imported automatically; add it by hand.",
                            ticker=symbol, day=day)
        return b.refuse("type", f"“{action[:60]}” is not a Fidelity action Folio knows." if action else
                        "empty; an action is needed.", ticker=symbol, day=day)


def classify(action):
    """Return what an action sentence is, from its first words (None when unknown)."""
    key = fold(action)
    for starts, kind in ACTIONS:
        if key.startswith(starts):
            return kind
    return None


FORMAT = Fidelity()
