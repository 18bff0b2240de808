"""The chart and performance data of a portfolio: prices from the database, numbers from analytics.

Fetching and analysing are two steps: what is missing is fetched in the background within a
time budget; the analysis reads only the database.
"""

import logging
import math
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.analytics.benchmarks import growth_of_100, shadow_portfolio
from app.analytics.fx import FxMissingError, currency_unit, fx_pairs_needed, to_base
from app.analytics.performance import performance_table
from app.analytics.ranges import range_bounds, slice_range
from app.analytics.valuation import portfolio_valuation
from app.portfolios.dashboard import first_trade_date
from app.portfolios.service import trades_of
from app.prices import market, store

log = logging.getLogger(__name__)
ALLOCATION_SLICES = 12  # the rest is one "Other" slice


class ChartRequestError(ValueError):
    """A chart request the client must correct (unknown range, bad ticker)."""


@dataclass
class Prepared:
    """Everything the charts need, read from the database after any bounded fetch."""

    status: str
    ready: int
    total: int
    base: str
    daily: pd.DataFrame = None
    holdings: pd.DataFrame = None
    bench: pd.DataFrame = None
    benchmarks: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    as_of: str | None = None


def prepare(portfolio, benchmarks, price_service, budget):
    """Make sure prices are there (fetching at most `budget` seconds), then value the portfolio."""
    trades = trades_of(portfolio.id)
    base, _ = currency_unit(portfolio.base_currency)
    if not trades:
        return Prepared(status="ready", ready=0, total=0, base=base, benchmarks=benchmarks)
    held = sorted({t.ticker for t in trades})
    start = first_trade_date(trades)
    wanted = list(dict.fromkeys(held + benchmarks))
    failed = {}
    trade_currencies = sorted({t.currency for t in trades if t.currency})
    for _ in range(2):  # a second round once the currencies are known brings the FX pairs
        currencies = ticker_currencies(wanted, trades, base)
        pairs = fx_pairs_needed(list(currencies.values()) + trade_currencies, base)
        wanted = list(dict.fromkeys(wanted + pairs))
        missing = price_service.missing_history(wanted, start)
        if not missing:
            break
        future = price_service.warm_in_background(missing, start)  # with the breaker open it fails at once
        try:
            report = future.result(timeout=budget)
        except FutureTimeout:
            pending = price_service.in_flight(wanted)
            return Prepared(status="warming", ready=len(wanted) - max(pending, 1), total=len(wanted), base=base)
        except Exception:  # noqa: BLE001 - a failed warm-up means stale prices, never a 500
            log.exception("background warm-up failed")
            report = None
        if report is not None:
            failed.update({t: f.message for t, f in report.failed.items()})
    history = price_service.read_history(wanted, start, market.utcnow().date())
    currencies = ticker_currencies(wanted, trades, base, quoted=history.currencies)
    pairs = fx_pairs_needed(list({t: currencies[t] for t in held + benchmarks}.values()) + trade_currencies, base)
    fx = priced_columns(history.closes, pairs)
    try:
        valuation = portfolio_valuation(
            trades, priced_columns(history.closes, held), splits=history.splits, dividends=history.dividends,
            currencies={t: currencies[t] for t in held}, fx=fx, base_currency=base,
        )
    except FxMissingError as exc:
        return Prepared(status="stale", ready=len(wanted) - len(exc.pairs), total=len(wanted), base=base,
                        errors={pair: f"No exchange rate yet for {pair}; the charts appear once it is fetched."
                                for pair in exc.pairs})
    errors = {}
    drawn = []
    for ticker in benchmarks:
        series = history.adj_closes[ticker].dropna() if ticker in history.adj_closes else pd.Series(dtype=float)
        if series.empty:
            errors[ticker] = failed.get(ticker) or f"No prices for {ticker}: check the ticker."
        else:
            drawn.append(ticker)
    bench = pd.DataFrame(index=history.adj_closes.index)
    if drawn:
        try:
            bench = to_base(history.adj_closes[drawn], {t: currencies[t] for t in drawn}, fx, base)
        except FxMissingError as exc:
            errors.update({t: f"No exchange rate yet for {', '.join(exc.pairs)}." for t in drawn})
            drawn = []
    outage = any(t in failed for t in held) or price_service.breaker_state() == "open"
    quotes = price_service.cached_quotes(held)
    stale = outage or any(q.status == "stale" for q in quotes.values())
    as_of = max((q.as_of for q in quotes.values() if q.as_of), default=None)
    return Prepared(
        status="stale" if stale else "ready", ready=len(wanted), total=len(wanted), base=base,
        daily=valuation.daily, holdings=valuation.holdings, bench=bench, benchmarks=drawn, errors=errors,
        as_of=as_of.isoformat() + "Z" if as_of else None,
    )


def priced_columns(closes, columns):
    """The columns that have at least one price (valuation falls back to trade prices for the others)."""
    if not columns:
        return None
    frame = closes[list(columns)]
    return frame.loc[:, frame.notna().any()]


def ticker_currencies(tickers, trades, base, quoted=None):
    """Each ticker's quote currency: what Yahoo said, else the currency of its trades, else the base.

    `quoted`: ticker → the currency Yahoo gave, where it has been read already (PriceHistory.currencies).
    """
    if quoted is None:
        quoted = {t: s.currency for t, s in store.securities(tickers).items() if s.currency}
    traded = {t.ticker: t.currency for t in trades}
    return {t: quoted.get(t) or traded.get(t, base) for t in tickers}


def chart_series(prepared, range_code):
    """The series the dashboard draws for a range: value and money invested, growth of 100, allocation."""
    payload = {"status": prepared.status, "as_of": prepared.as_of, "currency": prepared.base,
               "progress": {"ready": prepared.ready, "total": prepared.total}, "range": range_code.upper(),
               "errors": prepared.errors, "dates": [], "value": [], "net_invested": [], "growth": {},
               "benchmarks": {}, "allocation": []}
    if prepared.daily is None or prepared.daily.empty:
        return payload
    daily = prepared.daily
    start, end = bounds(range_code, daily)
    window = slice_range(daily, start, end)
    payload["dates"] = [d.strftime("%Y-%m-%d") for d in window.index]
    payload["value"] = rounded(window["value"], 2)
    payload["net_invested"] = rounded(window["net_invested"], 2)
    growth = growth_of_100(daily, prepared.bench, start, end).reindex(window.index)
    payload["growth"] = {column: rounded(growth[column], 3) for column in growth.columns}
    for ticker in prepared.benchmarks:
        first = prepared.bench[ticker].first_valid_index()
        late = first is not None and first > window.index[0]
        payload["benchmarks"][ticker] = {
            "first_date": first.strftime("%Y-%m-%d") if first is not None else None,
            "note": f"{ticker} has prices only from {first:%Y-%m-%d}; its line starts there." if late else None,
        }
    payload["allocation"] = allocation(prepared.holdings)
    return payload


def bounds(range_code, daily):
    """The (start, end) of a range over the portfolio's days; ChartRequestError for an unknown code."""
    try:
        return range_bounds(range_code, daily.index[-1], daily.index[0])
    except ValueError as exc:
        raise ChartRequestError(str(exc)) from exc


def allocation(holdings):
    """Today's value per holding, largest first, the smallest folded into 'Other'."""
    if holdings is None or holdings.empty:
        return []
    last = holdings.iloc[-1].fillna(0.0)
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


def performance(prepared, range_code, risk_free):
    """The metrics table for a range, and the shadow ETF beside the real portfolio for each benchmark."""
    payload = {"status": prepared.status, "as_of": prepared.as_of, "currency": prepared.base,
               "progress": {"ready": prepared.ready, "total": prepared.total}, "range": range_code.upper(),
               "errors": prepared.errors, "table": None, "shadow": {}}
    if prepared.daily is None or prepared.daily.empty:
        return payload
    start, end = bounds(range_code, prepared.daily)
    payload["table"] = clean(performance_table(prepared.daily, prepared.bench, start, end, risk_free=risk_free))
    for ticker in prepared.benchmarks:
        shadow = shadow_portfolio(prepared.daily, prepared.bench[[ticker]], start, end)
        payload["shadow"][ticker] = {
            "dates": [d.strftime("%Y-%m-%d") for d in shadow.index],
            "shadow_value": rounded(shadow["shadow_value"], 2), "real_value": rounded(shadow["real_value"], 2),
            "difference": rounded(shadow["difference"], 2),
        }
    return payload


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



def data_version(portfolio, price_service, now):
    """A key that changes whenever the answer could: the portfolio, any price write, the breaker, the clock."""
    last_warm, breaker = price_service.cache_marks()
    # When the portfolio was made: SQLite may give a new portfolio the id of one just deleted.
    made = portfolio.created_at.isoformat() if portfolio.created_at else ""
    # Ten-minute buckets: only the stale/fresh wording depends on the clock, and it has a grace of ten minutes.
    return f"{portfolio.data_version}.{made}:{last_warm}:{breaker}:{now:%Y%m%d%H}{now.minute // 10}"
