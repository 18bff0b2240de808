"""Splits: which split events count, and how a traded quantity maps onto split-adjusted prices.

Yahoo's Close is adjusted for every split it knows, so a price dated before a 4:1 split is a
quarter of what was paid that day. Brokers record the quantities actually traded. A trade is
therefore restated in today's share units: quantity × the product of the ratios of all splits
after its date, at price ÷ that product. 10 shares at 400 before a 4:1 split are 40 shares at 100.
"""

import numpy as np
import pandas as pd

from app.analytics.calendar import normalize_dates


def split_events(trades, splits=None):
    """Return the split events to apply, one row per (ticker, date), with a positive ratio.

    Stored events (`splits`: ticker, date, ratio) win: for a ticker that has any, the user's SPLIT
    rows are ignored, so a split entered by hand and also stored is never applied twice. A ticker
    without stored events uses its SPLIT trades (quantity = ratio). Duplicates on a date count once.
    """
    stored = _stored_events(splits)
    rows = {}
    for ticker, day, ratio in stored:
        rows.setdefault((ticker, day), ratio)
    if trades is not None and len(trades):
        user = trades[trades["type"] == "SPLIT"]
        have_stored = {ticker for ticker, _, _ in stored}
        for ticker, day, ratio in zip(user["ticker"], user["trade_date"], user["quantity"], strict=True):
            if ticker not in have_stored:
                rows.setdefault((ticker, day), float(ratio))
    events = [(t, d, r) for (t, d), r in rows.items() if np.isfinite(r) and r > 0]
    events.sort(key=lambda e: (e[0], e[1]))
    return pd.DataFrame({"ticker": pd.Series([e[0] for e in events], dtype=object),
                         "date": pd.DatetimeIndex([e[1] for e in events], dtype="datetime64[ns]"),
                         "ratio": pd.Series([e[2] for e in events], dtype=float)})


def _stored_events(splits):
    """The stored split table as (ticker, midnight Timestamp, ratio) tuples; a `value` column may stand for `ratio`."""
    if splits is None or len(splits) == 0:
        return []
    ratio_col = "ratio" if "ratio" in splits.columns else "value"
    ratios = pd.to_numeric(splits[ratio_col], errors="coerce").to_numpy(dtype=float)
    return list(zip(splits["ticker"].astype(str), normalize_dates(splits["date"]), ratios, strict=True))


def split_factor_after(tickers, dates, events):
    """For each (ticker, date), the product of the ratios of that ticker's splits dated strictly after it.

    factor = Π ratio(s) over splits s of the ticker with s.date > date; 1 when there are none. A trade
    on a split's ex-date is already at the post-split price and quantity, so that split is not applied.
    """
    tickers = np.asarray(tickers, dtype=object)
    factors = np.ones(len(tickers))
    if events is None or len(events) == 0 or len(tickers) == 0:
        return factors
    dates = normalize_dates(dates)
    codes, names = pd.factorize(tickers)
    names = pd.Index(names)
    events = events.sort_values(["ticker", "date"], kind="stable")
    event_tickers = events["ticker"].to_numpy(dtype=object)
    event_dates = normalize_dates(events["date"])
    event_ratios = events["ratio"].to_numpy(dtype=float)
    for ticker in dict.fromkeys(event_tickers):
        where = names.get_indexer([ticker])[0]
        if where < 0:
            continue
        mask = codes == where
        own = event_tickers == ticker
        event_days, ratios = event_dates[own], event_ratios[own]
        # suffix[k] = product of ratios[k:], suffix[len] = 1
        suffix = np.append(np.cumprod(ratios[::-1])[::-1], 1.0)
        factors[mask] = suffix[event_days.searchsorted(dates[mask], side="right")]
    return factors
