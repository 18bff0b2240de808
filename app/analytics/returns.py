"""Returns of a daily portfolio frame: time-weighted (chain-linked), simple, and money-weighted (XIRR).

Conventions, for a frame with value, prev_value, flow_in, flow_out and income (= dividends − fees):

- Buys are external inflows (In_t, at the start of the day), sales are external outflows (Out_t,
  at the end of the day). Dividends are paid out to the owner: income counts with the outflows,
  so a dividend is return, not new money, and a FEE row is a negative dividend.
- The first row of a frame is its base: the time-weighted index is 100 at its close. When nothing
  was held before that row (prev_value = 0: the portfolio's first day), the row's own flows are the
  opening investment; otherwise the value at its close is (as if bought then).
"""

import numpy as np
import pandas as pd

from app.analytics.xirr import DAYS_PER_YEAR, xirr_arrays


def column(daily, name):
    """One column of the daily frame as floats; zeros when absent (income falls back to dividends − fees)."""
    if name in daily.columns:
        return daily[name].to_numpy(dtype=float)
    if name == "income" and ("dividends" in daily.columns or "fees" in daily.columns):
        return column(daily, "dividends") - column(daily, "fees")
    if name == "prev_value":
        value = column(daily, "value")
        return np.concatenate(([0.0], value[:-1]))
    return np.zeros(len(daily))


def daily_returns(daily):
    """Daily time-weighted returns, as Portfolio Performance defines them.

    r_t = (V_t + Out_t + Income_t) / (V_{t−1} + In_t) − 1, with V_{t−1} = prev_value; r_t = 0 on a
    day with nothing invested (V_{t−1} + In_t ≤ 0), so income arriving after a position is closed
    adds to the money-weighted return only.
    """
    numerator = column(daily, "value") + column(daily, "flow_out") + column(daily, "income")
    denominator = column(daily, "prev_value") + column(daily, "flow_in")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(denominator > 0, numerator / denominator - 1.0, 0.0)
    return pd.Series(r, index=daily.index, name="return")


def twr_index(daily, base=100.0):
    """Growth of 100, time-weighted: I_0 = 100 at the first row's close, I_t = I_{t−1} × (1 + r_t)."""
    r = daily_returns(daily).to_numpy(copy=True)
    if len(r):
        r[0] = 0.0
    return pd.Series(base * np.cumprod(1.0 + r), index=daily.index, name="twr_index")


def twr(daily):
    """Time-weighted return over the frame: Π_{t≥1} (1 + r_t) − 1; None for an empty frame."""
    if len(daily) == 0:
        return None
    index = twr_index(daily, base=1.0)
    return float(index.iloc[-1] - 1.0)


def annualize(total_return, days):
    """(1 + R)^(365 / days) − 1 for a span of at least 365 days; None for a shorter span."""
    if total_return is None or days is None or days < DAYS_PER_YEAR or not np.isfinite(total_return):
        return None
    if total_return <= -1.0:
        return -1.0
    return float((1.0 + total_return) ** (DAYS_PER_YEAR / days) - 1.0)


def period_rate(annual_rate, days):
    """The rate over `days` equivalent to an annual rate: (1 + r)^(days / 365) − 1."""
    if annual_rate is None or annual_rate <= -1.0:
        return annual_rate
    return float((1.0 + annual_rate) ** (days / DAYS_PER_YEAR) - 1.0)


def contributions(daily):
    """Money the owner puts in each day, net: c_t = In_t − Out_t − Income_t.

    On the base row, c_0 = V_0 (the opening position) when something was held before it
    (prev_value > 0); otherwise the base row's own flows.
    """
    c = column(daily, "flow_in") - column(daily, "flow_out") - column(daily, "income")
    if len(c) and column(daily, "prev_value")[0] > 0:
        c[0] = column(daily, "value")[0]
    return c


def simple_return(daily):
    """Profit ÷ peak capital, or None when no capital was ever in.

    profit = V_end − Σ_t c_t (c_t from contributions: income counts as profit);
    capital_t = opening + Σ_{s ≤ t} (In_s − Out_s), opening = V_0 if held before the base else 0;
    peak capital = max_t capital_t. For a portfolio that never trades this is V_end / V_0 − 1.
    """
    if len(daily) == 0:
        return None
    value = column(daily, "value")
    profit = value[-1] - contributions(daily).sum()
    net = column(daily, "flow_in") - column(daily, "flow_out")
    if column(daily, "prev_value")[0] > 0:
        net[0] = value[0]
    peak = np.cumsum(net).max()
    if not peak > 0:
        return None
    return float(profit / peak)


def range_cashflows(daily, end_value=None):
    """The owner's dated cash flows over the frame, for XIRR: −c_t each day, + the value at the end.

    Negative = money put in, positive = money taken out (sales, dividends, and `end_value`, by
    default the last row's value).
    """
    if len(daily) == 0:
        return []
    c = contributions(daily)
    flows = [(day, -amount) for day, amount in zip(daily.index, c, strict=True) if amount != 0.0]
    final = column(daily, "value")[-1] if end_value is None else end_value
    flows.append((daily.index[-1], float(final)))
    return flows


def mwr(daily, end_value=None):
    """Money-weighted return: the annual XIRR of range_cashflows(daily, end_value); None without a root."""
    if len(daily) == 0 or (end_value is not None and not np.isfinite(end_value)):
        return None
    final = column(daily, "value")[-1] if end_value is None else end_value
    amounts = np.append(-contributions(daily), final)
    return xirr_arrays(daily.index.append(daily.index[-1:]), amounts)
