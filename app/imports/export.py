"""Export a portfolio in Folio's own CSV format, safe to open in a spreadsheet."""

import csv
import io

from app.portfolios.service import transactions_of

EXPORT_COLUMNS = ("date", "type", "ticker", "quantity", "price", "fees", "currency", "note")
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _plain(value):
    """Write a Decimal without exponent or trailing zeros."""
    text = f"{value.normalize():f}" if value is not None else "0"
    return "0" if text in ("-0", "") else text


def neutralize(cell):
    """Keep a spreadsheet from running a cell as a formula: prefix `'` to one starting with = + - @."""
    return f"'{cell}" if cell.startswith(FORMULA_START) else cell


def export_csv(portfolio_id):
    """Return the portfolio's transactions in our own CSV format, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for t in reversed(transactions_of(portfolio_id)):
        cells = (t.trade_date.isoformat(), t.type, t.ticker, _plain(t.quantity), _plain(t.price), _plain(t.fees),
                 t.currency or "", t.note or "")
        writer.writerow([neutralize(cell) for cell in cells])
    return out.getvalue()
