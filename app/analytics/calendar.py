"""Trading-day calendars: normalising dates, placing events on trading days, aligning series.

Every series is indexed by tz-naive midnight timestamps. Prices are carried forward across
holidays and days a ticker did not trade, and never carried backward before a ticker's
first price.
"""

import numpy as np
import pandas as pd


def normalize_dates(values):
    """Turn dates, strings or timestamps (tz-aware or not) into a tz-naive midnight DatetimeIndex (unit ns)."""
    if not isinstance(values, pd.DatetimeIndex):
        values = pd.DatetimeIndex(pd.to_datetime(values))
    if values.tz is not None:
        values = values.tz_localize(None)
    # Flooring through numpy's day unit avoids DatetimeIndex.normalize's costly frequency inference.
    days = values.to_numpy().astype("datetime64[D]").astype("datetime64[ns]")
    return pd.DatetimeIndex(days)


def to_timestamp(value):
    """Turn one date-like value into a tz-naive midnight Timestamp (None stays None)."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    if stamp.tz is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize().as_unit("ns")


def _is_clean(index):
    """Whether an index is already tz-naive, ns, midnight-only, strictly increasing."""
    return (isinstance(index, pd.DatetimeIndex) and index.tz is None and index.dtype == "datetime64[ns]"
            and index.is_monotonic_increasing and index.is_unique
            and not (index.asi8 % 86_400_000_000_000).any())


def clean_frame(frame):
    """Return the date-indexed frame with a sorted, tz-naive, midnight index and unique dates (last one kept).

    The frame itself is returned when it is already so: callers never modify it.
    """
    if frame is None:
        return pd.DataFrame(index=pd.DatetimeIndex([], dtype="datetime64[ns]"))
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if _is_clean(frame.index):
        return frame
    frame = frame.copy()
    frame.index = normalize_dates(frame.index)
    frame = frame[~frame.index.duplicated(keep="last")]
    return frame.sort_index()


def carry_forward(frame, index):
    """Reindex `frame` onto `index`, each value carried forward from its last quote on or before the day.

    value(t) = frame[max{s ≤ t : frame[s] is a number}], NaN before a column's first number (no back-fill).
    Quotes dated before index[0] still seed the first rows.
    """
    index = normalize_dates(index)
    frame = clean_frame(frame)
    if frame.empty or frame.shape[1] == 0:
        return frame.reindex(index)
    out = carry_forward_values(frame.index, frame.to_numpy(dtype=float), index)
    return pd.DataFrame(out, index=index, columns=frame.columns, copy=False)


def carry_forward_values(source_index, values, index):
    """carry_forward on a bare matrix: rows dated by a sorted, unique `source_index`, moved onto `index`."""
    filled = ffill_rows(values)
    last = source_index.searchsorted(index, side="right") - 1  # the last quote day on or before each day
    out = filled[np.maximum(last, 0)]
    out[last < 0] = np.nan
    return out


def ffill_rows(matrix):
    """Carry each column's last number down over NaNs; NaN stays before a column's first number."""
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim == 1:
        return ffill_rows(matrix[:, None])[:, 0]
    return pd.DataFrame(matrix, copy=False).ffill().to_numpy()


def event_positions(index, dates):
    """Map event dates to row positions in a trading-day index: the first trading day on or after each date.

    pos(d) = min{i : index[i] ≥ d}; a date after the last trading day gets len(index).
    """
    return np.asarray(normalize_dates(index).searchsorted(normalize_dates(dates), side="left"))


def trading_index(price_index, first, last, extra_dates=()):
    """The trading days from `first` to `last`: the price index's days, plus any `extra_dates` after its end.

    Event dates outside the priced days (a trade entered today, before today's bar; trades older than
    the price history) are added so that they count on their own day; an event on a non-trading day
    inside the price history moves to the next trading day.
    """
    days = normalize_dates(price_index).unique().sort_values()
    extra = normalize_dates(extra_dates)
    if len(days):
        extra = extra[(extra > days[-1]) | (extra < days[0])]
    days = days.union(extra.unique())
    if not (days >= first).any():
        days = days.union(pd.DatetimeIndex([first]))
    return days[(days >= first) & (days <= last)]
