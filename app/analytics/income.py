"""Dividend income received: each payment's day, ticker, source, shares, amount per share and cash.

A ticker's income is its DIVIDEND transactions where the owner entered any (source "entered"), else
Yahoo's dividend events × the shares held at the close before each ex-date (source "yahoo"); never both
for one ticker, as in valuation. Yahoo's amounts per share are split-adjusted (today's share units, in the
ticker's quote currency: pence for GBp), so shares are counted in today's units: a split inside the
window changes neither the cash received before it nor the per-share history read across it.
"""

import numpy as np
import pandas as pd

from app.analytics.calendar import normalize_dates, to_timestamp
from app.analytics.fx import fx_rates
from app.analytics.holdings import DUST_FLOAT as DUST
from app.analytics.inputs import normalize_trades
from app.analytics.splits import split_events, split_factor_after

ENTERED, YAHOO = "entered", "yahoo"
EVENT_COLUMNS = ["date", "ticker", "source", "shares", "per_share", "currency", "amount"]
TRAILING_DAYS = 365


def shares_before(trades, tickers, dates, splits=None):
    """Shares of each (ticker, date) held at the close of the day before, in today's split units.

    shares(t, d) = Σ over BUY/SELL of t dated before d of ±quantity × Π(ratios of t's splits after the
    trade): a buy on the ex-date itself gets no dividend, a sell on the ex-date still does.
    `trades` is a normalized trades frame (inputs.normalize_trades).
    """
    tickers = np.asarray(tickers, dtype=object)
    out = np.zeros(len(tickers))
    kind = trades["type"].to_numpy(dtype=object)
    position = (kind == "BUY") | (kind == "SELL")
    if not position.any() or not len(tickers):
        return out
    moved = trades[position]
    traded = moved["ticker"].to_numpy(dtype=object)
    factor = split_factor_after(traded, pd.DatetimeIndex(moved["trade_date"]), split_events(trades, splits))
    signed = np.where(moved["type"].to_numpy(dtype=object) == "BUY", 1.0, -1.0) * moved["quantity"].to_numpy() * factor
    # One sorted key per trade and per question, (ticker, day): a running sum per ticker, then one search.
    codes, _ = pd.factorize(np.concatenate([traded, tickers]))
    trade_key = _key(codes[:len(traded)], moved["trade_date"])
    order = np.argsort(trade_key, kind="stable")
    trade_key, signed, trade_codes = trade_key[order], signed[order], codes[:len(traded)][order]
    running = np.cumsum(signed)
    first = np.r_[True, trade_codes[1:] != trade_codes[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(first)), 0))
    held = running - (running - signed)[start]  # the running sum within each ticker
    wanted_codes = codes[len(traded):]
    last = trade_key.searchsorted(_key(wanted_codes, dates), side="left") - 1  # the last trade before the day
    found = (last >= 0) & (trade_codes[np.maximum(last, 0)] == wanted_codes)
    out[found] = held[last[found]]
    out[np.abs(out) < DUST] = 0.0
    return out


def _key(codes, dates):
    """(ticker code, day) as one sortable integer."""
    days = normalize_dates(dates).to_numpy().astype("datetime64[D]").astype(np.int64)
    return codes.astype(np.int64) * 10_000_000 + days


def income_events(trades, dividends=None, splits=None, currencies=None, base="USD", end=None):
    """Every dividend received up to `end`, oldest first: a frame of EVENT_COLUMNS, amounts in `currency`.

    entered: amount = quantity × price − fees in the row's currency; per_share = amount ÷ shares held then.
    yahoo: amount = per_share × shares held at the close before the ex-date, for tickers with no entered
    row; ex-dates when no share was held are left out.
    """
    currencies = dict(currencies or {})
    frame = normalize_trades(trades, currencies, base)
    end_ts = to_timestamp(end)
    paid = frame[frame["type"] == "DIVIDEND"]
    if end_ts is not None:
        paid = paid[paid["trade_date"] <= end_ts]
    amount = (paid["quantity"] * paid["price"] - paid["fees"]).to_numpy(dtype=float)
    held = shares_before(frame, paid["ticker"].to_numpy(dtype=object), paid["trade_date"], splits)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_share = np.where(held > 0, amount / held, np.nan)
    entered = pd.DataFrame({"date": pd.DatetimeIndex(paid["trade_date"]), "ticker": paid["ticker"].to_numpy(),
                            "source": ENTERED, "shares": held, "per_share": per_share,
                            "currency": paid["currency"].to_numpy(), "amount": amount})
    parts = [entered]
    bought = set(frame.loc[frame["type"] == "BUY", "ticker"]) - set(entered["ticker"])
    if dividends is not None and len(dividends) and bought:
        parts.append(_yahoo_events(frame, dividends, splits, bought, currencies, base, end_ts))
    events = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else entered
    return events.sort_values(["date", "ticker"], kind="stable").reset_index(drop=True)[EVENT_COLUMNS]


def _yahoo_events(frame, dividends, splits, tickers, currencies, base, end_ts):
    """Yahoo's events of these tickers as received cash, one per ticker and day."""
    amount_col = "amount" if "amount" in dividends.columns else "value"
    rows = dividends[dividends["ticker"].astype(str).isin(tickers)].copy()
    rows["date"] = normalize_dates(rows["date"])
    rows["per_share"] = pd.to_numeric(rows[amount_col], errors="coerce")
    rows = rows[np.isfinite(rows["per_share"].to_numpy(dtype=float))]
    if end_ts is not None:
        rows = rows[rows["date"] <= end_ts]
    rows = rows.drop_duplicates(["ticker", "date"])
    held = shares_before(frame, rows["ticker"].to_numpy(dtype=object), rows["date"], splits)
    out = pd.DataFrame({"date": pd.DatetimeIndex(rows["date"]), "ticker": rows["ticker"].astype(str).to_numpy(),
                        "source": YAHOO, "shares": held, "per_share": rows["per_share"].to_numpy(dtype=float),
                        "currency": rows["ticker"].astype(str).map(currencies).fillna(base).to_numpy(dtype=object),
                        "amount": held * rows["per_share"].to_numpy(dtype=float)})
    return out[out["shares"] > 0]


def in_base(events, fx, base="USD"):
    """The events with `amount_base`: amount × fx factor of its currency on its day (GBp is a hundredth of GBP).

    Raise fx.FxMissingError naming every pair the fx frame lacks.
    """
    events = events.copy()
    if not len(events):
        events["amount_base"] = pd.Series(dtype=float)
        return events
    days = pd.DatetimeIndex(sorted(set(events["date"])))
    codes = list(dict.fromkeys(events["currency"]))
    rates = fx_rates(codes, fx, base, days)
    row = days.get_indexer(pd.DatetimeIndex(events["date"]))
    column = rates.columns.get_indexer(events["currency"])
    events["amount_base"] = events["amount"].to_numpy(dtype=float) * rates.to_numpy()[row, column]
    return events


def monthly_totals(events, column="amount_base"):
    """Income per calendar month and source: a frame of month ('YYYY-MM'), source, amount, oldest first."""
    if not len(events):
        return pd.DataFrame({"month": [], "source": [], "amount": []})
    months = pd.DatetimeIndex(events["date"]).strftime("%Y-%m")
    grouped = events.assign(month=months).groupby(["month", "source"], sort=True)[column].sum()
    return grouped.rename("amount").reset_index()


def yearly_totals(events, column="amount_base"):
    """Income per calendar year: {year: amount}, oldest first."""
    if not len(events):
        return {}
    years = pd.DatetimeIndex(events["date"]).year
    return {int(year): float(amount) for year, amount in events.groupby(years)[column].sum().items()}


def trailing_totals(events, today, days=TRAILING_DAYS, column="amount_base"):
    """Income per ticker with a date in (today − days, today]: {ticker: amount}."""
    today = to_timestamp(today)
    if not len(events):
        return {}
    recent = events[(events["date"] > today - pd.Timedelta(days=days)) & (events["date"] <= today)]
    return {str(t): float(a) for t, a in recent.groupby("ticker")[column].sum().items()}


def unentered(events, dividends, trades, splits=None, currencies=None, base="USD", end=None):
    """Yahoo's events left out because their ticker has entered dividends: {ticker: (count, last entered day)}.

    Only ex-dates after the ticker's last entered dividend, with shares held, count: what the owner has
    probably not entered yet.
    """
    entered = events[events["source"] == ENTERED]
    if not len(entered) or dividends is None or not len(dividends):
        return {}
    last = entered[entered["ticker"] != ""].groupby("ticker")["date"].max()
    if last.empty:
        return {}
    frame = normalize_trades(trades, currencies, base)
    rows = dividends[dividends["ticker"].astype(str).isin(set(last.index))].copy()
    rows["date"] = normalize_dates(rows["date"])
    end_ts = to_timestamp(end)
    rows = rows[rows["date"].to_numpy() > last.reindex(rows["ticker"]).to_numpy()]
    if end_ts is not None:
        rows = rows[rows["date"] <= end_ts]
    rows = rows[shares_before(frame, rows["ticker"].to_numpy(dtype=object), rows["date"], splits) > 0]
    return {str(t): (int(n), last[t].date()) for t, n in rows.groupby("ticker").size().items()}
