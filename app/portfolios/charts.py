"""A portfolio's charts and comparison, from the database and the cache only: never a request to Yahoo.

Prices a chart needs and the database lacks are asked of the price runner, and the answer is 202
until they are stored. The valuation is computed once per version of what it reads (the portfolio's
data version and the last price change of its own tickers) and every range is cut from it; every key
that can change an answer is made in `versions()` here, so invalidation lives in one place.
"""

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC

import pandas as pd

from app.analytics.fx import FxMissingError, currency_unit, fx_pairs_needed, to_base
from app.analytics.ranges import RANGES
from app.analytics.valuation import portfolio_valuation
from app.extensions import cache
from app.portfolios import chart_payloads
from app.portfolios.chart_payloads import ChartRequestError
from app.portfolios.service import trades_of
from app.prices import market, store

log = logging.getLogger(__name__)
CACHE_SECONDS = 3600  # keys carry versions, so entries never go stale: this only returns the memory
COLD_WAIT_SECONDS = 3.0  # a request that finds the computing slots busy waits this long, then answers 202


@dataclass
class Board:
    """What the charts of one portfolio are drawn from, and how much of it is there."""

    status: str  # ready | stale | warming | unavailable | empty
    base: str
    ready: int = 0
    total: int = 0
    message: str | None = None
    version: str | None = None
    daily: pd.DataFrame | None = None
    holdings_now: pd.Series | None = None
    bench: pd.DataFrame | None = None
    benchmarks: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    as_of: str | None = None
    last_price_date: str | None = None
    retry_at: str | None = None


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
    own = f"{portfolio.id}.{portfolio.data_version}.{made}:{base}:{changed(held + pairs)}"
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


def board_for(portfolio, benchmarks, service, app, now=None):
    """Everything the charts of a portfolio need, or why it is not there yet (the runner is asked for it)."""
    now = now or market.utcnow()
    inputs = gather(portfolio, benchmarks)
    if not inputs.trades:
        return Board(status="empty", base=inputs.base, benchmarks=benchmarks,
                     message="No transactions yet: add one and the charts appear.")
    wanted = inputs.wanted
    missing = service.missing_history(wanted, inputs.start, inputs.known)
    breaker, retry_at = service.breaker(now.replace(tzinfo=UTC))
    progress = {"base": inputs.base, "ready": len(wanted) - len(missing), "total": len(wanted)}
    if missing:
        service.want(missing, inputs.start)
        if breaker != "open":
            who = "Fetching prices" if service.runner_alive(now) else "Waiting for the price runner to fetch prices"
            return Board(status="warming", message=f"{who}: {progress['ready']} of {len(wanted)} ready…", **progress)
    own, lines = versions(portfolio, inputs.base, inputs.known, inputs.held, benchmarks, inputs.pairs)
    work = cold_work(app)
    valued = cached(f"valuation:{own}", lambda: value_portfolio(inputs, service, now), work)
    bench = cached(f"bench:{lines}:{inputs.start}", lambda: benchmark_lines(inputs, service, now), work)
    if valued is None or bench is None:
        return Board(status="warming", message="Working out the charts…", **progress)
    if "fx_missing" in valued:
        pairs = ", ".join(valued["fx_missing"])
        if breaker == "open":
            return Board(status="unavailable", **progress, retry_at=retry_at.isoformat() if retry_at else None,
                         message=f"Yahoo Finance is not answering, and without an exchange rate for {pairs} the "
                                 f"charts cannot be drawn in {inputs.base}. {next_try_words(retry_at, now)}")
        return Board(status="warming", **progress,
                     message=f"No exchange rate yet for {pairs}; the charts appear once it is fetched.")
    board = Board(status="ready", version=f"{own}:{lines}", daily=valued["daily"], holdings_now=valued["holdings_now"],
                  bench=bench["lines"], benchmarks=bench["drawn"], errors=dict(bench["errors"]),
                  last_price_date=valued["last_price_date"], **progress)
    describe(board, service, inputs, breaker, retry_at, now)
    return board


def describe(board, service, inputs, breaker, retry_at, now):
    """Set the board's status and its sentence: current, stale (and why), or Yahoo unreachable."""
    quotes = service.cached_quotes(inputs.held, now, inputs.known)
    as_of = max((q.as_of for q in quotes.values() if q.as_of), default=None)
    board.as_of = as_of.isoformat() + "Z" if as_of else None
    for ticker in inputs.held:
        security = inputs.known.get(ticker)
        if security is not None and security.unknown_since is not None:
            board.errors[ticker] = f"Yahoo Finance does not know {ticker}: its value uses its trade prices."
    stale = [t for t, q in quotes.items() if q.status == "stale"]
    upto = f" Showing prices up to {pd.Timestamp(board.last_price_date):%-d %b %Y}." if board.last_price_date else ""
    if breaker in ("open", "half-open"):
        board.status = "unavailable"
        board.retry_at = retry_at.isoformat() if retry_at else None
        board.message = f"Yahoo Finance is not answering. {next_try_words(retry_at, now)}{upto}"
    elif stale:
        board.status = "stale"
        others = " and others" if len(stale) > 5 else ""
        board.message = f"Prices of {', '.join(stale[:5])}{others} are out of date.{upto}"
    elif board.last_price_date and (now.date() - pd.Timestamp(board.last_price_date).date()).days > 7:
        board.status = "stale"
        board.message = f"No prices since {pd.Timestamp(board.last_price_date):%-d %b %Y}."


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
    try:
        valuation = portfolio_valuation(
            inputs.trades, priced_columns(closes, held), splits=history.splits, dividends=history.dividends,
            currencies={t: inputs.currencies[t] for t in held}, fx=priced_columns(closes, inputs.pairs),
            base_currency=inputs.base,
        )
    except FxMissingError as exc:
        return {"fx_missing": list(exc.pairs)}
    priced = closes[held].dropna(how="all") if held else closes
    last = priced.index.max() if len(priced) else None
    holdings_now = valuation.holdings.iloc[-1] if len(valuation.holdings) else pd.Series(dtype=float)
    return {"daily": valuation.daily, "holdings_now": holdings_now,
            "last_price_date": last.strftime("%Y-%m-%d") if last is not None and not pd.isna(last) else None}


def benchmark_lines(inputs, service, now):
    """Each benchmark's adjusted close in the base currency, and why a benchmark cannot be drawn."""
    known, pairs = inputs.known, inputs.pairs
    history = service.read_history(inputs.benchmarks + pairs, inputs.start, now.date(), known)
    errors, drawn = {}, []
    for ticker in inputs.benchmarks:
        series = history.adj_closes[ticker].dropna() if ticker in history.adj_closes else pd.Series(dtype=float)
        if series.empty:
            security = known.get(ticker)
            errors[ticker] = (security.last_error if security is not None and security.last_error
                              else f"No prices for {ticker}: check the ticker.")
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


EMPTY = {"chart": {"dates": [], "value": [], "net_invested": [], "growth": {}, "benchmarks": {}, "allocation": []},
         "performance": {"table": None, "shadow": {}}}


def answer(board, kind, range_code, build):
    """The JSON for one request: the cached body for this version and range, with the board's status on top."""
    payload = {**EMPTY[kind], "status": board.status, "message": board.message, "as_of": board.as_of,
               "currency": board.base, "progress": {"ready": board.ready, "total": board.total}, "range": range_code,
               "errors": board.errors, "last_price_date": board.last_price_date, "retry_at": board.retry_at}
    if board.daily is None:
        return payload, 202 if board.status == "warming" else 200
    key = f"{kind}:{board.version}:{range_code}:{','.join(board.benchmarks)}"
    body = cache.get(key)
    if body is None:
        body = build(board)
        cache.set(key, body, timeout=CACHE_SECONDS)
    return {**payload, **body, "range": range_code}, 200


def checked_range(range_code):
    """The range code in upper case; ChartRequestError for one that does not exist."""
    code = (range_code or "").strip().upper()
    if code not in RANGES:
        raise ChartRequestError(f"Unknown range {range_code!r}: expected one of {', '.join(RANGES)}.")
    return code


def chart_data(portfolio, benchmarks, range_code, service, app):
    """The dashboard's chart JSON for a range, and its status code (202 while prices are being fetched)."""
    code = checked_range(range_code)
    board = board_for(portfolio, benchmarks, service, app)
    return answer(board, "chart", code, lambda b: chart_payloads.chart_series(
        b.daily, b.holdings_now, b.bench, b.benchmarks, code))


def performance_data(portfolio, benchmarks, range_code, service, app, risk_free):
    """Compare's metrics and shadow portfolios for a range, and its status code."""
    code = checked_range(range_code)
    board = board_for(portfolio, benchmarks, service, app)
    return answer(board, "performance", code, lambda b: chart_payloads.performance(
        b.daily, b.bench, b.benchmarks, code, risk_free))
