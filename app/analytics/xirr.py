"""XIRR: the annual rate that makes a dated series of cash flows worth nothing today."""

import math

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.0  # the spreadsheet XIRR convention: actual days ÷ 365
_TOLERANCE = 1e-12
# Grid of x = ln(1 + r) for the bracketing search: dense where rates are ordinary (−63 % … +1,900 %).
_GRID = np.concatenate(
    (np.linspace(-30.0, -1.0, 120), np.linspace(-1.0, 3.0, 400)[1:], np.linspace(3.0, 60.0, 160)[1:])
)


def xirr(cashflows, guess=0.1):
    """Return the annual rate r with Σ amount_i ÷ (1 + r)^((date_i − date_0) / 365) = 0, or None.

    `cashflows` is an iterable of (date, amount): negative is money the owner puts in, positive is
    money the owner gets back (the final value counts as money back). Flows on the same day are
    added up. None when there is no root: fewer than two days, all flows of one sign, bad input.
    When several roots exist, the one nearest `guess` is returned (Newton from `guess` first, then a
    bracketing search in x = ln(1 + r) and bisection).
    """
    try:
        times, amounts = _prepare(cashflows)
    except (TypeError, ValueError, OverflowError, AttributeError, KeyError, IndexError):
        return None
    if times is None:
        return None
    try:
        start = math.log1p(guess) if guess is not None and guess > -1 else 0.1
    except (TypeError, ValueError):
        start = 0.1
    root = _newton(times, amounts, start)
    if root is None:
        root = _bracket(times, amounts, start)
    if root is None or not math.isfinite(root):
        return None
    rate = math.expm1(root)
    return rate if math.isfinite(rate) else None


def _prepare(cashflows):
    """Year fractions from the first date and amounts scaled to at most 1, one per day; None if no root can exist."""
    pairs = [(d, a) for d, a in cashflows]
    if len(pairs) < 2:
        return None, None
    frame = pd.DataFrame({"date": pd.to_datetime([p[0] for p in pairs], errors="coerce"),
                          "amount": pd.to_numeric(pd.Series([p[1] for p in pairs], dtype=object), errors="coerce")})
    frame = frame.dropna()
    frame = frame[np.isfinite(frame["amount"].to_numpy(dtype=float))]
    if frame.empty:
        return None, None
    if frame["date"].dt.tz is not None:
        frame["date"] = frame["date"].dt.tz_localize(None)
    frame["date"] = frame["date"].dt.normalize()
    flows = frame.groupby("date")["amount"].sum().astype(float)
    flows = flows[flows != 0.0]
    if len(flows) < 2 or (flows > 0).all() or (flows < 0).all():
        return None, None
    days = (flows.index - flows.index[0]).days.to_numpy(dtype=float)
    amounts = flows.to_numpy(dtype=float)
    return days / DAYS_PER_YEAR, amounts / np.abs(amounts).max()


def _npv(times, amounts, x):
    """(f, f') at x = ln(1 + r), both scaled by the same positive factor so nothing overflows.

    f(x) = Σ a_i e^(−x t_i), f'(x) = −Σ a_i t_i e^(−x t_i).
    """
    exponents = -x * times
    shift = exponents.max()
    weights = amounts * np.exp(exponents - shift)
    return weights.sum(), -(weights * times).sum(), shift


def _newton(times, amounts, x):
    """Newton's method on f(x); None when it does not settle on a root within 60 steps."""
    for _ in range(60):
        f, df, _shift = _npv(times, amounts, x)
        if df == 0.0 or not math.isfinite(f) or not math.isfinite(df):
            return None
        step = f / df
        step = max(-2.0, min(2.0, step))
        x -= step
        if not -60.0 < x < 100.0:
            return None
        if abs(step) < _TOLERANCE:
            return x
    return None


def _bracket(times, amounts, guess):
    """Find sign changes of f on a grid of x, bisect the one nearest `guess`; None if f never changes sign."""
    exponents = -np.outer(_GRID, times)
    signs = np.sign((amounts * np.exp(exponents - exponents.max(axis=1, keepdims=True))).sum(axis=1))
    changes = np.flatnonzero(signs[:-1] * signs[1:] < 0)
    if len(changes) == 0:
        return None
    k = changes[np.argmin(np.abs(_GRID[changes] - guess))]
    lo, hi = _GRID[k], _GRID[k + 1]
    f_lo = np.sign(_npv(times, amounts, lo)[0])
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f_mid = np.sign(_npv(times, amounts, mid)[0])
        if f_mid == 0:
            return mid
        if f_mid == f_lo:
            lo = mid
        else:
            hi = mid
        if hi - lo < _TOLERANCE:
            break
    return 0.5 * (lo + hi)
