"""Risk measures on daily returns and on a growth index. Each returns None when it is undefined."""

import numpy as np
import pandas as pd

TRADING_DAYS = 252


def _values(returns):
    """The finite values of a return series or array."""
    values = np.asarray(returns, dtype=float)
    return values[np.isfinite(values)]


def volatility(returns):
    """Annualised volatility: sample standard deviation of daily returns (ddof = 1) × √252."""
    r = _values(returns)
    if len(r) < 2:
        return None
    return float(r.std(ddof=1) * np.sqrt(TRADING_DAYS))


def max_drawdown(index):
    """Largest fall from a peak, as a negative fraction: min_t (I_t / max_{s ≤ t} I_s − 1); 0 if never below a peak."""
    values = np.asarray(index, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return None
    peaks = np.maximum.accumulate(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdowns = np.where(peaks > 0, values / peaks - 1.0, 0.0)
    return float(drawdowns.min())


def daily_risk_free(risk_free):
    """The daily rate equivalent to an annual risk-free rate: (1 + rf)^(1/252) − 1."""
    return (1.0 + risk_free) ** (1.0 / TRADING_DAYS) - 1.0


def sharpe(returns, risk_free=0.0):
    """Annualised Sharpe ratio: mean(r_t − rf_d) / std(r_t) × √252, rf_d = (1 + rf)^(1/252) − 1."""
    r = _values(returns)
    if len(r) < 2:
        return None
    sd = r.std(ddof=1)
    if not sd > 0:
        return None
    return float((r.mean() - daily_risk_free(risk_free)) / sd * np.sqrt(TRADING_DAYS))


def _paired(a, b):
    """The days on which both return series have a number."""
    if isinstance(a, pd.Series) and isinstance(b, pd.Series) and a.index.equals(b.index):
        frame = np.column_stack((a.to_numpy(dtype=float), b.to_numpy(dtype=float)))
        frame = frame[np.isfinite(frame).all(axis=1)]
        return frame[:, 0], frame[:, 1]
    frame = pd.concat([pd.Series(a), pd.Series(b)], axis=1, join="inner").to_numpy(dtype=float)
    frame = frame[np.isfinite(frame).all(axis=1)]
    return frame[:, 0], frame[:, 1]


def beta(returns, benchmark_returns):
    """Beta on aligned daily returns: cov(r, r_b) / var(r_b), both with ddof = 1."""
    r, rb = _paired(returns, benchmark_returns)
    if len(r) < 2:
        return None
    var = rb.var(ddof=1)
    if not var > 0:
        return None
    return float(np.cov(r, rb, ddof=1)[0, 1] / var)


def correlation(returns, benchmark_returns):
    """Pearson correlation on aligned daily returns: cov(r, r_b) / (σ_r σ_b)."""
    r, rb = _paired(returns, benchmark_returns)
    if len(r) < 2 or not r.std() > 0 or not rb.std() > 0:
        return None
    return float(np.corrcoef(r, rb)[0, 1])
