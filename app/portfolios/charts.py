"""A portfolio's charts and comparison, from the database and the cache only: never a request to Yahoo.

Prices a chart needs and the database lacks are asked of the price runner, and the answer is 202
until they are stored. The valuation is computed once per version of what it reads (the portfolio's
data version and the last price change of its own tickers) and every range is cut from it; every key
that can change an answer is made in `versions()` here, so invalidation lives in one place.
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC

import pandas as pd
from sqlalchemy import select

from app.analytics.fx import FxMissingError, currency_unit, fx_pairs_needed, to_base
from app.analytics.ranges import RANGES
from app.analytics.valuation import portfolio_valuation
from app.extensions import cache, db
from app.models import Portfolio, Transaction
from app.portfolios import chart_payloads
from app.portfolios.chart_payloads import BEFORE_FIRST_PRICE, ChartRequestError
from app.portfolios.dashboard import no_price_reason
from app.portfolios.service import trades_of
from app.prices import market, store
from app.prices.breaker import OUTAGE_STATES

log = logging.getLogger(__name__)
CACHE_SECONDS = 3600  # keys carry versions, so entries never go stale: this only returns the memory
COLD_WAIT_SECONDS = 0.5  # a request that finds the computing slots busy waits this long, then answers 202
SHAPE = 2  # in every key: bump it when what a cached valuation or body holds changes, so no old one is read


class ColdWork:
    """At most `limit` cold computations at once in this process, and one at a time per key."""

    def __init__(self, limit):
        self.slots = threading.BoundedSemaphore(limit)
        self.lock = threading.Lock()
        self.running = {}

    def run(self, key, compute, wait=COLD_WAIT_SECONDS):
        """`compute()` unless the same key is computing here already (then wait for it); None when busy."""
        with self.lock:
            done = self.running.get(key)
            mine = done is None
            if mine:
                done = self.running[key] = threading.Event()
        if not mine:
            done.wait(wait)
            return None  # the caller reads what the other computation stored
        try:
            if not self.slots.acquire(timeout=wait):
                return None
            try:
                return compute()
            finally:
                self.slots.release()
        finally:
            with self.lock:
                self.running.pop(key, None)
            done.set()


def cold_work(app):
    """The app's ColdWork (one per process: each gunicorn worker builds its app after the fork)."""
    work = app.extensions.get("cold_work")
    if work is None:
        work = app.extensions["cold_work"] = ColdWork(app.config.get("CHART_COLD_COMPUTATIONS", 2))
    return work


def cached(key, compute, work):
    """The value under `key`, computed (bounded by `work`) and stored when absent; None when too busy."""
    value = cache.get(key)
    if value is None:
        value = work.run(key, compute)
        if value is None:
            return cache.get(key)
        cache.set(key, value, timeout=CACHE_SECONDS)
    return value


def versions(portfolio, base, known, held, benchmarks, pairs):
    """The cache keys' versions: (valuation, benchmark lines). A price write that changed nothing keeps both."""

    def changed(tickers):  # versions only grow, so their sum changes with any one of them
        return sum(known[t].prices_version or 0 for t in tickers if t in known)

    # The creation time: SQLite may give a new portfolio the id of one just deleted.
    made = portfolio.created_at.isoformat() if portfolio.created_at else ""
    own = f"{SHAPE}.{portfolio.id}.{portfolio.data_version}.{made}:{base}:{changed(held + pairs)}"
    lines = f"{base}:{','.join(benchmarks)}:{changed(benchmarks + pairs)}"
    return own, lines


@dataclass
class Inputs:
    """What a portfolio's charts are computed from: its trades, its tickers, FX pairs and their Security rows."""

    trades: list
    base: str
    benchmarks: list
    held: list = field(default_factory=list)
    pairs: list = field(default_factory=list)
    currencies: dict = field(default_factory=dict)
    known: dict = field(default_factory=dict)
    start: object = None

    @property
    def wanted(self):
        """Every ticker the charts read."""
        return list(dict.fromkeys(self.held + self.benchmarks + self.pairs))


def gather(portfolio, benchmarks):
    """Read the trades and the Security rows of every ticker they and the benchmarks need (two queries)."""
    trades = trades_of(portfolio.id)
    inputs = Inputs(trades=trades, base=currency_unit(portfolio.base_currency)[0], benchmarks=benchmarks)
    if not trades:
        return inputs
    inputs.held = sorted({t.ticker for t in trades})
    inputs.start = min(t.trade_date for t in trades)
    inputs.known = store.securities(inputs.held + benchmarks)
    inputs.currencies = ticker_currencies(inputs.held + benchmarks, trades, inputs.base, inputs.known)
    paid_in = sorted({t.currency for t in trades if t.currency})
    inputs.pairs = fx_pairs_needed(list(inputs.currencies.values()) + paid_in, inputs.base)
    inputs.known.update(store.securities([p for p in inputs.pairs if p not in inputs.known]))
    return inputs


def answer(portfolio, benchmarks, kind, range_code, build, service, app, now=None):
    """The JSON for one request and its status code: 202 while the runner fetches what is missing.

    The body for this version and range comes from the cache; only when it is absent are the portfolio's
    valuation and the benchmark lines read (from the cache, or computed) and `build(frames)` called. The
    status and its sentence are worked out on every request, from the quotes and the breaker.
    """
    now = now or market.utcnow()
    inputs = gather(portfolio, benchmarks)
    head = {**EMPTY[kind], "status": "ready", "message": None, "as_of": None, "currency": inputs.base,
            "range": range_code, "errors": {}, "last_price_date": None, "retry_at": None,
            "progress": {"ready": 0, "total": 0}}
    if not inputs.trades:
        return {**head, "status": "empty", "message": "No transactions yet: add one and the charts appear."}, 200
    wanted = inputs.wanted
    missing = service.missing_history(wanted, inputs.start, inputs.known)
    breaker, retry_at = service.breaker(now.replace(tzinfo=UTC))
    head["progress"] = {"ready": len(wanted) - len(missing), "total": len(wanted)}
    head["retry_at"] = retry_at.isoformat() if retry_at else None
    if missing:
        service.want(missing, inputs.start)
        if breaker != "open":
            who = "Fetching prices" if service.runner_alive(now) else "Waiting for the price runner to fetch prices"
            return {**head, "status": "warming", "message": f"{who}: {len(wanted) - len(missing)} of {len(wanted)} "
                                                            "ready…"}, 202
    own, lines = versions(portfolio, inputs.base, inputs.known, inputs.held, benchmarks, inputs.pairs)
    key = f"{kind}:{own}:{lines}:{range_code}"
    body = cache.get(key)
    if body is None:
        frames = frames_for(inputs, own, lines, service, app, now)
        if "waiting" in frames:
            unavailable = breaker == "open" and "fx_missing" in frames
            words = (f"Yahoo Finance is not answering. {frames['waiting']} {next_try_words(retry_at, now)}"
                     if unavailable else frames["waiting"])
            return {**head, "status": "unavailable" if unavailable else "warming", "message": words}, \
                200 if unavailable else 202
        body = {**build(frames), "errors": frames["errors"], "last_price_date": frames["last_price_date"]}
        cache.set(key, body, timeout=CACHE_SECONDS)
    payload = {**head, **body, "range": range_code, "errors": dict(body["errors"])}
    describe(payload, service, inputs, breaker, retry_at, now)
    return payload, 200


def frames_for(inputs, own, lines, service, app, now):
    """The valuation and the benchmark lines (cached per version), or {"waiting": words} when not computable yet."""
    work = cold_work(app)
    valued = cached(f"valuation:{own}", lambda: value_portfolio(inputs, service, now), work)
    bench = cached(f"bench:{lines}:{inputs.start}", lambda: benchmark_lines(inputs, service, now), work)
    if valued is None or bench is None:
        return {"waiting": "Working out the charts…"}
    if "fx_missing" in valued:
        pairs = ", ".join(valued["fx_missing"])
        return {"waiting": f"No exchange rate yet for {pairs}, so the charts cannot be drawn in {inputs.base} yet.",
                "fx_missing": valued["fx_missing"]}
    return {"daily": valued["daily"], "holdings_now": valued["holdings_now"], "bench": bench["lines"],
            "drawn": bench["drawn"], "errors": bench["errors"], "last_price_date": valued["last_price_date"],
            "trade_priced_until": valued["trade_priced_until"], "left_out": valued["left_out"]}


def describe(payload, service, inputs, breaker, retry_at, now):
    """Set the payload's status and its sentence: current, stale (and why), or Yahoo unreachable."""
    quotes = service.cached_quotes(inputs.held, now, inputs.known)
    as_of = max((q.as_of for q in quotes.values() if q.as_of), default=None)
    payload["as_of"] = as_of.isoformat() + "Z" if as_of else None
    say_trade_priced(payload, quotes, breaker in OUTAGE_STATES)
    for ticker in inputs.held:  # the trade-price note names the others already
        security = inputs.known.get(ticker)
        if security is not None and security.unknown_since is not None and ticker not in payload["trade_priced"]:
            payload["errors"][ticker] = f"Yahoo Finance no longer knows {ticker}: its value stays at its last price."
    last = payload["last_price_date"]
    stale = [t for t, q in quotes.items() if q.status == "stale"]
    upto = f" Showing prices up to {pd.Timestamp(last):%-d %b %Y}." if last else ""
    if breaker in ("open", "half-open"):
        payload["status"] = "unavailable"
        payload["message"] = f"Yahoo Finance is not answering. {next_try_words(retry_at, now)}{upto}"
    elif stale:
        payload["status"] = "stale"
        others = " and others" if len(stale) > 5 else ""
        payload["message"] = f"Prices of {', '.join(stale[:5])}{others} are out of date.{upto}"
    elif last and (now.date() - pd.Timestamp(last).date()).days > 7:
        payload["status"] = "stale"
        payload["message"] = f"No prices since {pd.Timestamp(last):%-d %b %Y}."


def say_trade_priced(payload, quotes, unreachable):
    """Say which values come from trade prices, and why, in the holdings table's words (the breaker's state
    and the last try change without a new version, so this is said on every request, not cached)."""

    def reason(ticker, early=True):
        quote = quotes.get(ticker)
        if early and quote is not None and quote.price is not None:
            return BEFORE_FIRST_PRICE
        return no_price_reason(quote.status if quote else "missing", quote.message if quote else None, unreachable)

    payload["trade_price_note"] = chart_payloads.trade_price_note({t: reason(t) for t in payload["trade_priced"]})
    if "allocation_left_out" in payload:
        payload["allocation_note"] = chart_payloads.left_out_note(
            {t: reason(t, early=False) for t in payload["allocation_left_out"]})


def next_try_words(retry_at, now):
    """'The next try is in about 3 minutes.' (or 'Trying again now.')."""
    minutes = round((retry_at - now.replace(tzinfo=UTC)).total_seconds() / 60) if retry_at else 0
    if minutes <= 0:
        return "Trying again now."
    return f"The next try is in about {minutes} minute{'s' if minutes != 1 else ''}."


def value_portfolio(inputs, service, now):
    """The portfolio's daily valuation from the stored prices (the expensive part, cached per version)."""
    held = inputs.held
    history = service.read_history(held + inputs.pairs, inputs.start, now.date(), inputs.known)
    closes = history.closes
    marketed = priced_columns(closes, held)
    try:
        valuation = portfolio_valuation(
            inputs.trades, marketed, splits=history.splits, dividends=history.dividends,
            currencies={t: inputs.currencies[t] for t in held}, fx=priced_columns(closes, inputs.pairs),
            base_currency=inputs.base,
        )
    except FxMissingError as exc:
        return {"fx_missing": list(exc.pairs)}
    priced = closes[held].dropna(how="all") if held else closes
    last = priced.index.max() if len(priced) else None
    holdings_now = valuation.holdings.iloc[-1] if len(valuation.holdings) else pd.Series(dtype=float)
    until = trade_priced_until(valuation, marketed)
    shares_now = valuation.quantities.iloc[-1] if len(valuation.quantities) else pd.Series(dtype=float)
    never = [t for t in until if marketed is None or t not in marketed.columns]
    return {"daily": valuation.daily, "holdings_now": holdings_now, "trade_priced_until": until,
            "left_out": [t for t in never if shares_now.get(t, 0.0) != 0.0],
            "last_price_date": last.strftime("%Y-%m-%d") if last is not None and not pd.isna(last) else None}


def trade_priced_until(valuation, marketed):
    """The last day each ticker of `valuation.unpriced` was held before its first market price (or ever)."""
    until = {}
    for ticker in valuation.unpriced:
        first = marketed[ticker].first_valid_index() if marketed is not None and ticker in marketed else None
        held = valuation.quantities[ticker] != 0.0
        days = held.index[held & (held.index < first)] if first is not None else held.index[held]
        if len(days):
            until[ticker] = days[-1]
    return until


def benchmark_lines(inputs, service, now):
    """Each benchmark's adjusted close in the base currency, and why a benchmark cannot be drawn."""
    known, pairs = inputs.known, inputs.pairs
    history = service.read_history(inputs.benchmarks + pairs, inputs.start, now.date(), known)
    errors, drawn = {}, []
    for ticker in inputs.benchmarks:
        series = history.adj_closes[ticker].dropna() if ticker in history.adj_closes else pd.Series(dtype=float)
        if series.empty:
            security = known.get(ticker)
            if security is not None and security.unknown_since is not None:
                errors[ticker] = f"Yahoo Finance does not know {ticker}: check the ticker."
            elif security is not None and security.last_error:
                errors[ticker] = f"No prices for {ticker} yet: Yahoo Finance did not answer the last try."
            else:
                errors[ticker] = f"No prices for {ticker} yet."
        else:
            drawn.append(ticker)
    lines = pd.DataFrame(index=history.adj_closes.index)
    if drawn:
        try:
            lines = to_base(history.adj_closes[drawn], {t: inputs.currencies[t] for t in drawn},
                            priced_columns(history.closes, pairs), inputs.base)
        except FxMissingError as exc:
            errors.update({t: f"No exchange rate yet for {', '.join(exc.pairs)}." for t in drawn})
            drawn = []
    return {"lines": lines, "drawn": drawn, "errors": errors}


def priced_columns(closes, columns):
    """The columns that have at least one price (valuation falls back to trade prices for the others)."""
    if not columns:
        return None
    frame = closes[list(columns)]
    return frame.loc[:, frame.notna().any()]


def ticker_currencies(tickers, trades, base, known):
    """Each ticker's quote currency: what Yahoo said, else the currency of its trades, else the base."""
    traded = {t.ticker: t.currency for t in trades}
    return {t: (known[t].currency if t in known and known[t].currency else None) or traded.get(t, base)
            for t in tickers}


EMPTY = {"chart": {"dates": [], "value": [], "net_invested": [], "growth": {}, "benchmarks": {}, "allocation": [],
                   "allocation_left_out": [], "allocation_note": None, "trade_priced": [], "trade_price_note": None},
         "performance": {"table": None, "shadow": {}, "trade_priced": [], "trade_price_note": None}}


def checked_range(range_code):
    """The range code in upper case; ChartRequestError for one that does not exist."""
    code = (range_code or "").strip().upper()
    if code not in RANGES:
        raise ChartRequestError(f"Unknown range {range_code!r}: expected one of {', '.join(RANGES)}.")
    return code


def chart_data(portfolio, benchmarks, range_code, service, app):
    """The dashboard's chart JSON for a range, and its status code (202 while prices are being fetched)."""
    code = checked_range(range_code)
    return answer(portfolio, benchmarks, "chart", code, lambda f: chart_payloads.chart_series(
        f["daily"], f["holdings_now"], f["bench"], f["drawn"], code, f["trade_priced_until"], f["left_out"]),
        service, app)


def performance_data(portfolio, benchmarks, range_code, service, app, risk_free):
    """Compare's metrics and shadow portfolios for a range, and its status code."""
    code = checked_range(range_code)
    return answer(portfolio, benchmarks, "performance", code, lambda f: chart_payloads.performance(
        f["daily"], f["bench"], f["drawn"], code, risk_free, priced=f["last_price_date"] is not None,
        trade_priced_until=f["trade_priced_until"]), service, app)


def refill(tickers, service, app, budget_seconds):
    """Compute again, ahead of the people who will look, the charts a warm-up made stale (the price runner).

    The portfolios holding a changed ticker (all of them when a benchmark or an exchange rate changed),
    most recently changed first, until `budget_seconds` have gone: each gets its valuation and the
    dashboard's first chart (1Y against its own benchmarks) cached under the new versions, so that a
    warm-up during trading hours does not send every visitor after it into a cold computation.
    Returns how many portfolios were done.
    """
    tickers = set(tickers)
    if not tickers:
        return 0
    held = {t for (t,) in db.session.execute(select(Transaction.ticker).distinct())}
    query = select(Portfolio).order_by(Portfolio.data_version.desc(), Portfolio.id.desc())
    if tickers <= held:  # only held tickers changed: only the portfolios holding them
        owners = select(Transaction.portfolio_id).where(Transaction.ticker.in_(tickers)).distinct()
        query = query.where(Portfolio.id.in_(owners))
    deadline = time.monotonic() + budget_seconds
    done = 0
    for portfolio in db.session.scalars(query):
        if time.monotonic() >= deadline:
            break
        try:
            chart_data(portfolio, portfolio.benchmark_list(app.config["BENCHMARKS"]), "1Y", service, app)
        except Exception:  # noqa: BLE001 - one portfolio's charts must not stop the others'
            log.exception("charts of portfolio %s not computed ahead", portfolio.id)
        done += 1
    return done
