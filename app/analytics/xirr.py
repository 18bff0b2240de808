"""XIRR: the annual rate that makes a dated series of cash flows worth nothing today."""

import math
import warnings

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.0  # the spreadsheet XIRR convention: actual days ÷ 365
_TOLERANCE = 1e-12
# Grid of x = ln(1 + r) for the bracketing search: steps of 0.01 where rates are ordinary (−95 % … +1,900 %),
# coarser out to the largest rate a float holds (a few days' gain, annualised, can be astronomical).
_GRID = np.unique(np.concatenate((
    np.linspace(-700.0, -30.0, 135),
    np.linspace(-30.0, -3.0, 271),
    np.linspace(-3.0, 3.0, 601),
    np.linspace(3.0, 60.0, 571),
    np.linspace(60.0, 700.0, 161),
)))
_X_MIN, _X_MAX = -700.0, 700.0


def xirr(cashflows, guess=0.1):
    """Return the annual rate r with Σ amount_i ÷ (1 + r)^((date_i − date_0) / 365) = 0, or None.

    `cashflows` is an iterable of (date, amount): negative is money the owner puts in, positive is
    money the owner gets back (the final value counts as money back). Flows on the same day are
    added up. None when there is no root: fewer than two days, all flows of one sign, bad input.
    When several roots exist, the one nearest `guess` is returned (Newton from `guess` first, then a
    bracketing search in x = ln(1 + r) and bisection).
    """
    try:
        pairs = [(d, a) for d, a in cashflows]
        if len(pairs) < 2:
            return None
        dates = _dates([p[0] for p in pairs])
        amounts = pd.to_numeric(pd.Series([p[1] for p in pairs], dtype=object), errors="coerce")
        return xirr_arrays(dates, amounts.to_numpy(dtype=float), guess)
    except (TypeError, ValueError, OverflowError, AttributeError, KeyError, IndexError):
        return None


def xirr_arrays(dates, amounts, guess=0.1):
    """xirr on a DatetimeIndex of dates and an array of amounts (same formula and conventions, no parsing)."""
    times, amounts = _prepare(dates, amounts)
    if times is None:
        return None
    try:
        start = math.log1p(guess) if guess is not None and guess > -1 else math.log1p(0.1)
    except (TypeError, ValueError):
        start = math.log1p(0.1)
    root = _newton(times, amounts, start)
    root = _bracket(times, amounts, start) if root is None else _nearest_root(times, amounts, start, root)
    if root is None or math.isnan(root):
        return None
    rate = math.expm1(root)
    return rate if math.isfinite(rate) else None


def _prepare(dates, amounts):
    """Year fractions from the first date and amounts scaled to at most 1, one per day; None if no root can exist."""
    day = np.asarray(pd.DatetimeIndex(dates).as_unit("ns").asi8, dtype=np.int64)
    amounts = np.asarray(amounts, dtype=float)
    keep = (day != np.iinfo(np.int64).min) & np.isfinite(amounts)  # NaT is int64's minimum
    day, amounts = day[keep] // 86_400_000_000_000, amounts[keep]
    if len(day) < 2:
        return None, None
    unique, where = np.unique(day, return_inverse=True)
    flows = np.bincount(where, amounts, minlength=len(unique))
    nonzero = flows != 0.0
    unique, flows = unique[nonzero], flows[nonzero]
    if len(flows) < 2 or (flows > 0).all() or (flows < 0).all():
        return None, None
    return (unique - unique[0]) / DAYS_PER_YEAR, flows / np.abs(flows).max()


def _dates(values):
    """Midnight, tz-naive timestamps for any mix of dates, strings and timestamps; NaT where unreadable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format": parsed one by one, fine
            parsed = pd.DatetimeIndex(pd.to_datetime(values))
        if parsed.tz is not None:
            parsed = parsed.tz_localize(None)
        return parsed.as_unit("ns")
    except (TypeError, ValueError, OverflowError):
        return pd.DatetimeIndex([_one_date(v) for v in values]).as_unit("ns")


def _one_date(value):
    """One value as a midnight, tz-naive Timestamp, or NaT."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        return pd.NaT
    if pd.isna(stamp):
        return pd.NaT
    return (stamp.tz_localize(None) if stamp.tz is not None else stamp).normalize()


def _npv(times, amounts, x):
    """(f, f') at x = ln(1 + r), both scaled by the same positive factor so nothing overflows.

    f(x) = Σ a_i e^(−x t_i), f'(x) = −Σ a_i t_i e^(−x t_i).
    """
    exponents = -x * times
    shift = exponents.max()
    weights = amounts * np.exp(exponents - shift)
    return weights.sum(), -(weights * times).sum(), shift


def _signs(times, amounts, xs):
    """sign f(x) for each x in xs (scaled per x, which keeps the sign)."""
    exponents = -np.outer(xs, times)
    return np.sign((amounts * np.exp(exponents - exponents.max(axis=1, keepdims=True))).sum(axis=1))


def _newton(times, amounts, x):
    """Newton's method on f(x); None when it does not settle on a root within 60 steps."""
    for _ in range(60):
        f, df, _shift = _npv(times, amounts, x)
        if df == 0.0 or not math.isfinite(f) or not math.isfinite(df):
            return None
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            step = f / df
        if not math.isfinite(step):
            return None
        step = max(-2.0, min(2.0, step))
        x -= step
        if not _X_MIN < x < _X_MAX:
            return None
        if abs(step) < _TOLERANCE:
            return x
    return None


def _nearest_root(times, amounts, guess, root):
    """The root nearest `guess` within the distance of the root Newton found (Newton may jump past one)."""
    reach = abs(root - guess)
    inner = _GRID[np.abs(_GRID - guess) < reach]
    points = np.unique(np.concatenate(([guess - reach, guess, guess + reach], inner)))
    signs = _signs(times, amounts, points)
    changes = np.flatnonzero(signs[:-1] * signs[1:] < 0)
    if len(changes) == 0:
        return root
    roots = [_bisect(times, amounts, points[k], points[k + 1]) for k in changes[:16]]
    nearer = min(roots, key=lambda x: abs(x - guess))
    return nearer if abs(nearer - guess) < reach - 1e-9 else root


def _bracket(times, amounts, guess):
    """Find sign changes of f on a grid of x, bisect the one nearest `guess`; None if f never changes sign."""
    signs = _signs(times, amounts, _GRID)
    changes = np.flatnonzero(signs[:-1] * signs[1:] < 0)
    if len(changes) == 0:
        # As x → −∞ the last flow dominates: a sign change beyond the grid's low end is a rate
        # within 1e-300 of −100 %, which a float holds as −1 (x = −∞ stands for it).
        if signs[0] != 0 and signs[0] != np.sign(amounts[np.argmax(times)]):
            return -math.inf
        return None
    nearest = changes[np.argsort(np.abs(_GRID[changes] - guess))[:16]]
    roots = [_bisect(times, amounts, _GRID[k], _GRID[k + 1]) for k in nearest]
    return min(roots, key=lambda x: abs(x - guess))


def _bisect(times, amounts, lo, hi):
    """Bisection of f on [lo, hi], where f changes sign, down to 1e-12 in x."""
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
        if abs(hi - lo) < _TOLERANCE:
            break
    return 0.5 * (lo + hi)
