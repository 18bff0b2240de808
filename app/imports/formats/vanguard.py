"""Vanguard's download (OfxDownload.csv): a holdings section, then `Account Number,Trade Date,Settlement Date,
Transaction Type,Transaction Description,Investment Name,Symbol,Shares,Share Price,Principal Amount,
Commissions and Fees,Net Amount,Accrued Interest,Account Type`. Only the transactions are read.

A reinvestment is two lines, the Dividend (or capital gain) and the Reinvestment (the buy).
"""

from app.imports.formats.base import Format, fold
from app.imports.rows import Builder

TRADES = {"buy": "BUY", "sell": "SELL", "reinvestment": "BUY"}
DIVIDENDS = {"dividend", "capital gain (lt)", "capital gain (st)", "capital gain", "distribution",
             "return of capital"}
FEES = {"fee", "advisory fee", "foreign tax", "withholding"}
CASH = {"sweep in": "cash sweep", "sweep out": "cash sweep", "funds received": "deposit",
        "funds withdrawn": "withdrawal", "withdrawal": "withdrawal", "interest": "interest", "contribution": "deposit",
        "rollover (incoming)": "deposit", "rollover (outgoing)": "withdrawal"}
TRANSFERS = {"transfer (incoming)", "transfer (outgoing)", "conversion (incoming)", "conversion (outgoing)",
             "exchange (incoming)", "exchange (outgoing)"}
ADDED = {"stock split", "stock dividend"}
# Vanguard's settlement (money market) funds: the account's cash.
SETTLEMENT = {"VMFXX", "VMRXX", "VUSXX"}


class Vanguard(Format):
    name = "vanguard"
    label = "Vanguard transactions"
    header = "Account Number,Trade Date,Settlement Date,Transaction Type,…,Symbol,Shares,Share Price,…,Net Amount"
    columns = {
        "account": ("account number",),
        "date": ("trade date",),
        "settled": ("settlement date", "process date"),
        "type": ("transaction type",),
        "description": ("transaction description",),
        "note": ("investment name",),
        "ticker": ("symbol",),
        "quantity": ("shares",),
        "price": ("share price",),
        "principal": ("principal amount", "gross amount"),
        "fees": ("commissions and fees", "commission fees", "commission", "fees"),
        "amount": ("net amount",),
    }
    required = ("date", "type", "ticker", "quantity", "amount")
    numeric = ("quantity", "price", "principal", "fees", "amount")

    def knows_type(self, text):
        """Vanguard's transaction types."""
        key = fold(text)
        return any(key in group for group in (TRADES, DIVIDENDS, FEES, CASH, TRANSFERS, ADDED)) or key.startswith(
            "corp action")

    def parse(self, record, ctx):
        """Read one transaction by its type; the settlement fund's lines are cash."""
        b = Builder(record, ctx)
        action = record.get("type")
        key = fold(action)
        symbol = record.get("ticker").upper()
        if key in CASH:
            return b.skip(f"{action}: a cash movement ({CASH[key]}), not a holding.", CASH[key])
        if symbol in SETTLEMENT:
            return b.skip(f"{symbol}: the settlement fund, the account's cash.", "money market (cash)")
        day = b.date("date")
        common = {"ticker": symbol, "day": day, "note": record.get("note")}
        if key in TRADES:
            quantity, fees = b.number("quantity"), b.number("fees")
            return b.build(kind=TRADES[key], quantity=abs(quantity) if quantity is not None else None,
                           price=b.number("price"), fees=abs(fees) if fees else None, **common)
        if key in DIVIDENDS or key in FEES:
            amount = b.number("amount", required=True)
            if key in FEES and amount is not None and amount > 0:
                return b.skip(f"{action}: a refund, not a fee.", "refund")
            price = abs(amount) if amount is not None else None
            return b.build(kind="DIVIDEND" if key in DIVIDENDS else "FEE", quantity=1, price=price,
                           columns={"price": "amount"}, **common)
        if key in ADDED:
            added = b.number("quantity", required=True)
            b.row.split_added = abs(added) if added is not None else None
            return b.build(kind="SPLIT", quantity=None, **common)
        if key in TRANSFERS:
            quantity, price = b.number("quantity", required=True), b.number("price")
            if not price:
                return b.refuse("price", f"{action}: shares moved with no cost basis; add them by hand at what they "
                                "cost you.", ticker=symbol, day=day)
            return b.build(kind="SELL" if (quantity or 0) < 0 or "outgoing" in key else "BUY",
                           quantity=abs(quantity or 0) or None, price=price, **common)
        if key.startswith("corp action"):
            return b.refuse("type", f"{action}: not imported automatically; add it by hand.", ticker=symbol, day=day)
        return b.refuse("type", f"“{action[:60]}” is not a Vanguard type Folio knows." if action else
                        "empty; a type is needed.", ticker=symbol, day=day)


FORMAT = Vanguard()
