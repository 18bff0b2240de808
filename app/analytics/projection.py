"""The next 12 months of dividends: each holding's usual payments of the last 12 months, a year on.

Per holding: its regular payments per share with an ex-date in the last 12 months (a special dividend,
more than SPECIAL_FACTOR times its usual payment, is left out and said so), or its declared regular
rate when Yahoo gives one, spread over as many payments as it makes a year; each expected a year after
the one it repeats, × the shares held now × today's exchange rate. A holding with no payment in the last
12 months has stopped paying and expects nothing.
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from app.analytics.calendar import to_timestamp
from app.analytics.fx import MINOR_UNITS
from app.analytics.income import YAHOO

SPECIAL_FACTOR = 2.5  # a payment this many times the usual one is a special dividend
HISTORY_DAYS = 730  # the usual payment and the number a year are read from two years of payments
YEAR_DAYS = 365
ANNOUNCED_WINDOW = 45  # days: an announced ex-date this close to an expected one is that payment
DECLARED_TOLERANCE = 3.0  # a declared rate further than this factor from the payments is not trusted


@dataclass
class Payer:
    """An open holding as the projection sees it: shares now (today's units), its profile's declared dividend."""

    ticker: str
    shares: float
    declared: float | None = None  # per share and year, in the quote currency as Yahoo gives it
    announced: date | None = None  # the next ex-date Yahoo announced


@dataclass
class Expected:
    """One expected payment: its ex-date, per share (in `currency`), shares, amount in the base currency."""

    date: date
    ticker: str
    per_share: float
    currency: str
    shares: float
    amount: float
    basis: str  # "last 12 months" or "declared rate"
    announced: bool = False


@dataclass
class Projection:
    """The expected payments, oldest first, and what was left out and why."""

    entries: list = field(default_factory=list)
    specials: list = field(default_factory=list)  # (ticker, date, per_share, currency) left out
    stopped: list = field(default_factory=list)  # (ticker, date of its last payment)
    notes: list = field(default_factory=list)

    @property
    def total(self):
        """Σ expected amounts, in the base currency."""
        return float(sum(e.amount for e in self.entries))


def per_share_history(events, dividends=None, currencies=None):
    """Each ticker's dividends per share (ticker, date, per_share, currency), oldest first.

    Yahoo's stored events where a ticker has any; else its entered dividends ÷ the shares held then.
    """
    currencies = currencies or {}
    parts = []
    stored = set()
    if dividends is not None and len(dividends):
        amount_col = "amount" if "amount" in dividends.columns else "value"
        yahoo = pd.DataFrame({"ticker": dividends["ticker"].astype(str).to_numpy(),
                              "date": pd.to_datetime(dividends["date"]).to_numpy(),
                              "per_share": pd.to_numeric(dividends[amount_col], errors="coerce").to_numpy()})
        yahoo["currency"] = [currencies.get(t) for t in yahoo["ticker"]]
        parts.append(yahoo)
        stored = set(yahoo["ticker"])
    if events is not None and len(events):
        own = events[(events["source"] != YAHOO) & ~events["ticker"].isin(stored)]
        parts.append(own[["ticker", "date", "per_share", "currency"]])
    if not parts:
        return pd.DataFrame({"ticker": [], "date": pd.DatetimeIndex([]), "per_share": [], "currency": []})
    history = pd.concat(parts, ignore_index=True)
    history = history[np.isfinite(history["per_share"].to_numpy(dtype=float)) & (history["per_share"] > 0)]
    return history.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)


def split_specials(history, today):
    """(regular, specials): a payment of the last two years above SPECIAL_FACTOR × that ticker's median is special.

    Only a ticker with three payments or more in the two years has a usual payment to compare with.
    """
    today = to_timestamp(today)
    recent = history[(history["date"] > today - pd.Timedelta(days=HISTORY_DAYS)) & (history["date"] <= today)]
    counts = recent.groupby("ticker")["per_share"].transform("size")
    median = recent.groupby("ticker")["per_share"].transform("median")
    special = (counts >= 3) & (recent["per_share"] > SPECIAL_FACTOR * median)
    return recent[~special], recent[special]


def payments_a_year(days):
    """How many payments a year a ticker makes: 365.25 ÷ the median gap between its ex-dates, 1 to 12."""
    return _count(np.sort(np.asarray(pd.to_datetime(pd.Series(days))).astype("datetime64[D]")))


def _count(days):
    """payments_a_year of sorted datetime64[D] days."""
    if len(days) < 2:
        return 1
    gap = float(np.median(np.diff(days).astype(float)))
    return int(min(12, max(1, round(365.25 / gap)))) if gap > 0 else 1


def _columns(frame):
    """{ticker: (days as datetime64[D], per_share, currency)} in date order, cut from the frame in one pass."""
    if not len(frame):
        return {}
    frame = frame.sort_values(["ticker", "date"], kind="stable")
    tickers = frame["ticker"].to_numpy(dtype=object)
    days = frame["date"].to_numpy().astype("datetime64[D]")
    amounts = frame["per_share"].to_numpy(dtype=float)
    currencies = frame["currency"].to_numpy(dtype=object)
    bounds = np.flatnonzero(np.r_[True, tickers[1:] != tickers[:-1], True])
    return {tickers[a]: (days[a:b], amounts[a:b], currencies[a:b]) for a, b in zip(bounds[:-1], bounds[1:],
                                                                                   strict=True)}


def project(payers, history, rates_now, today, horizon_days=YEAR_DAYS):
    """The Projection of each payer's dividends over the next `horizon_days`.

    amount = per_share × shares now × rates_now[currency]; per_share is the payment repeated, or
    declared ÷ payments a year. `rates_now` maps a currency code to its factor into the base currency.
    """
    today = to_timestamp(today).date()
    horizon = today + timedelta(days=horizon_days)
    year_ago = np.datetime64(today - timedelta(days=YEAR_DAYS), "D")
    regular, specials = split_specials(history, today)
    result = Projection()
    held = {p.ticker for p in payers if p.shares > 0}
    for row in specials.itertuples(index=False):
        if np.datetime64(row.date.date(), "D") > year_ago and row.ticker in held:
            result.specials.append((row.ticker, row.date.date(), float(row.per_share), row.currency))
    usual = _columns(regular)
    last_paid = {t: days[-1] for t, (days, _, _) in _columns(history).items()}
    for payer in payers:
        if payer.shares <= 0:
            continue
        days, amounts, currencies = usual.get(payer.ticker, (np.array([], "datetime64[D]"), None, None))
        recent = np.flatnonzero(days > year_ago)
        if not len(recent):
            if payer.ticker in last_paid:
                result.stopped.append((payer.ticker, last_paid[payer.ticker].astype(object)))
            continue
        count = _count(days)
        recent = recent[-count:]
        currency = currencies[recent[-1]]
        rate = rates_now.get(currency)
        if rate is None:
            result.notes.append(f"{payer.ticker}: no exchange rate for {currency} yet, so it is not projected.")
            continue
        per_share, basis = _per_payment(payer, amounts[recent], count, currency, result.notes)
        for day, amount in _expected(days[recent].astype(object), per_share, count, today, horizon):
            result.entries.append(Expected(day, payer.ticker, amount, currency, payer.shares,
                                           amount * payer.shares * rate, basis))
        _announce(result.entries, payer, today)
    result.entries.sort(key=lambda e: (e.date, e.ticker))
    return result


def _per_payment(payer, own, count, currency, notes):
    """Per-share amounts of the payments to repeat: their own, or the declared rate ÷ payments a year."""
    if not payer.declared:
        return list(own), "last 12 months"
    trailing = float(own.mean()) * count
    minor = currency in MINOR_UNITS
    candidates = [payer.declared] + ([payer.declared * 100, payer.declared / 100] if minor else [])
    best = min(candidates, key=lambda c: abs(math.log(c / trailing)))
    if abs(math.log(best / trailing)) > math.log(DECLARED_TOLERANCE):
        notes.append(f"{payer.ticker}: Yahoo's declared rate ({payer.declared:g} a year) is far from its payments "
                     f"of the last 12 months; those are used instead.")
        return list(own), "last 12 months"
    return [best / count] * len(own), "declared rate"


def _a_year_after(day):
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _expected(days, amounts, count, today, horizon):
    """(day, per_share) a year after each payment; with fewer than `count`, more a 1/count year after the last."""
    out = [(_a_year_after(d), float(a)) for d, a in zip(days, amounts, strict=True)]
    step = timedelta(days=round(365.25 / count))
    cursor = days[-1] + step
    while len(out) < count and cursor <= horizon:
        if cursor > today and all(abs((cursor - d).days) > step.days / 2 for d, _ in out):
            out.append((cursor, out[-1][1]))
        cursor += step
    return sorted((d, a) for d, a in out if d <= horizon)


def _announce(entries, payer, today):
    """Move the expected payment nearest to the announced ex-date onto it, and mark it announced."""
    if payer.announced is None or payer.announced <= today:
        return
    own = [e for e in entries if e.ticker == payer.ticker]
    if not own:
        return
    nearest = min(own, key=lambda e: abs((e.date - payer.announced).days))
    if abs((nearest.date - payer.announced).days) <= ANNOUNCED_WINDOW:
        nearest.date, nearest.announced = payer.announced, True


def monthly_projection(entries):
    """Expected amounts per month and ticker: a list of {month 'YYYY-MM', ticker, amount}, by month then ticker."""
    sums = {}
    for entry in entries:
        key = (entry.date.strftime("%Y-%m"), entry.ticker)
        sums[key] = sums.get(key, 0.0) + entry.amount
    return [{"month": month, "ticker": ticker, "amount": amount} for (month, ticker), amount in sorted(sums.items())]
