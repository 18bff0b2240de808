"""Interactive Brokers Flex Query trades: many quoted columns, most of them ignored."""

import re

from app.imports.formats.base import Format
from app.imports.rows import Builder

# IBKR's listing exchange → Yahoo's suffix, for the exchanges people hold most outside the US.
SUFFIXES = {
    "LSE": ".L", "LSEETF": ".L", "TSE": ".TO", "VENTURE": ".V", "SBF": ".PA", "IBIS": ".DE", "IBIS2": ".DE",
    "FWB": ".F", "AEB": ".AS", "EBS": ".SW", "SEHK": ".HK", "TSEJ": ".T", "ASX": ".AX", "BVME": ".MI",
    "BM": ".MC", "SFB": ".ST", "CPH": ".CO", "OSE": ".OL",
}
HELD = {"", "STK", "ETF", "FUND"}
CURRENCY_PAIR = re.compile(r"^[A-Z]{3}\.[A-Z]{3}$")
LEVELS = {"", "EXECUTION", "ORDER"}


class Ibkr(Format):
    name = "ibkr"
    label = "Interactive Brokers Flex trades"
    header = '"Buy/Sell","TradeDate","Symbol","ISIN","Quantity","TradePrice","CurrencyPrimary","IBCommission",…'
    columns = {
        "side": ("buy/sell",),
        "date": ("tradedate",),
        "datetime": ("datetime", "date/time"),
        "ticker": ("symbol",),
        "isin": ("isin",),
        "quantity": ("quantity",),
        "price": ("tradeprice",),
        "currency": ("currencyprimary", "currency"),
        "fees": ("ibcommission", "commission"),
        "asset": ("assetclass",),
        "exchange": ("listingexchange",),
        "level": ("levelofdetail",),
        "note": ("description",),
    }
    required = ("price", "quantity")
    one_of = (("ticker", "isin"), ("side", "date"))
    type_column = "side"

    def knows_type(self, text):
        """IBKR's Buy/Sell values (with their cancellation marks)."""
        return text.upper().startswith(("BUY", "SELL"))

    def parse(self, record, ctx):
        """Read one execution; summaries, cancellations and non-stock trades are skipped."""
        b = Builder(record, ctx)
        level, asset = record.get("level").upper(), record.get("asset").upper()
        side = record.get("side").upper()
        if level not in LEVELS:
            return b.skip(f"A {level.lower().replace('_', ' ')} line, not a trade.", "summary line")
        symbol, isin = record.get("ticker"), record.get("isin")
        if asset == "CASH" or CURRENCY_PAIR.match(symbol) or CURRENCY_PAIR.match(record.get("note")) or (
                not symbol and not isin):
            return b.skip("A currency conversion (no security bought or sold): cash only.", "currency conversion")
        if asset not in HELD:
            return b.skip(f"{asset} trades are not tracked (only stocks, ETFs and funds).", "not a stock or fund")
        if "CA." in side:
            return b.skip("A cancellation of an earlier trade.", "cancellation")
        quantity = b.number("quantity")
        if side.startswith(("BUY", "SELL")):
            kind = "BUY" if side.startswith("BUY") else "SELL"
        elif not side and quantity:
            kind = "BUY" if quantity > 0 else "SELL"
        else:
            kind = side or ""
        fees = b.number("fees")
        date_key = "date" if record.get("date") or not record.has("datetime") else "datetime"
        return b.build(
            kind=kind,
            ticker=self.ticker(record),
            isin=record.get("isin"),
            exchange=SUFFIXES.get(record.get("exchange").upper(), "US" if record.get("currency") == "USD" else None),
            day=b.date(date_key),
            quantity=abs(quantity) if quantity is not None else None,
            price=b.number("price"),
            fees=abs(fees) if fees is not None else None,
            currency=record.get("currency"),
            note=record.get("note"),
            columns={"type": "side"},
        )

    @staticmethod
    def ticker(record):
        """Return Yahoo's form of the symbol (`BRK B` → `BRK-B`, `VOD` on LSE → `VOD.L`); '' when there is none."""
        symbol = "-".join(record.get("ticker").split())
        if not symbol:
            return ""
        suffix = SUFFIXES.get(record.get("exchange").upper(), "")
        return symbol + suffix if suffix and "." not in symbol else symbol


FORMAT = Ibkr()
