"""Chart and table ranges (1M … MAX) and the rows of a daily frame a range covers."""

import pandas as pd

from app.analytics.calendar import normalize_dates, to_timestamp

RANGES = ("1M", "3M", "YTD", "1Y", "3Y", "5Y", "MAX")
_OFFSETS = {
    "1M": pd.DateOffset(months=1),
    "3M": pd.DateOffset(months=3),
    "1Y": pd.DateOffset(years=1),
    "3Y": pd.DateOffset(years=3),
    "5Y": pd.DateOffset(years=5),
}


def range_bounds(range_code, last_date, first_date):
    """Return (start, end) Timestamps for a range code, case-insensitive; raise ValueError for an unknown code.

    end = last_date. start = last_date − 1/3 months or 1/3/5 years (same calendar day, clipped to the
    month's end), 31 December of the previous year for YTD, first_date for MAX; never before first_date.
    The range's base is the last trading day on or before start (see base_date).
    """
    code = str(range_code or "").strip().upper()
    if code not in RANGES:
        raise ValueError(f"Unknown range {range_code!r}: expected one of {', '.join(RANGES)}.")
    end = to_timestamp(last_date)
    first = to_timestamp(first_date) if first_date is not None else None
    if code == "MAX":
        start = first if first is not None else end
    elif code == "YTD":
        start = pd.Timestamp(year=end.year - 1, month=12, day=31)
    else:
        start = end - _OFFSETS[code]
    if first is not None and start < first:
        start = first
    return start, end


def base_date(index, start):
    """The base day of a range in a trading-day index: the last day on or before `start`, else the first day."""
    index = normalize_dates(index)
    if len(index) == 0:
        return None
    pos = index.searchsorted(to_timestamp(start), side="right") - 1
    return index[max(pos, 0)]


def slice_range(daily, start, end):
    """The rows of `daily` from the range's base day (see base_date) to `end` inclusive; None means open-ended."""
    if len(daily) == 0:
        return daily
    base = base_date(daily.index, daily.index[0] if start is None else start)
    keep = daily.index >= base
    if end is not None:
        keep &= daily.index <= to_timestamp(end)
    return daily[keep]
