"""PriceService: the one interface to prices. Quotes from the cache and database; bars fetched in the background."""

import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from app.extensions import db
from app.prices import market, sources, store
from app.prices.breaker import breaker_state
from app.prices.sources import Failure
from app.tickers import TickerError, normalize_ticker

log = logging.getLogger(__name__)

# Re-fetch this many days before the last stored bar: Yahoo corrects recent bars now and then.
OVERLAP_DAYS = 5
# A ticker Yahoo does not know is not asked for again for a week.
UNKNOWN_TTL = 7 * 24 * 3600
# New tickers get this much history unless a caller asks for more.
DEFAULT_HISTORY_DAYS = 5 * 366 + 10
INVALID = "invalid"


@dataclass
class Quote:
    """The latest price of a ticker as far as we know it, and how old that knowledge is."""

    ticker: str
    price: float | None = None
    previous_close: float | None = None
    currency: str | None = None
    market_date: date | None = None
    as_of: datetime | None = None
    fresh: bool = False  # within its TTL: a warm-up would not fetch it again
    status: str = "missing"  # fresh | stale (overdue by more than the grace) | missing | unknown
    message: str | None = None

    @property
    def change(self):
        """Price minus the previous close."""
        if self.price is None or self.previous_close is None:
            return None
        return self.price - self.previous_close

    @property
    def change_pct(self):
        """The day's change as a fraction of the previous close."""
        if self.change is None or not self.previous_close:
            return None
        return self.change / self.previous_close


@dataclass
class WarmReport:
    """What a warm-up did: tickers already fresh, fetched, failed (with the reason), requests, seconds."""

    fresh: list = field(default_factory=list)
    fetched: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0

    @property
    def nothing_fetched(self):
        """True when tickers were asked for and none is fresh or was fetched."""
        return bool(self.failed) and not self.fresh and not self.fetched

    def as_dict(self):
        """A JSON-ready form of the report."""
        data = asdict(self)
        data["failed"] = {t: {"kind": f.kind, "message": f.message} for t, f in self.failed.items()}
        return data


@dataclass
class PriceHistory:
    """Daily bars and events from the database, shaped for analytics."""

    closes: pd.DataFrame
    adj_closes: pd.DataFrame
    splits: pd.DataFrame
    dividends: pd.DataFrame
    currencies: dict
    failed: dict = field(default_factory=dict)


class PriceService:
    """Quotes, history and warm-ups over one source, the shared cache and the price tables."""

    def __init__(self, app, source, backend, stats):
        self.app = app
        self.source = source
        self.backend = backend
        self.stats = stats
        self.ttl_open = app.config.get("QUOTE_TTL_OPEN", 60)
        self.stale_grace = app.config.get("QUOTE_STALE_GRACE", 600)
        self._inflight = {}
        self._lock = threading.Lock()
        self._executor = None
        self._executor_pid = None

    # -- quotes: cache and database only, never the network -------------------------------------

    def cached_quotes(self, tickers, now=None, known=None):
        """Latest price, previous close, currency, as-of time and freshness per ticker; no HTTP ever.

        `known`: the tickers' Security rows, where the caller has loaded them already.
        """
        now = now or market.utcnow()
        tickers = list(dict.fromkeys(tickers))
        keys = [f"quote:{t}" for t in tickers]
        entries = dict(zip(tickers, self._get_many(keys), strict=True))
        missing = [t for t, entry in entries.items() if entry is None]
        self.stats.incr("cache_hits", len(tickers) - len(missing))
        self.stats.incr("cache_misses", len(missing))
        if missing:
            for ticker, bars in store.latest_bars(missing).items():
                entries[ticker] = self._entry_from_bars(bars)
        known = store.securities(tickers) if known is None else known
        quotes = {}
        for ticker in tickers:
            quotes[ticker] = self._quote(ticker, entries.get(ticker), known.get(ticker), now)
        return quotes

    def _quote(self, ticker, entry, security, now):
        unknown = security is not None and security.unknown_since is not None
        if not entry:
            status = "unknown" if unknown else "missing"
            message = security.last_error if security is not None else None
            return Quote(ticker=ticker, status=status, message=message,
                         currency=security.currency if security else None)
        fetched_at = datetime.fromisoformat(entry["fetched_at"])
        until = market.fresh_until(ticker, fetched_at, self.ttl_open)
        fresh = now < until
        # Due for a refresh is not stale yet: the warm-up runs every few minutes. Stale means it is overdue.
        overdue = now >= until + timedelta(seconds=self.stale_grace)
        return Quote(
            ticker=ticker, price=entry["price"], previous_close=entry.get("previous_close"),
            currency=entry.get("currency") or (security.currency if security else None),
            market_date=date.fromisoformat(entry["market_date"]), as_of=fetched_at, fresh=fresh,
            status="stale" if overdue else "fresh", message=security.last_error if security and overdue else None,
        )

    @staticmethod
    def _entry_from_bars(bars):
        (day, close, fetched_at), *rest = bars
        return {"price": close, "previous_close": rest[0][1] if rest else None, "market_date": day.isoformat(),
                "fetched_at": fetched_at.isoformat(), "currency": None}

    def _get_many(self, keys):
        try:
            return self.backend.get_many(*keys) if keys else []
        except Exception as exc:  # noqa: BLE001 - a broken cache falls back to the database
            log.warning("cache read failed: %s", exc)
            return [None] * len(keys)

    # -- history: the database, with what is missing fetched --------------------------------------

    def history(self, tickers, start, end):
        """Daily bars and events in [start, end] from the database; missing ranges are fetched first."""
        tickers = list(dict.fromkeys(tickers))
        needed = self.missing_history(tickers, start)
        failed = self.warm(needed, start=start).failed if needed else {}
        return self.read_history(tickers, start, end, failed)

    def read_history(self, tickers, start, end, failed=None):
        """Daily bars and events in [start, end] from the database only."""
        closes, adjusted = store.read_bars(tickers, start, end)
        splits, dividends = store.read_actions(tickers)
        currencies = {t: s.currency for t, s in store.securities(tickers).items() if s.currency}
        return PriceHistory(closes, adjusted, splits, dividends, currencies, failed or {})

    def missing_history(self, tickers, start, now=None):
        """Tickers whose stored bars do not reach back to `start` or forward to the latest session."""
        now = now or market.utcnow()
        known = store.securities(tickers)
        spans = store.coverage(tickers)
        quotes = None
        missing = []
        for ticker in tickers:
            security = known.get(ticker)
            if security is not None and security.unknown_since is not None:
                continue
            first = security.history_from if security and security.history_from else None
            if first is None or start < first:
                missing.append(ticker)
                continue
            if ticker not in spans:  # asked for already, and Yahoo had no prices: not again on every request
                continue
            if spans[ticker][1] < market.last_complete_session(ticker, now):
                quotes = quotes or self.cached_quotes(tickers, now, known)
                if not quotes[ticker].fresh:
                    missing.append(ticker)
        return missing

    # -- warm-up: the only path to the network ------------------------------------------------------

    def warm(self, tickers, start=None, force=False, now=None):
        """Bring quotes and bars up to date; return what was fresh, fetched and failed, and the cost."""
        started = time.monotonic()
        now = now or market.utcnow()
        report = WarmReport()
        wanted = []
        for raw in tickers:
            try:
                ticker = normalize_ticker(raw)
            except TickerError as exc:
                report.failed[str(raw)] = Failure(INVALID, str(exc))
                continue
            if ticker not in wanted:
                wanted.append(ticker)
        today = now.date()
        if start is not None and start > today:
            for ticker in wanted:
                report.failed[ticker] = Failure(sources.NO_DATA, f"The range starts in the future ({start}).")
            return self._finish(report, started)
        plan = self._plan(wanted, start, force, now, report)
        for fetch_start, group in sorted(plan.items()):
            self._fetch_and_store(group, fetch_start, today, now, report)
        return self._finish(report, started)

    def _plan(self, tickers, start, force, now, report):
        """Group the tickers that need a fetch by the day their fetch starts."""
        known = store.securities(tickers)
        spans = store.coverage(tickers)
        quotes = self.cached_quotes(tickers, now, known) if tickers else {}
        remembered = self._get_many([f"unknown:{t}" for t in tickers])
        default_start = now.date() - timedelta(days=DEFAULT_HISTORY_DAYS)
        plan = {}
        for ticker, unknown in zip(tickers, remembered, strict=True):
            if unknown and not force:
                report.failed[ticker] = Failure(sources.UNKNOWN, unknown)
                continue
            security = known.get(ticker)
            first = security.history_from if security else None
            wants_older = start is not None and (first is None or start < first)
            if ticker in spans and not wants_older and not force and quotes[ticker].fresh:
                report.fresh.append(ticker)
                continue
            if ticker in spans and not wants_older:
                fetch_start = spans[ticker][1] - timedelta(days=OVERLAP_DAYS)
            else:
                fetch_start = min(start or default_start, first or date.max)
            plan.setdefault(fetch_start, []).append(ticker)
        return plan

    def _fetch_and_store(self, tickers, start, end, now, report):
        # Each chunk is stored as soon as it is in: prices land (and show) while later chunks still fetch.
        began = time.monotonic()
        for result in self.source.fetch_chunks(tickers, start, end):
            self.stats.record_fetch(time.monotonic() - began, result.requests, result.failures)
            self._store_chunk(result, start, end, now, report)
            began = time.monotonic()

    def _store_chunk(self, result, start, end, now, report):
        resplit = self._new_splits(result, start)
        if resplit:
            # Yahoo's Close is split-adjusted: a split we had not seen makes every stored bar before it stale.
            log.info("new split for %s: fetching their whole history again", ", ".join(sorted(resplit)))
            known = store.securities(resplit)
            earliest = min((known[t].history_from for t in resplit if t in known and known[t].history_from),
                           default=start)
            report.requests += result.requests
            result.requests = 0
            result.merge(self._fetch(sorted(resplit), earliest, end))
        self._store(result, list(result.data) + list(result.failures), start, now, report)

    def _fetch(self, tickers, start, end):
        began = time.monotonic()
        result = self.source.fetch(tickers, start, end)
        self.stats.record_fetch(time.monotonic() - began, result.requests, result.failures)
        return result

    def _new_splits(self, result, start):
        """Tickers whose fetch brought a split not stored yet, when they have bars from before it."""
        fetched = {t: d.splits for t, d in result.data.items() if d.splits}
        if not fetched:
            return set()
        stored, _ = store.read_actions(list(fetched))
        seen = {(row.ticker, row.date.date()) for row in stored.itertuples(index=False)}
        spans = store.coverage(list(fetched))
        return {t for t, splits in fetched.items()
                if t in spans and any((t, day) not in seen and spans[t][0] < day for day, _ in splits)}

    def _store(self, result, tickers, start, now, report):
        report.requests += result.requests
        known = store.ensure_securities(tickers)
        rows = []
        for ticker, data in result.data.items():
            rows += store.bar_rows(ticker, data.bars, now)
        store.upsert_bars(rows)
        for ticker, data in result.data.items():
            store.upsert_actions(ticker, data.splits, data.dividends)
            row = known[ticker]
            row.currency = data.currency or row.currency
            row.name = data.name or row.name
            row.exchange = data.exchange or row.exchange
            row.kind = data.kind or row.kind or "equity"
            row.history_from = min(start, row.history_from or start)
            row.unknown_since = row.last_error = row.last_error_at = None
            report.fetched.append(ticker)
        for ticker, failure in result.failures.items():
            row = known[ticker]
            if failure.kind == sources.UNKNOWN:
                store.mark_unknown(row, failure.message)
            elif failure.kind == sources.NO_DATA:
                row.history_from = min(start, row.history_from or start)
            else:
                row.last_error, row.last_error_at = failure.message[:500], now
            report.failed[ticker] = failure
        db.session.commit()
        self._store_quotes(result.data, now)
        for ticker, failure in result.failures.items():
            if failure.kind == sources.UNKNOWN:
                self._set(f"unknown:{ticker}", failure.message, UNKNOWN_TTL)

    def _store_quotes(self, data_by_ticker, now):
        """Put each ticker's newest bar in the cache as its quote, unless the cache holds a newer one.

        One read and one write for the chunk: with Redis, two round trips instead of two per ticker.
        """
        entries = {f"quote:{t}": entry for t, data in data_by_ticker.items()
                   if (entry := self._quote_entry(data, now)) is not None}
        current = dict(zip(entries, self._get_many(list(entries)), strict=True))
        newer = {key: entry for key, entry in entries.items()
                 if not (current[key] and (current[key]["market_date"], current[key]["fetched_at"])
                         > (entry["market_date"], entry["fetched_at"]))}
        if newer:
            try:
                self.backend.set_many(newer, timeout=0)
            except Exception as exc:  # noqa: BLE001
                log.warning("cache write failed for %d quotes: %s", len(newer), exc)

    @staticmethod
    def _quote_entry(data, now):
        """The quote a fetch brings: its last close, the close before, the day and when it was fetched."""
        close = data.bars["close"].to_numpy(dtype="float64")
        priced = np.flatnonzero(~np.isnan(close))  # positions of the days with a close
        if not len(priced):
            return None
        return {
            "price": float(close[priced[-1]]),
            "previous_close": float(close[priced[-2]]) if len(priced) > 1 else None,
            "market_date": pd.Timestamp(data.bars.index[priced[-1]]).date().isoformat(),
            "fetched_at": now.isoformat(), "currency": data.currency,
        }

    def _set(self, key, value, timeout):
        try:
            self.backend.set(key, value, timeout=timeout)
        except Exception as exc:  # noqa: BLE001
            log.warning("cache write failed for %s: %s", key, exc)

    def _finish(self, report, started):
        report.seconds = round(time.monotonic() - started, 3)
        summary = {"at": market.utcnow().isoformat(), "fresh": len(report.fresh), "fetched": len(report.fetched),
                   "failed": len(report.failed), "requests": report.requests, "seconds": report.seconds}
        self.stats.put("last_warm", summary)
        if report.fetched or report.fresh:
            self.stats.put("last_successful_warm", summary)
        return report

    # -- background warm-ups, for the chart API -----------------------------------------------------

    def warm_in_background(self, tickers, start=None):
        """Warm the tickers on a background thread; a ticker already being fetched is not asked twice."""
        with self._lock:
            if self._executor is None or self._executor_pid != os.getpid():
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="warm")
                self._executor_pid, self._inflight = os.getpid(), {}
            pending = [self._inflight[t] for t in tickers if t in self._inflight]
            new = [t for t in tickers if t not in self._inflight]
            futures = list(dict.fromkeys(pending))
            future = None
            if new:
                future = self._executor.submit(self._warm_in_context, new, start)
                for ticker in new:
                    self._inflight[ticker] = future
                futures.append(future)
        if future is not None:
            # Outside the lock: a future that is already done runs the callback at once, and it takes the lock.
            future.add_done_callback(lambda _f, done=tuple(new): self._forget(done))
        return combine(futures)

    def _warm_in_context(self, tickers, start):
        with self.app.app_context():
            try:
                return self.warm(tickers, start=start)
            finally:
                db.session.remove()

    def _forget(self, tickers):
        with self._lock:
            for ticker in tickers:
                self._inflight.pop(ticker, None)

    def in_flight(self, tickers):
        """How many of these tickers are being fetched right now."""
        with self._lock:
            return sum(1 for t in tickers if t in self._inflight)

    # -- status -------------------------------------------------------------------------------------

    def cache_marks(self):
        """(when the last warm-up ended, the breaker's state): part of the key of cached chart data."""
        return (self.stats.get("last_warm") or {}).get("at"), self.breaker_state()

    def breaker_state(self):
        """closed, open or half-open."""
        breaker = getattr(self.source, "breaker", None)
        return breaker_state(breaker) if breaker is not None else "closed"

    def status(self, tickers, now=None):
        """Freshness per ticker and the counters, for `flask prices status` and the status page."""
        now = now or market.utcnow()
        quotes = self.cached_quotes(tickers, now)
        snapshot = self.stats.snapshot(sorted(sources.OUTAGE_KINDS | {sources.UNKNOWN, sources.BREAKER_OPEN}))
        snapshot["breaker"]["state"] = self.breaker_state()
        snapshot["source"] = self.source.name
        return quotes, snapshot


def combine(futures):
    """One future that finishes when all of `futures` have."""
    if len(futures) == 1:
        return futures[0]
    combined = Future()
    remaining = [len(futures)]
    lock = threading.Lock()

    def done(_):
        with lock:
            remaining[0] -= 1
            if remaining[0] == 0 and not combined.done():
                combined.set_result(None)

    if not futures:
        combined.set_result(None)
    for future in futures:
        future.add_done_callback(done)
    return combined
