"""Trading 212's history export: `Action,Time,ISIN,Ticker,Name,No. of shares,Price / share,Currency (Price / share),…`.

Amounts in `Total` and the fee columns are in the account's currency; prices in the instrument's.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP

from app.imports.formats.base import Format, fold
from app.imports.formats.listing import symbol_or_isin
from app.imports.rows import Builder, Problem
from app.imports.values import PLACES

CASH = {"deposit": "deposit", "withdrawal": "withdrawal", "currency conversion": "currency conversion",
        "interest on cash": "interest", "lending interest": "interest", "spending cashback": "cashback",
        "card debit": "card payment", "card credit": "card payment", "new card cost": "card payment",
        "result adjustment": "adjustment", "transfer": "cash transfer"}
FEE_COLUMNS = ("currency conversion fee", "stamp duty reserve tax", "transaction fee", "finra fee",
               "french transaction tax", "stamp duty", "charge amount")
SPLIT_OLD, SPLIT_NEW = "stock split close", "stock split open"


class Trading212(Format):
    name = "trading212"
    label = "Trading 212"
    header = "Action,Time,ISIN,Ticker,Name,No. of shares,Price / share,Currency (Price / share),Exchange rate,…"
    columns = {
        "type": ("action",),
        "date": ("time",),
        "isin": ("isin",),
        "ticker": ("ticker",),
        "name": ("name",),
        "quantity": ("no. of shares",),
        "price": ("price / share",),
        "currency": ("currency (price / share)",),
        "rate": ("exchange rate",),
        "total": ("total*",),
        "total_currency": ("currency (total)",),
        "tax": ("withholding tax",),
        "tax_currency": ("currency (withholding tax)",),
        "note": ("notes",),
        **{f"fee{i}": (f"{name}*",) for i, name in enumerate(FEE_COLUMNS)},
        **{f"fee{i}_currency": (f"currency ({name})",) for i, name in enumerate(FEE_COLUMNS)},
    }
    required = ("type", "date", "quantity", "price")
    one_of = (("isin", "ticker"),)
    numeric = ("quantity", "price", "total", "tax")

    def knows_type(self, text):
        """Trading 212's actions: Market buy, Limit sell, Dividend (Ordinary), Deposit, Currency conversion…"""
        key = fold(text)
        return key.endswith(("buy", "sell")) or key.startswith("dividend") or key in CASH or key in (
            "stock distribution", SPLIT_OLD, SPLIT_NEW)

    def parse(self, record, ctx):
        """Read one line; fees in the account's currency go with the trade when the line gives the rate."""
        b = Builder(record, ctx)
        action = record.get("type")
        key = fold(action)
        if key in CASH:
            return b.skip(f"{action}: a cash movement ({CASH[key]}), not a holding.", CASH[key])
        currency = record.get("currency").upper()
        ticker, exchange = symbol_or_isin(record.get("ticker"), currency)
        common = {"ticker": ticker, "isin": record.get("isin"), "name": record.get("name"), "exchange": exchange,
                  "day": b.date("date"), "currency": currency, "note": record.get("note")}
        if key.endswith(("buy", "sell")):
            fees, extra = self._fees(b, record, currency)
            row = b.build(kind="BUY" if key.endswith("buy") else "SELL", quantity=b.number("quantity"),
                          price=b.number("price"), fees=fees, **common)
            return [row, *self._fee_rows(record, ctx, extra, common)]
        if key.startswith("dividend"):
            if not record.get("price"):  # only the amount paid, in the account's currency
                total = b.number("total", required=True)
                return b.build(kind="DIVIDEND", quantity=1, price=total, columns={"price": "total"},
                               **{**common, "currency": record.get("total_currency") or ctx.currency})
            tax = b.number("tax")
            tax_currency = record.get("tax_currency").upper() or currency
            same = tax is not None and tax_currency == currency
            row = b.build(kind="DIVIDEND", quantity=b.number("quantity"), price=b.number("price"),
                          fees=abs(tax) if same else None, **common)
            return [row, *self._fee_rows(record, ctx, [] if same or not tax else [(abs(tax), tax_currency)], common)]
        if key == "stock distribution":
            b.row.split_added = b.number("quantity", required=True)
            return b.build(kind="SPLIT", quantity=None, **common)
        if key in (SPLIT_OLD, SPLIT_NEW):
            b.row.role = key
            return b.build(kind="SPLIT", quantity=b.number("quantity"), **common)
        unknown = (f"“{action[:60]}” is not a Trading 212 action Folio knows." if action else
                   "empty; an action is needed.")
        return b.refuse("type", unknown, ticker=ticker or record.get("isin"), day=common["day"])

    @staticmethod
    def _fees(b, record, currency):
        """Return (fees in the price's currency, [(fee, currency)] that could not be converted)."""
        rate = b.number("rate") if _numeric(record.get("rate")) else None
        total, left = 0, []
        for i in range(len(FEE_COLUMNS)):
            value = b.number(f"fee{i}")
            if not value:
                continue
            code = record.get(f"fee{i}_currency").upper()
            label = record.label(f"fee{i}")
            if not code and label.endswith(")"):  # older exports: "Stamp duty reserve tax (GBP)"
                code = label[label.rfind("(") + 1:-1].upper()
            if code in ("", currency):
                total += abs(value)
            elif rate:
                total += abs(value) * rate  # the rate is the price's currency per unit of the account's
            else:
                left.append((abs(value), code))
        return total or None, left

    @staticmethod
    def _fee_rows(record, ctx, fees, common):
        """FEE rows for amounts in another currency than the price's."""
        rows = []
        for amount, code in fees:
            fee = Builder(record, ctx)
            rows.append(fee.build(kind="FEE", quantity=1, price=amount, **{**common, "currency": code}))
        return rows

    def finish(self, rows, ctx, notes):
        """Pair each split's old shares (close) with its new ones (open): one SPLIT of new ÷ old."""
        halves = defaultdict(dict)
        for row in rows:
            if row.role and row.valid:
                halves[(row.ticker, row.trade_date)][row.role] = row
        for pair in halves.values():
            old, new = pair.get(SPLIT_OLD), pair.get(SPLIT_NEW)
            if old and new:
                new.quantity = (new.quantity / old.quantity).quantize(PLACES, rounding=ROUND_HALF_UP)
                old.skipped, old.skip_kind = f"The shares before the split on line {new.line}.", "split (old shares)"
            else:
                lone = old or new
                lone.problems.append(Problem("Action", "Only one half of a split (its close and open lines go "
                                                       "together): add the split by hand."))
        return rows


def _numeric(text):
    return any(c.isdigit() for c in text or "")


FORMAT = Trading212()
