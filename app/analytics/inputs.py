"""Turning what the caller has (a trades DataFrame, or holdings.Trade objects) into one clean trades frame."""

from dataclasses import asdict, is_dataclass

import numpy as np
import pandas as pd

from app.analytics.calendar import normalize_dates

TRADE_COLUMNS = ["ticker", "type", "trade_date", "quantity", "price", "fees", "currency"]
# Within a day: splits first, then buys before sells (as holdings.sort_key orders them).
TYPE_RANK = {"SPLIT": 0, "BUY": 1, "DIVIDEND": 2, "FEE": 3, "SELL": 4}


def trades_frame(trades):
    """Build the trades DataFrame (TRADE_COLUMNS) from holdings.Trade objects or dicts with those keys."""
    rows = [asdict(t) if is_dataclass(t) else dict(t) for t in trades]
    frame = pd.DataFrame(rows)
    for column in TRADE_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame[TRADE_COLUMNS]


def normalize_trades(trades, currencies=None, base="USD"):
    """Return a clean copy of the trades: floats, midnight dates, upper-case types, a currency on every row.

    Decimal, string or missing numbers become floats (missing price and fees are 0); a row without a
    currency takes its ticker's quote currency from `currencies`, else `base`. Rows are ordered by
    date, then splits, buys, dividends, fees, sells, then input order. Rows with no date, no ticker
    or an unknown type are dropped.
    """
    if trades is None:
        trades = pd.DataFrame(columns=TRADE_COLUMNS)
    if not isinstance(trades, pd.DataFrame):
        trades = trades_frame(trades)
    missing = [c for c in ("ticker", "type", "trade_date") if c not in trades.columns]
    if missing:
        trades = trades.assign(**dict.fromkeys(missing))
    currencies = currencies or {}
    frame = pd.DataFrame(index=range(len(trades)))
    frame["ticker"] = trades["ticker"].astype("string").str.strip().to_numpy()
    frame["type"] = trades["type"].astype("string").str.strip().str.upper().to_numpy()
    frame["trade_date"] = normalize_dates(trades["trade_date"]) if len(trades) else pd.DatetimeIndex([])
    for column, default in (("quantity", 0.0), ("price", 0.0), ("fees", 0.0)):
        values = trades[column] if column in trades.columns else pd.Series(default, index=trades.index)
        frame[column] = pd.to_numeric(values.astype(object), errors="coerce").to_numpy(dtype=float)
        frame[column] = frame[column].fillna(default)
    if "currency" in trades.columns:
        currency = trades["currency"].astype(object).to_numpy()
    else:
        currency = np.full(len(trades), None, dtype=object)
    frame["currency"] = [
        c.strip() if isinstance(c, str) and c.strip() else currencies.get(t, base) or base
        for c, t in zip(currency, frame["ticker"], strict=True)
    ]
    frame = frame[frame["ticker"].notna() & frame["trade_date"].notna() & frame["type"].isin(list(TYPE_RANK))]
    frame = frame.assign(ticker=frame["ticker"].astype(object), type=frame["type"].astype(object))
    frame["_rank"] = frame["type"].map(TYPE_RANK)
    frame["_order"] = np.arange(len(frame))
    frame = frame.sort_values(["trade_date", "_rank", "_order"], kind="stable")
    return frame.drop(columns=["_rank", "_order"]).reset_index(drop=True)
