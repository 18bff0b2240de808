"""The JSON the dashboard and Compare draw, shaped from a portfolio's valuation: pure functions, no I/O."""

import math

import numpy as np
import pandas as pd

from app.analytics.benchmarks import growth_of_100, shadow_portfolio
from app.analytics.performance import performance_table
from app.analytics.ranges import range_bounds, slice_range

ALLOCATION_SLICES = 12  # the rest is one "Other" slice
NAMED_TICKERS = 5  # a note names this many tickers, then says how many others
# The reason of a ticker that has market prices now but not on the first days it was held.
BEFORE_FIRST_PRICE = "before its first market price"
# Volatility, Sharpe and beta over fewer days of returns than this are noise: say so instead of a figure.
MIN_PRICED_DAYS = 20


class ChartRequestError(ValueError):
    """A chart request the client must correct (unknown range, bad ticker)."""


def chart_series(daily, holdings_now, bench, benchmarks, range_code, trade_priced_until=None, left_out=()):
    """The series the dashboard draws for a range: value and money invested, growth of 100, allocation.

    `trade_priced_until`: the last day each ticker valued on its trade price some day was so valued;
    `left_out`: those held today with no market price, which the allocation leaves out as the holdings
    table does.
    """
    kept = holdings_now.drop(list(left_out), errors="ignore") if holdings_now is not None else None
    payload = {"range": range_code, "dates": [], "value": [], "net_invested": [], "growth": {}, "benchmarks": {},
               "allocation": allocation(kept), "allocation_left_out": sorted(left_out), "trade_priced": []}
    if daily is None or daily.empty:
        return payload
    start, end = bounds(range_code, daily)
    payload["trade_priced"] = trade_priced(trade_priced_until, start)
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


def performance(daily, bench, benchmarks, range_code, risk_free, priced=True, trade_priced_until=None):
    """The metrics table for a range, and the shadow ETF beside the real portfolio for each benchmark.

    A column measured over fewer than MIN_PRICED_DAYS days, or (the portfolio's, when `priced` is false)
    on trade prices only, carries `insufficient` and a `reason` for the page to show instead of figures.
    `trade_priced` names the tickers valued on their trade prices within the range (see chart_series).
    """
    payload = {"range": range_code, "table": None, "shadow": {}, "trade_priced": []}
    if daily is None or daily.empty:
        return payload
    start, end = bounds(range_code, daily)
    payload["trade_priced"] = trade_priced(trade_priced_until, start)
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


def trade_priced(until, start):
    """The tickers valued on their trade price on some day from `start` on (no market price yet, or only later)."""
    return sorted(t for t, last in (until or {}).items() if last >= start)


def trade_price_note(reasons):
    """'MSFT is valued at its trade price: no price yet.', from {ticker: reason}; None when there is none."""

    def sentence(who, many, reason):
        head = f"{who} {'are' if many else 'is'} valued at {'their trade prices' if many else 'its trade price'}"
        if reason == BEFORE_FIRST_PRICE:
            return f"{head} before {'their first market prices' if many else 'its first market price'}."
        return f"{head}: {reason}."

    return grouped(reasons, sentence)


def left_out_note(reasons):
    """'MSFT left out: no price yet.', from {ticker: reason}; None when nothing is left out."""
    return grouped(reasons, lambda who, many, reason: f"{who} left out: {reason}.")


def grouped(reasons, sentence):
    """One sentence per reason, naming its tickers (`sentence(names, several, reason)`), joined; None for none."""
    by_reason = {}
    for ticker, reason in reasons.items():
        by_reason.setdefault(reason, []).append(ticker)
    return " ".join(sentence(names(tickers), len(tickers) > 1, reason)
                    for reason, tickers in by_reason.items()) or None


def names(tickers):
    """'AAPL', 'AAPL and MSFT', 'A, B, C, D, E and 3 others'."""
    shown, rest = tickers[:NAMED_TICKERS], len(tickers) - NAMED_TICKERS
    if rest > 0:
        return f"{', '.join(shown)} and {rest} other{'s' if rest != 1 else ''}"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


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
