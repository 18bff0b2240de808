"""The Compare table: the portfolio and each benchmark side by side over one range, as plain JSON-ready values."""

import math

import numpy as np
import pandas as pd

from app.analytics import risk
from app.analytics.benchmarks import align_range, rebase, shadow_portfolio
from app.analytics.calendar import to_timestamp
from app.analytics.returns import annualize, daily_returns, mwr, period_rate, simple_return, twr_index
from app.analytics.xirr import DAYS_PER_YEAR


def performance_table(daily, benchmark_adj_closes, range_start=None, range_end=None, risk_free=0.0):
    """Return {'range': …, 'portfolio': row, 'benchmarks': {ticker: row}} for the range.

    Every row has: first_date, days, starts_after_portfolio, note, total_return, annualized_return,
    twr, mwr, mwr_annualized, volatility, max_drawdown, sharpe, beta {ticker: β}, correlation
    {ticker: ρ}. Formulas:
    - twr: Π(1 + r_t) − 1 over the days after the base (returns.daily_returns; benchmarks: A_end / A_first − 1
      on the adjusted close, so total_return = twr for a benchmark).
    - total_return (portfolio): profit ÷ peak capital (returns.simple_return).
    - annualized_return: (1 + twr)^(365 / days) − 1, None for a span under 365 days.
    - mwr: XIRR of the owner's cash flows plus the end value; for a benchmark, of the same cash flows
      with the shadow ETF's end value (benchmarks.shadow_portfolio). Annual when the span is at least
      365 days (mwr_annualized = True), else the rate over the span: (1 + XIRR)^(days / 365) − 1.
    - volatility: std(r_t) × √252; sharpe: mean(r_t − rf_d) / std(r_t) × √252; max_drawdown on the
      growth-of-100 index (negative); beta, correlation on the days both series have a return.
    A benchmark whose history begins after the base day is measured from its first day
    (starts_after_portfolio = True, with a note). `benchmark_adj_closes` must be in the base currency.
    """
    frame, bench = align_range(daily, benchmark_adj_closes, range_start, range_end)
    if len(frame) == 0:
        return {"range": {"start": None, "end": None, "base_date": None, "days": 0}, "portfolio": _empty_row(),
                "benchmarks": {t: _empty_row() for t in _tickers(benchmark_adj_closes)}}
    base, last = frame.index[0], frame.index[-1]
    returns = {"portfolio": daily_returns(frame).iloc[1:]}
    for ticker in bench.columns:
        returns[ticker] = bench[ticker].pct_change(fill_method=None).iloc[1:]

    portfolio = _row(
        frame.index[0], last, twr_index(frame), returns["portfolio"], risk_free,
        mwr_rate=mwr(frame), total_return=simple_return(frame),
    )
    benchmarks = {}
    for ticker in bench.columns:
        prices = bench[ticker]
        valid = np.flatnonzero(np.isfinite(prices.to_numpy(dtype=float)))
        if len(valid) == 0:
            benchmarks[ticker] = _empty_row(note=f"No price history for {ticker} in this range.")
            continue
        first = prices.index[valid[0]]
        index = rebase(prices.iloc[valid[0]:])
        shadow_end = shadow_portfolio(frame, prices)["shadow_value"].iloc[-1]
        row = _row(first, last, index, returns[ticker], risk_free, mwr_rate=mwr(frame, end_value=float(shadow_end)))
        if first > base:
            row["starts_after_portfolio"] = True
            row["note"] = (f"{ticker}'s history begins {first.date().isoformat()}, after the portfolio's start "
                           f"({base.date().isoformat()}): its figures run from that day.")
        benchmarks[ticker] = row

    for name, row in [("portfolio", portfolio), *benchmarks.items()]:
        if name not in returns or row["first_date"] is None:
            continue
        row["beta"] = {t: risk.beta(returns[name], returns[t]) for t in bench.columns}
        row["correlation"] = {t: risk.correlation(returns[name], returns[t]) for t in bench.columns}
    return {
        "range": {"start": _iso(to_timestamp(range_start) or base), "end": _iso(last), "base_date": _iso(base),
                  "days": int((last - base).days), "risk_free": float(risk_free)},
        "portfolio": portfolio,
        "benchmarks": benchmarks,
    }


def _row(first, last, index, returns, risk_free, mwr_rate, total_return=None):
    """One table row from a growth index (first value = base), its daily returns and its XIRR."""
    days = int((last - first).days)
    total = float(index.iloc[-1] / index.iloc[0] - 1.0) if len(index) else None
    rate = mwr_rate if days >= DAYS_PER_YEAR else period_rate(mwr_rate, days)
    own = returns[returns.index > first]
    return {
        "first_date": _iso(first),
        "days": days,
        "starts_after_portfolio": False,
        "note": None,
        "total_return": _num(total if total_return is None else total_return),
        "annualized_return": _num(annualize(total, days)),
        "twr": _num(total),
        "mwr": _num(rate),
        "mwr_annualized": days >= DAYS_PER_YEAR,
        "volatility": _num(risk.volatility(own)),
        "max_drawdown": _num(risk.max_drawdown(index)),
        "sharpe": _num(risk.sharpe(own, risk_free)),
        "beta": {},
        "correlation": {},
    }


def _empty_row(note=None):
    """A row with no figures."""
    keys = ("total_return", "annualized_return", "twr", "mwr", "volatility", "max_drawdown", "sharpe")
    row = {"first_date": None, "days": 0, "starts_after_portfolio": False, "note": note, "mwr_annualized": False,
           "beta": {}, "correlation": {}}
    row.update(dict.fromkeys(keys))
    return row


def _num(value):
    """A plain float, or None for a missing or non-finite value."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _iso(day):
    """An ISO date string for a Timestamp (None stays None)."""
    return None if day is None or pd.isna(day) else day.date().isoformat()


def _tickers(benchmark_adj_closes):
    """The benchmark tickers of a frame or a named series."""
    if benchmark_adj_closes is None:
        return []
    if isinstance(benchmark_adj_closes, pd.Series):
        return [benchmark_adj_closes.name]
    return list(benchmark_adj_closes.columns)
