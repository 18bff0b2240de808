"""Yahoo Finance's portfolio export: one line per lot, watchlist lines without a trade date or quantity."""

from app.imports.formats.base import Format
from app.imports.rows import Builder


class Yahoo(Format):
    name = "yahoo"
    label = "Yahoo Finance portfolio export"
    header = "Symbol,Current Price,Date,Time,…,Trade Date,Purchase Price,Quantity,Commission,…"
    columns = {
        "ticker": ("symbol",),
        "current": ("current price",),
        "trade_date": ("trade date",),
        "price": ("purchase price",),
        "quantity": ("quantity",),
        "fees": ("commission",),
        "note": ("comment",),
    }
    required = ("ticker", "trade_date", "price", "quantity")
    numeric = ("quantity", "price", "fees", "current")
    date_column = "trade_date"

    def parse(self, record, ctx):
        """Make one BUY per lot; a watchlist line is skipped."""
        b = Builder(record, ctx)
        if not record.get("trade_date") or not record.get("quantity"):
            return b.skip("A watchlist line (no trade date or quantity), not a holding.")
        return b.build(
            kind="BUY",
            ticker=record.get("ticker"),
            day=b.date("trade_date"),
            quantity=b.number("quantity"),
            price=b.number("price"),
            fees=b.number("fees"),
            note=record.get("note"),
        )


FORMAT = Yahoo()
