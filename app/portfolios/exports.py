"""CSV downloads of the Income page: the dividends received, and realized gains per tax year."""

import csv
import io

from app.imports.export import neutralize

REALIZED_COLUMNS = ("tax_year", "sold", "ticker", "quantity", "acquired", "acquired_last", "proceeds", "cost_basis",
                    "gain", "holding_period", "cost_method", "currency")
INCOME_COLUMNS = ("date", "ticker", "source", "shares", "per_share", "currency", "amount", "amount_in_base", "base")


def _plain(value):
    """A float without exponent or trailing zeros: 1000.0 → 1000, 0.125 → 0.125."""
    text = f"{value:.8f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def realized_csv(report, year=None):
    """The report's sales (of one tax year, or all) as CSV, oldest first, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REALIZED_COLUMNS)
    for sale in report.sales:
        if year is not None and sale.tax_year != year:
            continue
        cells = (str(sale.tax_year), sale.sold.isoformat(), neutralize(sale.ticker), _plain(sale.quantity),
                 sale.acquired.isoformat(), sale.acquired_last.isoformat(), f"{sale.proceeds:.2f}", f"{sale.cost:.2f}",
                 f"{sale.gain:.2f}", sale.term, report.method, report.currency)
        writer.writerow(cells)
    return out.getvalue()


def income_csv(payload):
    """The income report's payments as CSV, newest first, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(INCOME_COLUMNS)
    for p in payload["payments"]:
        cells = (p["date"], neutralize(p["ticker"]), p["source"], _plain(p["shares"]),
                 "" if p["per_share"] is None else _plain(p["per_share"]), p["currency"], f"{p['amount']:.4f}",
                 f"{p['amount_base']:.2f}", payload["currency"])
        writer.writerow(cells)
    return out.getvalue()
