"""Turning what the caller has (a trades DataFrame, or holdings.Trade objects) into one clean trades frame."""

from dataclasses import is_dataclass

import numpy as np
import pandas as pd

from app.analytics.calendar import normalize_dates
from app.analytics.holdings import TYPE_RANK

TRADE_COLUMNS = ["ticker", "type", "trade_date", "quantity", "price", "fees", "currency"]


def trades_frame(trades):
    """Build the trades DataFrame (TRADE_COLUMNS) from holdings.Trade objects or dicts with those keys."""
    rows = [vars(t) if is_dataclass(t) else dict(t) for t in trades]  # asdict deep-copies every value: slow
    frame = pd.DataFrame(rows)
    for column in TRADE_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame[TRADE_COLUMNS]


def normalize_trades(trades, currencies=None, base="USD"):
    """Return a clean copy of the trades: floats, midnight dates, upper-case types, a currency on every row.

    Decimal, string or missing numbers become floats (missing price and fees are 0); a row without a
    currency takes its ticker's quote currency from `currencies`, else `base`. Rows are ordered by
    date, then splits, buys, dividends, fees, sells, then input order. Rows with no date or an unknown
    type are dropped, and so are buys, sells and splits without a ticker (a fee or dividend may have none).
    """
    if trades is None:
        trades = pd.DataFrame(columns=TRADE_COLUMNS)
    if not isinstance(trades, pd.DataFrame):
        trades = trades_frame(trades)
    missing = [c for c in ("ticker", "type", "trade_date") if c not in trades.columns]
    if missing:
        trades = trades.assign(**dict.fromkeys(missing))
    currencies = currencies or {}
    n = len(trades)
    ticker = np.array([_text(t) or "" for t in trades["ticker"].to_numpy(dtype=object)], dtype=object)
    kind = np.array([(_text(k) or "").upper() for k in trades["type"].to_numpy(dtype=object)], dtype=object)
    day = normalize_dates(trades["trade_date"]) if n else pd.DatetimeIndex([], dtype="datetime64[ns]")
    numbers = {c: _floats(trades[c] if c in trades.columns else None, n) for c in ("quantity", "price", "fees")}
    given = trades["currency"].to_numpy(dtype=object) if "currency" in trades.columns else np.full(n, None)
    currency = np.array([_text(c) or currencies.get(t) or base for c, t in zip(given, ticker, strict=True)],
                        dtype=object)
    rank = np.array([TYPE_RANK.get(k, -1) for k in kind])
    # A buy, sell or split needs a ticker; a fee or dividend may be the account's own.
    keep = np.flatnonzero(((ticker != "") | (rank == TYPE_RANK["FEE"]) | (rank == TYPE_RANK["DIVIDEND"]))
                          & ~day.isna() & (rank >= 0))
    order = keep[np.lexsort((keep, rank[keep], day.asi8[keep]))]
    return pd.DataFrame({"ticker": ticker[order], "type": kind[order], "trade_date": day[order],
                         "quantity": numbers["quantity"][order], "price": numbers["price"][order],
                         "fees": numbers["fees"][order], "currency": currency[order]})


def _text(value):
    """A stripped string, or None for a missing or blank value."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return str(value).strip() or None


def _floats(values, n):
    """A column as floats: Decimal and numeric strings converted, anything unreadable or missing is 0."""
    if values is None:
        return np.zeros(n)
    if values.dtype.kind in "fiu":
        out = values.to_numpy(dtype=float, copy=True)
    else:
        out = pd.to_numeric(values.astype(object), errors="coerce").to_numpy(dtype=float, copy=True)
    out[~np.isfinite(out)] = 0.0
    return out
