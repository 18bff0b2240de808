"""Wealthfolio's CSV: `date,type,symbol,instrumentType,quantity,unit_price,currency,fee,amount,comment,…,subtype`."""

from app.imports.formats.base import Format, per_unit
from app.imports.rows import Builder
from app.imports.values import ValueProblem

TYPES = {
    "BUY": "BUY", "ADD_HOLDING": "BUY", "TRANSFER_IN": "BUY",
    "SELL": "SELL", "REMOVE_HOLDING": "SELL", "TRANSFER_OUT": "SELL",
    "DIVIDEND": "DIVIDEND", "FEE": "FEE", "TAX": "FEE", "SPLIT": "SPLIT",
}
CASH = {"DEPOSIT": "deposit", "WITHDRAWAL": "withdrawal", "INTEREST": "interest",
        "CONVERSION_IN": "currency conversion", "CONVERSION_OUT": "currency conversion", "CREDIT": "cash credit"}
# Subtypes under which Wealthfolio itself books the dividend and a buy of `quantity` shares with it.
REINVESTED = {"DRIP", "DIVIDEND_REINVEST", "DIVIDEND_REINVESTMENT", "REINVEST", "REINVESTED"}


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
        "subtype": ("subtype", "sub type"),
    }
    required = ("date", "type", "ticker", "quantity", "price")
    one_of = (("instrument", "amount", "account"),)
    numeric = ("quantity", "price", "fees", "amount")

    def knows_type(self, text):
        """Wealthfolio's activity types."""
        key = "_".join(text.upper().split())
        return key in TYPES or key in CASH

    def parse(self, record, ctx):
        """Read one Wealthfolio activity; cash activities are skipped, a reinvested dividend is two rows."""
        b = Builder(record, ctx)
        action = "_".join(record.get("type").upper().split())
        symbol = record.get("ticker")
        if action in CASH or symbol.upper().startswith("$CASH") or record.get("instrument").upper() == "CASH":
            kind = CASH.get(action, "cash line")
            return b.skip(f"{action or 'A cash line'}: a cash movement ({kind}), not a holding.", kind)
        kind = TYPES.get(action, action)
        quantity, price, fees = b.number("quantity"), b.number("price"), b.number("fees")
        amount = b.number("amount")
        columns = {}
        reinvested = kind == "DIVIDEND" and record.get("subtype").upper() in REINVESTED
        if kind == "DIVIDEND" and (amount or reinvested):
            cash = amount or (quantity or 0) * (price or 0)
            if reinvested:
                return self._reinvested(b, record, ctx, quantity, cash)
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

    @staticmethod
    def _reinvested(b, record, ctx, quantity, cash):
        """A DRIP line: the dividend paid, and the buy of `quantity` shares it paid for."""
        common = {"ticker": record.get("ticker"), "currency": record.get("currency"), "note": record.get("note")}
        day = b.date("date")
        dividend = b.build(kind="DIVIDEND", day=day, quantity=1, price=cash, columns={"price": "amount"}, **common)
        buy = Builder(record, ctx)
        try:
            price = per_unit(cash, quantity) if quantity and cash else None
        except ValueProblem as exc:
            price = None
            buy.problem("amount", str(exc))
        bought = buy.build(kind="BUY", day=day, quantity=quantity, price=price, columns={"price": "amount"},
                           **common)
        return [dividend, bought]


FORMAT = Wealthfolio()
