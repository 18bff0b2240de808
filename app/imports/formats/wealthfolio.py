"""Wealthfolio's CSV: `date,type,symbol,instrumentType,quantity,unit_price,currency,fee,amount,comment,…`."""

from app.imports.formats.base import Format
from app.imports.rows import Builder

TYPES = {
    "BUY": "BUY", "ADD_HOLDING": "BUY", "TRANSFER_IN": "BUY",
    "SELL": "SELL", "REMOVE_HOLDING": "SELL", "TRANSFER_OUT": "SELL",
    "DIVIDEND": "DIVIDEND", "FEE": "FEE", "TAX": "FEE", "SPLIT": "SPLIT",
}
CASH = {"DEPOSIT", "WITHDRAWAL", "INTEREST", "CONVERSION_IN", "CONVERSION_OUT", "CREDIT"}


class Wealthfolio(Format):
    name = "wealthfolio"
    label = "Wealthfolio CSV"
    header = "date,type,symbol,instrumentType,quantity,unit_price,currency,fee,amount,comment"
    columns = {
        "date": ("date",),
        "type": ("type", "activitytype", "activity type"),
        "ticker": ("symbol",),
        "instrument": ("instrumenttype", "instrument type"),
        "quantity": ("quantity",),
        "price": ("unit price", "unitprice"),
        "currency": ("currency",),
        "fees": ("fee",),
        "amount": ("amount",),
        "note": ("comment",),
        "account": ("accountid", "account id"),
    }
    required = ("date", "type", "ticker", "quantity", "price")
    one_of = (("instrument", "amount", "account"),)
    numeric = ("quantity", "price", "fees", "amount")

    def parse(self, record, ctx):
        """Read one Wealthfolio activity; cash activities are skipped."""
        b = Builder(record, ctx)
        action = "_".join(record.get("type").upper().split())
        symbol = record.get("ticker")
        if action in CASH or symbol.upper().startswith("$CASH") or record.get("instrument").upper() == "CASH":
            return b.skip(f"{action or 'A cash line'}: a cash movement, not a holding.")
        kind = TYPES.get(action, action)
        quantity, price, fees = b.number("quantity"), b.number("price"), b.number("fees")
        amount = b.number("amount")
        columns = {}
        if kind == "DIVIDEND" and amount:
            quantity, price, columns = 1, amount, {"price": "amount", "quantity": "amount"}
        elif kind == "FEE":
            cash = amount or (quantity or 0) * (price or 0) or fees
            quantity, price, fees = 1, cash, None if cash == fees else fees
            columns = {"price": "amount" if amount else "fees"}
        elif kind == "SPLIT":
            quantity = next((v for v in (amount, price, quantity) if v), quantity)
            price, columns = None, {"quantity": "amount" if amount else "quantity"}
        return b.build(
            kind=kind, ticker=symbol, day=b.date("date"), quantity=quantity, price=price, fees=fees,
            currency=record.get("currency"), note=record.get("note"), columns=columns,
        )


FORMAT = Wealthfolio()
