"""The JSON the dashboard and Compare draw, shaped from a portfolio's valuation: pure functions, no I/O."""

import math

import numpy as np
import pandas as pd

from app.analytics.benchmarks import growth_of_100, shadow_portfolio
from app.analytics.performance import performance_table
from app.analytics.ranges import range_bounds, slice_range

ALLOCATION_SLICES = 12  # the rest is one "Other" slice
# Volatility, Sharpe and beta over fewer days of returns than this are noise: say so instead of a figure.
MIN_PRICED_DAYS = 20


class ChartRequestError(ValueError):
    """A chart request the client must correct (unknown range, bad ticker)."""


def chart_series(daily, holdings_now, bench, benchmarks, range_code):
    """The series the dashboard draws for a range: value and money invested, growth of 100, allocation."""
    payload = {"range": range_code, "dates": [], "value": [], "net_invested": [], "growth": {}, "benchmarks": {},
               "allocation": allocation(holdings_now)}
    if daily is None or daily.empty:
        return payload
    start, end = bounds(range_code, daily)
    window = slice_range(daily, start, end)
    payload["dates"] = [d.strftime("%Y-%m-%d") for d in window.index]
    payload["value"] = rounded(window["value"], 2)
    payload["net_invested"] = rounded(window["net_invested"], 2)
    drawn = bench[benchmarks] if benchmarks else pd.DataFrame(index=daily.index)
    growth = growth_of_100(daily, drawn, start, end).reindex(window.index)
    payload["growth"] = {column: rounded(growth[column], 3) for column in growth.columns}
    for ticker in benchmarks:
        first = bench[ticker].first_valid_index()
        late = first is not None and first > window.index[0]
        payload["benchmarks"][ticker] = {
            "first_date": first.strftime("%Y-%m-%d") if first is not None else None,
            "note": f"{ticker} has prices only from {first:%Y-%m-%d}; its line starts there." if late else None,
        }
    return payload


def performance(daily, bench, benchmarks, range_code, risk_free, priced=True):
    """The metrics table for a range, and the shadow ETF beside the real portfolio for each benchmark.

    A column measured over fewer than MIN_PRICED_DAYS days, or (the portfolio's, when `priced` is false)
    on trade prices only, carries `insufficient` and a `reason` for the page to show instead of figures.
    """
    payload = {"range": range_code, "table": None, "shadow": {}}
    if daily is None or daily.empty:
        return payload
    start, end = bounds(range_code, daily)
    drawn = bench[benchmarks] if benchmarks else pd.DataFrame(index=daily.index)
    table = clean(performance_table(daily, drawn, start, end, risk_free=risk_free))
    for row in [table["portfolio"], *table["benchmarks"].values()]:
        days = row.get("days") or 0
        if days < MIN_PRICED_DAYS:
            row.update(insufficient=True, reason=f"only {days} day{'s' if days != 1 else ''} of prices")
    if not priced:
        table["portfolio"].update(insufficient=True, reason="valued on trade prices only, with no market prices yet")
    payload["table"] = table
    for ticker in benchmarks:
        shadow = shadow_portfolio(daily, bench[[ticker]], start, end)
        payload["shadow"][ticker] = {
            "dates": [d.strftime("%Y-%m-%d") for d in shadow.index],
            "shadow_value": rounded(shadow["shadow_value"], 2), "real_value": rounded(shadow["real_value"], 2),
            "difference": rounded(shadow["difference"], 2),
        }
    return payload


def bounds(range_code, daily):
    """The (start, end) of a range over the portfolio's days; ChartRequestError for an unknown code."""
    try:
        return range_bounds(range_code, daily.index[-1], daily.index[0])
    except ValueError as exc:
        raise ChartRequestError(str(exc)) from exc


def allocation(holdings_now):
    """Today's value per holding (a Series), largest first, the smallest folded into 'Other'."""
    if holdings_now is None or holdings_now.empty:
        return []
    last = holdings_now.fillna(0.0)
    last = last[last > 0].sort_values(ascending=False)
    total = float(last.sum())
    if not total:
        return []
    slices = [{"ticker": t, "value": round(float(v), 2), "weight": round(float(v) / total, 4)}
              for t, v in last.iloc[:ALLOCATION_SLICES].items()]
    rest = float(last.iloc[ALLOCATION_SLICES:].sum())
    if rest:
        slices.append({"ticker": "Other", "value": round(rest, 2), "weight": round(rest / total, 4)})
    return slices


def rounded(series, digits):
    """A series as a JSON list: rounded floats, None for gaps."""
    values = np.round(series.to_numpy(dtype=float), digits)
    return [None if math.isnan(v) else float(v) for v in values]


def clean(value):
    """Make analytics output JSON-safe: NaN and infinities become None, timestamps ISO dates."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return value
