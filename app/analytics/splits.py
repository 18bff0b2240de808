"""Splits: which split events count, and how a traded quantity maps onto split-adjusted prices.

Yahoo's Close is adjusted for every split it knows, so a price dated before a 4:1 split is a
quarter of what was paid that day. Brokers record the quantities actually traded. A trade is
therefore restated in today's share units: quantity × the product of the ratios of all splits
after its date, at price ÷ that product. 10 shares at 400 before a 4:1 split are 40 shares at 100.
"""

import numpy as np
import pandas as pd

from app.analytics.calendar import normalize_dates

EVENT_COLUMNS = ["ticker", "date", "ratio"]


def split_events(trades, splits=None):
    """Return the split events to apply, one row per (ticker, date), with a positive ratio.

    Stored events (`splits`: ticker, date, ratio) win: for a ticker that has any, the user's SPLIT
    rows are ignored, so a split entered by hand and also stored is never applied twice. A ticker
    without stored events uses its SPLIT trades (quantity = ratio). Duplicates on a date count once.
    """
    stored = _stored_events(splits)
    user = pd.DataFrame(columns=EVENT_COLUMNS)
    if trades is not None and len(trades):
        rows = trades[trades["type"] == "SPLIT"]
        user = pd.DataFrame(
            {"ticker": rows["ticker"].to_numpy(), "date": rows["trade_date"].to_numpy(),
             "ratio": rows["quantity"].to_numpy(dtype=float)}
        )
        user = user[~user["ticker"].isin(set(stored["ticker"]))]
    frames = [f for f in (stored, user) if len(f)]
    if not frames:
        return pd.DataFrame({"ticker": pd.Series(dtype=object), "date": pd.Series(dtype="datetime64[ns]"),
                             "ratio": pd.Series(dtype=float)})
    events = pd.concat(frames, ignore_index=True)
    events = events[np.isfinite(events["ratio"]) & (events["ratio"] > 0)]
    events = events.drop_duplicates(["ticker", "date"], keep="first")
    return events.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)


def _stored_events(splits):
    """Normalise the stored split table: accept a `ratio` or a `value` column, dates as anything date-like."""
    if splits is None or len(splits) == 0:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    ratio_col = "ratio" if "ratio" in splits.columns else "value"
    return pd.DataFrame(
        {"ticker": splits["ticker"].astype(str).to_numpy(), "date": normalize_dates(splits["date"]),
         "ratio": pd.to_numeric(splits[ratio_col], errors="coerce").to_numpy(dtype=float)}
    )


def split_factor_after(tickers, dates, events):
    """For each (ticker, date), the product of the ratios of that ticker's splits dated strictly after it.

    factor = Π ratio(s) over splits s of the ticker with s.date > date; 1 when there are none. A trade
    on a split's ex-date is already at the post-split price and quantity, so that split is not applied.
    """
    tickers = np.asarray(tickers, dtype=object)
    dates = normalize_dates(dates)
    factors = np.ones(len(tickers))
    if events is None or len(events) == 0:
        return factors
    for ticker, group in events.groupby("ticker", sort=False):
        mask = tickers == ticker
        if not mask.any():
            continue
        group = group.sort_values("date", kind="stable")
        event_days = normalize_dates(group["date"])
        ratios = group["ratio"].to_numpy(dtype=float)
        # suffix[k] = product of ratios[k:], suffix[len] = 1
        suffix = np.append(np.cumprod(ratios[::-1])[::-1], 1.0)
        factors[mask] = suffix[event_days.searchsorted(dates[mask], side="right")]
    return factors
