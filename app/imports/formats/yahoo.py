"""Yahoo Finance's portfolio export: one line per lot, watchlist lines without a trade date or quantity.

Current exports add a `Transaction Type` column (BUY, SELL, and cash lines under the symbol `$$CASH_TX`).
"""

from app.imports.formats.base import Format
from app.imports.rows import Builder

CASH_SYMBOL = "$$CASH_TX"
TRADES = {"BUY": "BUY", "SELL": "SELL"}
CASH = {"DEPOSIT": "deposit", "WITHDRAWAL": "withdrawal", "INTEREST": "interest", "DIVIDEND": "cash dividend"}


class Yahoo(Format):
    name = "yahoo"
    label = "Yahoo Finance portfolio export"
    header = "Symbol,Current Price,Date,Time,…,Trade Date,Purchase Price,Quantity,Commission,…,Transaction Type"
    columns = {
        "ticker": ("symbol",),
        "current": ("current price",),
        "trade_date": ("trade date",),
        "price": ("purchase price",),
        "quantity": ("quantity",),
        "fees": ("commission",),
        "note": ("comment",),
        "type": ("transaction type",),
    }
    required = ("ticker", "trade_date", "price", "quantity")
    numeric = ("quantity", "price", "fees", "current")
    date_column = "trade_date"

    def knows_type(self, text):
        """Yahoo's transaction types."""
        key = text.strip().upper()
        return key in TRADES or key in CASH or key == "FEE"

    def parse(self, record, ctx):
        """Make one BUY or SELL per lot (a BUY when the file has no type); a watchlist line is skipped."""
        b = Builder(record, ctx)
        if not record.get("trade_date") or not record.get("quantity"):
            return b.skip("A watchlist line (no trade date or quantity), not a holding.", "watchlist line")
        action = record.get("type").upper() or "BUY"
        symbol = record.get("ticker")
        if symbol.upper() == CASH_SYMBOL:
            if action in CASH:
                return b.skip(f"{action.title()}: a cash movement ({CASH[action]}), not a holding.", CASH[action])
            if action == "FEE":  # a cash line's amount is in its Quantity column
                return b.build(kind="FEE", ticker="", day=b.date("trade_date"), quantity=1,
                               price=b.number("quantity"), note=record.get("note"), columns={"price": "quantity"})
        return b.build(
            kind=TRADES.get(action, action),
            ticker=symbol,
            day=b.date("trade_date"),
            quantity=b.number("quantity"),
            price=b.number("price"),
            fees=b.number("fees"),
            note=record.get("note"),
        )


FORMAT = Yahoo()
