"""The portfolio beside ETFs: a shared calendar, growth of 100, and the shadow ETF portfolio.

Benchmarks are valued on their total-return adjusted close (dividends reinvested). Pass them in
the portfolio's base currency (fx.to_base converts them).
"""

import numpy as np
import pandas as pd

from app.analytics.calendar import carry_forward, clean_frame, to_timestamp
from app.analytics.ranges import base_date
from app.analytics.returns import contributions, twr_index

FLOW_COLUMNS = ("flow_in", "flow_out", "dividends", "fees", "income")


def align_daily(daily, index):
    """Put a daily frame on a wider trading calendar: value and net_invested carried forward, no flows on added days.

    prev_value is recomputed as the previous calendar row's value (the first row keeps its own).
    """
    index = pd.DatetimeIndex(index)
    if daily.index.equals(index):
        return daily
    out = daily.reindex(index)
    for name in ("value", "net_invested"):
        if name in out.columns:
            out[name] = out[name].ffill().fillna(0.0)
    for name in FLOW_COLUMNS:
        if name in out.columns:
            out[name] = out[name].fillna(0.0)
    first_prev = daily["prev_value"].iloc[0] if "prev_value" in daily.columns and len(daily) else 0.0
    if len(out):
        prev = out["value"].shift(1).to_numpy(dtype=float, copy=True)
        prev[0] = first_prev if index[0] == daily.index[0] else 0.0
        out["prev_value"] = prev
    return out


def align_range(daily, benchmark_adj_closes, start=None, end=None):
    """Return (daily, benchmarks) on one calendar for a range: the portfolio's days from the base day to `end`.

    The calendar is the union of the portfolio's trading days and the benchmarks' trading days after
    the base day (base = last portfolio day on or before `start`, never before the portfolio's first
    day). Benchmarks are carried forward onto it from their last quote, never backward before their
    first one; the portfolio is carried forward with no flows on days only a benchmark traded.
    """
    bench = clean_frame(benchmark_adj_closes).astype(float)
    if len(daily) == 0:
        return daily, bench.iloc[0:0]
    base = base_date(daily.index, daily.index[0] if start is None else max(to_timestamp(start), daily.index[0]))
    last = daily.index[-1] if end is None else to_timestamp(end)
    own = daily[(daily.index >= base) & (daily.index <= last)]
    extra = bench.index[(bench.index > base) & (bench.index <= last)]
    if len(own) == 0:
        return own, bench.iloc[0:0]
    calendar = own.index.union(extra)
    return align_daily(own, calendar), carry_forward(bench, calendar)


def growth_of_100(daily, benchmark_adj_closes, start=None, end=None):
    """Growth of 100 for the chart: a 'portfolio' column (time-weighted, see returns.twr_index) and one per benchmark.

    benchmark_t = 100 × P_t / P_first, P = adjusted close on the shared calendar, P_first = its first
    price in the range (a benchmark whose history begins later starts at 100 on its first day; NaN before).
    """
    frame, bench = align_range(daily, benchmark_adj_closes, start, end)
    out = pd.DataFrame({"portfolio": twr_index(frame)}, index=frame.index)
    for ticker in bench.columns:
        out[ticker] = rebase(bench[ticker])
    return out


def rebase(prices, base=100.0):
    """base × P_t / P_f, P_f the first non-missing price; NaN before it."""
    values = prices.to_numpy(dtype=float)
    valid = np.flatnonzero(np.isfinite(values))
    if len(valid) == 0:
        return pd.Series(np.nan, index=prices.index)
    return pd.Series(base * values / values[valid[0]], index=prices.index)


def shadow_portfolio(daily, benchmark_adj_close, start=None, end=None):
    """What if every cash flow had bought or sold the ETF instead: shadow_value, real_value, difference.

    Each day the owner's net contribution c_t (returns.contributions: buys − sale proceeds − dividends
    + fees; on the base row the opening value, or the first day's flows) buys c_t / A_t units at the
    adjusted close A_t, or sells them when negative (so dividends reinvest inside the ETF, and the
    owner takes the same cash out of both). shadow_t = units_t × A_t; difference = real − shadow
    (positive: the portfolio did better). Flows before the ETF's first price buy at that first price;
    shadow_value is NaN before it. The shadow may go negative if more was taken out than it held.
    With `start` or `end`, the frame is first cut to that range and put on the shared calendar (align_range).
    """
    if start is not None or end is not None:
        daily, _ = align_range(daily, benchmark_adj_close, start, end)
    series = clean_frame(benchmark_adj_close).iloc[:, 0].astype(float) if benchmark_adj_close is not None else None
    real = daily["value"].to_numpy(dtype=float) if len(daily) else np.array([])
    shadow = np.full(len(daily), np.nan)
    if series is not None and len(daily):
        price = carry_forward(series.to_frame(), daily.index).iloc[:, 0].to_numpy(dtype=float, copy=True)
        price[~(price > 0)] = np.nan
        valid = np.flatnonzero(np.isfinite(price))
        if len(valid):
            trade_price = price.copy()
            trade_price[: valid[0]] = price[valid[0]]
            units = np.cumsum(contributions(daily) / trade_price)
            shadow = units * price
    return pd.DataFrame({"shadow_value": shadow, "real_value": real, "difference": real - shadow}, index=daily.index)
