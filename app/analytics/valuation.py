"""Daily valuation of a portfolio in its base currency, through splits, dividends and currencies.

The portfolio has no cash account: money comes in from its owner to buy and goes back to the
owner from sales, dividends are paid out to the owner, and fees are paid by the owner. So:

- flow_in   (external inflow)  = Σ BUY  (quantity × price + fees) × fx(trade currency, day)
- flow_out  (external outflow) = Σ SELL (quantity × price − fees) × fx(trade currency, day)
- dividends (income paid out)  = Σ imported DIVIDEND (quantity × price − fees) × fx, or, for a ticker
  with no imported dividend row at all, Σ Yahoo dividend per share (split-adjusted, in the ticker's
  quote currency: pence for GBp) × shares held at the close before the ex-date × fx(ticker currency,
  ex-date); never both for one ticker
- fees      (paid by the owner) = Σ FEE (quantity × price + fees) × fx
- value_t   = Σ_tickers shares_t × close_t × fx(ticker currency, t), shares in today's split units

All of it is vectorised: one matrix of days × tickers, filled with np.bincount and cumulated with
cumsum; loops run only over tickers that have split events and over distinct currencies.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.analytics.calendar import (
    carry_forward_values,
    clean_frame,
    event_positions,
    ffill_rows,
    to_timestamp,
    trading_index,
)
from app.analytics.fx import fx_rates
from app.analytics.holdings import DUST_FLOAT as DUST
from app.analytics.inputs import normalize_trades
from app.analytics.splits import split_events, split_factor_after

DAILY_COLUMNS = ["value", "prev_value", "flow_in", "flow_out", "dividends", "fees", "income", "net_invested"]


@dataclass
class Valuation:
    """A portfolio valued day by day: the daily totals, the per-ticker values and share counts.

    daily: DAILY_COLUMNS (see the module docstring). holdings: base-currency value, days × tickers.
    quantities: shares held, in today's split-adjusted units, days × tickers. unpriced: tickers
    valued at their last trade price on some held day because no close was known yet.
    """

    daily: pd.DataFrame
    holdings: pd.DataFrame
    quantities: pd.DataFrame
    unpriced: list = field(default_factory=list)


def portfolio_valuation(trades, closes, splits=None, dividends=None, currencies=None, fx=None,
                        base_currency="USD", start=None, end=None):
    """Value the portfolio on every trading day from its first transaction (or `start`) to `end`.

    shares_t(ticker) = Σ_{trades ≤ t} ±quantity × Π(ratios of splits after the trade);
    holding_t = shares_t × price_t × fx_t, where price_t is the split-adjusted close carried forward,
    or, before the ticker's first close, its last trade price ÷ the same split product.
    See the module docstring for flows, dividends and fees. Raise fx.FxMissingError when a needed
    FX pair is absent from `fx` (fx_pairs_needed lists them).
    """
    currencies = dict(currencies or {})
    trades = normalize_trades(trades, currencies, base_currency)
    closes = clean_frame(closes)
    active = trades[trades["type"] != "SPLIT"]
    end_ts = to_timestamp(end)
    if end_ts is None:
        candidates = [closes.index.max() if len(closes) else None, active["trade_date"].max()]
        candidates = [d for d in candidates if d is not None and not pd.isna(d)]
        end_ts = max(candidates) if candidates else None
    if end_ts is None:
        return _empty_valuation()
    active = active[active["trade_date"] <= end_ts].reset_index(drop=True)
    if active.empty:
        return _empty_valuation()

    index = trading_index(closes.index, active["trade_date"].min(), end_ts, active["trade_date"])
    days = len(index)
    pos = np.minimum(event_positions(index, active["trade_date"]), days - 1)
    kind = active["type"].to_numpy()
    is_position = (kind == "BUY") | (kind == "SELL")
    p_tickers = active["ticker"].to_numpy(dtype=object)[is_position]
    p_cols, uniques = pd.factorize(p_tickers)  # columns in order of first trade
    tickers = list(uniques)
    column = {t: i for i, t in enumerate(tickers)}

    ticker_codes = [currencies.get(t) or base_currency for t in tickers]
    trade_codes = active["currency"].tolist()
    rates = fx_rates(ticker_codes + trade_codes, fx, base_currency, index)
    rate_col = {c: i for i, c in enumerate(rates.columns)}
    rate_matrix = rates.to_numpy()
    ticker_fx = rate_matrix[:, [rate_col[c] for c in ticker_codes]] if tickers else np.empty((days, 0))
    trade_fx = rate_matrix[pos, [rate_col[c] for c in trade_codes]]

    quantity = active["quantity"].to_numpy(dtype=float)
    price = active["price"].to_numpy(dtype=float)
    fees = active["fees"].to_numpy(dtype=float)

    # Shares, in today's split units.
    p_rows = pos[is_position]
    factor = split_factor_after(p_tickers, pd.DatetimeIndex(active["trade_date"])[is_position],
                                split_events(trades, splits))
    signed = np.where(kind[is_position] == "BUY", 1.0, -1.0) * quantity[is_position] * factor
    width = len(tickers)
    shares = np.bincount(p_rows * width + p_cols, signed, minlength=days * width).reshape(days, width)
    shares = np.cumsum(shares, axis=0)
    shares[np.abs(shares) < DUST] = 0.0

    # Prices in base currency: the close carried forward, else the last trade price.
    where = closes.columns.get_indexer(tickers) if len(closes.columns) else np.full(len(tickers), -1)
    close = np.full((days, len(tickers)), np.nan)
    if (where >= 0).any():
        quoted = closes.to_numpy(dtype=float)[:, where[where >= 0]]
        close[:, where >= 0] = carry_forward_values(closes.index, quoted, index)
    close *= ticker_fx
    fallback = _last_trade_price(days, len(tickers), p_rows, p_cols,
                                 price[is_position] * trade_fx[is_position] / factor)
    missing_close = np.isnan(close)
    unit_price = np.where(missing_close, fallback, close)
    holding = np.where(shares != 0.0, shares * np.nan_to_num(unit_price), 0.0)
    unpriced = [tickers[j] for j in np.flatnonzero((missing_close & (shares != 0.0)).any(axis=0))]

    # Cash between the owner and the portfolio.
    gross = quantity * price
    flow_in = np.bincount(pos, np.where(kind == "BUY", gross + fees, 0.0) * trade_fx, minlength=days)
    flow_out = np.bincount(pos, np.where(kind == "SELL", gross - fees, 0.0) * trade_fx, minlength=days)
    paid = np.bincount(pos, np.where(kind == "DIVIDEND", gross - fees, 0.0) * trade_fx, minlength=days)
    fee = np.bincount(pos, np.where(kind == "FEE", gross + fees, 0.0) * trade_fx, minlength=days)
    imported = set(active.loc[kind == "DIVIDEND", "ticker"])
    paid += _yahoo_dividends(dividends, index, column, imported, shares, ticker_fx)

    value = holding.sum(axis=1)
    daily = pd.DataFrame(
        {"value": value, "prev_value": np.concatenate(([0.0], value[:-1])), "flow_in": flow_in,
         "flow_out": flow_out, "dividends": paid, "fees": fee, "income": paid - fee,
         "net_invested": np.cumsum(flow_in - flow_out)},
        index=index,
    )
    keep = _window(index, to_timestamp(start), end_ts)
    return Valuation(
        daily=daily[keep],
        holdings=pd.DataFrame(holding[keep], index=index[keep], columns=tickers, copy=False),
        quantities=pd.DataFrame(shares[keep], index=index[keep], columns=tickers, copy=False),
        unpriced=unpriced,
    )


def _window(index, start, end):
    """Boolean mask of the days in [start, end] (either bound may be None)."""
    keep = np.ones(len(index), dtype=bool)
    if start is not None:
        keep &= index >= start
    if end is not None:
        keep &= index <= end
    return keep


def _last_trade_price(days, width, rows, cols, prices):
    """A days × tickers matrix of each ticker's last trade price so far (NaN before its first trade)."""
    out = np.full((days, width), np.nan)
    if len(rows):
        cell = rows * width + cols
        _, last = np.unique(cell[::-1], return_index=True)  # the last trade of a day in a ticker wins
        last = len(cell) - 1 - last
        out[rows[last], cols[last]] = prices[last]
    return ffill_rows(out)


def _yahoo_dividends(dividends, index, column, imported, shares, ticker_fx):
    """Cash per day from Yahoo's dividend events, for tickers with no imported dividend rows.

    cash(ex-date t) = amount per share × shares held at the close of the trading day before t × fx_t.
    """
    days = len(index)
    if dividends is None or len(dividends) == 0 or not column:
        return np.zeros(days)
    amount_col = "amount" if "amount" in dividends.columns else "value"
    wanted = pd.Index([t for t in column if t not in imported])
    cols = wanted.get_indexer(dividends["ticker"].astype(str))
    amount = pd.to_numeric(dividends[amount_col], errors="coerce").to_numpy(dtype=float)
    rows = event_positions(index, dividends["date"])
    inside = (cols >= 0) & (rows >= 1) & (rows < days) & np.isfinite(amount)
    rows, amount = rows[inside], amount[inside]
    cols = np.array([column[t] for t in wanted], dtype=int)[cols[inside]] if inside.any() else cols[inside]
    # One event per ticker and day (a duplicated row must not pay twice).
    _, first = np.unique(rows * shares.shape[1] + cols, return_index=True)
    rows, cols, amount = rows[first], cols[first], amount[first]
    cash = shares[rows - 1, cols] * amount * ticker_fx[rows, cols]
    return np.bincount(rows, cash, minlength=days)


def _empty_valuation():
    """A Valuation with no days."""
    index = pd.DatetimeIndex([], dtype="datetime64[ns]")
    return Valuation(daily=pd.DataFrame({c: pd.Series(dtype=float) for c in DAILY_COLUMNS}, index=index),
                     holdings=pd.DataFrame(index=index), quantities=pd.DataFrame(index=index))
