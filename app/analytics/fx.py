"""Currency conversion with Yahoo's FX pairs, including quotes in minor units (pence).

Yahoo names the price of one unit of ``CCY`` in ``BASE`` as the ticker ``CCYBASE=X``
(``EURUSD=X`` is the price of 1 EUR in USD). London tickers are quoted in pence, which
Yahoo reports as currency ``GBp``: a pence price is divided by 100 and converted with
GBP's pair.
"""

import numpy as np
import pandas as pd

from app.analytics.calendar import clean_frame

# Minor-unit quote currencies as Yahoo reports them: code -> (ISO currency, units per major unit).
MINOR_UNITS = {
    "GBp": ("GBP", 100.0),
    "GBX": ("GBP", 100.0),
    "ZAc": ("ZAR", 100.0),
    "ZAC": ("ZAR", 100.0),
    "ILA": ("ILS", 100.0),
}


class FxMissingError(ValueError):
    """An FX pair needed to convert into the base currency is absent from the fx frame."""

    def __init__(self, pairs):
        self.pairs = sorted(set(pairs))
        super().__init__(f"Missing FX history for {', '.join(self.pairs)}.")


def currency_unit(code, default="USD"):
    """Split a quote currency into (ISO code, divisor): 'GBp' -> ('GBP', 100), 'EUR' -> ('EUR', 1)."""
    if not code or (isinstance(code, float) and np.isnan(code)):
        code = default
    code = str(code).strip()
    if code in MINOR_UNITS:
        return MINOR_UNITS[code]
    return code.upper(), 1.0


def pair_ticker(currency, base):
    """Yahoo's ticker for the price of one `currency` in `base`: ('EUR', 'USD') -> 'EURUSD=X'."""
    return f"{currency}{base}=X"


def fx_pairs_needed(currencies, base="USD"):
    """Return the Yahoo FX tickers to fetch so every currency in `currencies` converts to `base`.

    `currencies` is a mapping ticker -> quote currency, or any iterable of currency codes.
    Minor units map to their major currency (GBp needs GBPUSD=X); the base needs no pair.
    """
    codes = currencies.values() if isinstance(currencies, dict) else currencies
    base_iso, _ = currency_unit(base)
    needed = set()
    for code in codes:
        iso, _ = currency_unit(code, default=base_iso)
        if iso != base_iso:
            needed.add(pair_ticker(iso, base_iso))
    return sorted(needed)


def _pair_series(fx, iso, base_iso):
    """The rate base-per-iso from `fx`, direct (EURUSD=X) or as the inverse of USDEUR=X; None if absent."""
    if fx is None or fx.empty:
        return None
    direct = pair_ticker(iso, base_iso)
    if direct in fx.columns and fx[direct].notna().any():
        return fx[direct].astype(float)
    inverse = pair_ticker(base_iso, iso)
    if inverse in fx.columns and fx[inverse].notna().any():
        return 1.0 / fx[inverse].astype(float)
    return None


def fx_rates(codes, fx, base, index):
    """Return a DataFrame (index × code) of the factor that turns an amount quoted in `code` into `base`.

    factor(code, t) = rate(ISO(code) -> base, t) ÷ divisor(code): GBp on a day GBPUSD=X is 1.25
    gives 0.0125. Rates are carried forward across days without a quote; before the pair's first
    quote its first rate is used (so that a missing early FX day does not blank the portfolio).
    Raise FxMissingError naming every pair the fx frame lacks.
    """
    base_iso, _ = currency_unit(base)
    index = pd.DatetimeIndex(index)
    fx = clean_frame(fx)
    out, missing = {}, []
    for code in dict.fromkeys(codes):
        iso, divisor = currency_unit(code, default=base_iso)
        if iso == base_iso:
            out[code] = np.full(len(index), 1.0 / divisor)
            continue
        series = _pair_series(fx, iso, base_iso)
        if series is None:
            missing.append(pair_ticker(iso, base_iso))
            continue
        series = series[series > 0].dropna()
        union = series.index.union(index)
        rate = series.reindex(union).ffill().bfill().reindex(index)
        out[code] = rate.to_numpy() / divisor
    if missing:
        raise FxMissingError(missing)
    return pd.DataFrame(out, index=index, columns=list(out))


def to_base(prices, currencies, fx, base="USD"):
    """Convert a price frame (one column per ticker) into `base`: price × factor(currency of ticker, day).

    Use it on benchmark adjusted closes before passing them to performance_table when the
    portfolio's base currency differs from the benchmarks' currency. Tickers missing from
    `currencies` are taken to be quoted in `base`. NaN prices stay NaN.
    """
    prices = clean_frame(prices)
    codes = [currencies.get(t, base) or base for t in prices.columns]
    rates = fx_rates(codes, fx, base, prices.index)
    factors = rates[codes].to_numpy() if len(codes) else np.empty((len(prices), 0))
    return pd.DataFrame(prices.to_numpy(dtype=float) * factors, index=prices.index, columns=prices.columns, copy=False)

