"""PriceService: the one interface to prices. Pages read the cache and the database; only the runner warms."""

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from app.extensions import db
from app.prices import market, sources, store
from app.prices.breaker import next_try, state_from_stats
from app.prices.sources import Failure
from app.prices.tickers import TickerError, normalize_ticker
from app.prices.wanted import WantedTickers

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
    """What a warm-up did: tickers fresh, fetched, failed (with the reason), changed; requests, seconds, 429s."""

    fresh: list = field(default_factory=list)
    fetched: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)
    changed: list = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    politeness: dict = field(default_factory=dict)

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


class PriceService:
    """Quotes, history and the wanted-ticker queue for pages; warm-ups over the source for the runner."""

    def __init__(self, app, backend, stats, source_factory):
        self.app = app
        self.backend = backend
        self.stats = stats
        self.wanted = WantedTickers(app.config.get("REDIS_URL"))
        self.ttl_open = app.config.get("QUOTE_TTL_OPEN", 60)
        self.stale_grace = app.config.get("QUOTE_STALE_GRACE", 600)
        self._source_factory = source_factory
        self._source = None

    @property
    def source(self):
        """The price source, built (and yfinance imported) the first time the runner fetches."""
        if self._source is None:
            self._source = self._source_factory()
        return self._source

    # -- for pages: the cache and the database, never the network ------------------------------------

    def cached_quotes(self, tickers, now=None, known=None, count=True):
        """Latest price, previous close, currency, as-of time and freshness per ticker; no HTTP ever.

        `known`: the tickers' Security rows, where the caller has loaded them already; `count=False` for the
        operators' freshness sample, which must not move the hit rate it measures.
        """
        now = now or market.utcnow()
        tickers = list(dict.fromkeys(tickers))
        entries = dict(zip(tickers, self.backend.get_many(*[f"quote:{t}" for t in tickers]) if tickers else [],
                           strict=True))
        missing = [t for t, entry in entries.items() if entry is None]
        if count:
            self.stats.incr("cache_hits", len(tickers) - len(missing))
            self.stats.incr("cache_misses", len(missing))
        known = store.securities(tickers) if known is None else known
        if missing:
            for ticker, bars in store.latest_bars(missing).items():
                entries[ticker] = self._entry_from_bars(bars, known.get(ticker))
        return {t: self._quote(t, entries.get(t), known.get(t), now) for t in tickers}

    def _quote(self, ticker, entry, security, now):
        unknown = security is not None and security.unknown_since is not None
        if not entry:
            status = "unknown" if unknown else "missing"
            message = security.last_error if security is not None else None
            return Quote(ticker=ticker, status=status, message=message,
                         currency=security.currency if security else None)
        fetched_at = datetime.fromisoformat(entry["fetched_at"])
        until = market.fresh_until(ticker, fetched_at, self.ttl_open)
        # Due for a refresh is not stale yet: the warm-up runs every few minutes. Stale means it is overdue.
        overdue = now >= until + timedelta(seconds=self.stale_grace)
        return Quote(
            ticker=ticker, price=entry["price"], previous_close=entry.get("previous_close"),
            currency=entry.get("currency") or (security.currency if security else None),
            market_date=date.fromisoformat(entry["market_date"]), as_of=fetched_at, fresh=now < until,
            status="stale" if overdue else "fresh", message=security.last_error if security and overdue else None,
        )

    @staticmethod
    def _entry_from_bars(bars, security):
        (day, close, changed_at), *rest = bars
        fetched_at = max(changed_at, security.fetched_at) if security and security.fetched_at else changed_at
        return {"price": close, "previous_close": rest[0][1] if rest else None, "market_date": day.isoformat(),
                "fetched_at": fetched_at.isoformat(), "currency": None}

    def read_history(self, tickers, start, end, known=None):
        """Daily bars and events in [start, end] from the database."""
        closes, adjusted = store.read_bars(tickers, start, end)
        splits, dividends = store.read_actions(tickers)
        known = store.securities(tickers) if known is None else known
        currencies = {t: s.currency for t, s in known.items() if s.currency}
        return PriceHistory(closes, adjusted, splits, dividends, currencies)

    def missing_history(self, tickers, start, known=None):
        """Tickers whose stored history does not reach back to `start` (never fetched, or not that far)."""
        known = store.securities(tickers) if known is None else known
        missing = []
        for ticker in tickers:
            security = known.get(ticker)
            if security is not None and security.unknown_since is not None:
                continue
            if security is None or security.history_from is None or start < security.history_from:
                missing.append(ticker)
        return missing

    def want(self, tickers, start):
        """Ask the runner for these tickers' history from `start`; it takes them within seconds."""
        self.wanted.add(tickers, start)

    def breaker(self, now=None):
        """The breaker as the pages see it: (closed | open | half-open, when it lets the next trial through)."""
        entry = self.stats.get("breaker")
        return state_from_stats(entry, now), next_try(entry) if entry and entry.get("state") == "open" else None

    def breaker_state(self):
        """closed, open or half-open."""
        return self.breaker()[0]

    def runner_alive(self, now=None, within=timedelta(minutes=2)):
        """Whether a price runner has been seen lately (it beats every few seconds)."""
        seen = self.stats.get("runner")
        return bool(seen) and (now or market.utcnow()) - datetime.fromisoformat(seen["at"]) < within

    def status(self, tickers, now=None):
        """Freshness per ticker and the counters, for `flask prices status` and the status page."""
        now = now or market.utcnow()
        quotes = self.cached_quotes(tickers, now)
        snapshot = self.stats.snapshot(sorted(sources.OUTAGE_KINDS | {sources.UNKNOWN, sources.BREAKER_OPEN}))
        snapshot["breaker"]["state"] = self.breaker_state()
        snapshot["source"] = self.app.config.get("PRICE_SOURCE")
        snapshot["wanted"], snapshot["wanted_oldest_seconds"] = self.wanted.summary(now)
        return quotes, snapshot

    # -- for the runner: the only path to the network -------------------------------------------------

    def warm(self, tickers, start=None, force=False, now=None):
        """Bring quotes and bars up to date; return what was fresh, fetched, failed and changed, and the cost."""
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
        quotes = self.cached_quotes(tickers, now, known) if tickers else {}
        remembered = self.backend.get_many(*[f"unknown:{t}" for t in tickers]) if tickers else []
        default_start = now.date() - timedelta(days=DEFAULT_HISTORY_DAYS)
        plan = {}
        for ticker, unknown in zip(tickers, remembered, strict=True):
            if unknown and not force:
                report.failed[ticker] = Failure(sources.UNKNOWN, unknown)
                continue
            security = known.get(ticker)
            first = security.history_from if security else None
            stored_until = security.bars_until if security else None
            wants_older = start is not None and (first is None or start < first)
            if stored_until and not wants_older and not force and quotes[ticker].fresh:
                report.fresh.append(ticker)
                continue
            if stored_until and not wants_older:
                fetch_start = stored_until - timedelta(days=OVERLAP_DAYS)
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
        resplit = self._new_splits(result)
        if resplit:
            # Yahoo's Close is split-adjusted: a split we had not seen makes every stored bar before it stale.
            log.info("new split for %s: fetching their whole history again", ", ".join(sorted(resplit)))
            known = store.securities(resplit)
            earliest = min((known[t].history_from for t in resplit if t in known and known[t].history_from),
                           default=start)
            report.requests += result.requests
            result.requests = 0
            began = time.monotonic()
            again = self.source.fetch(sorted(resplit), earliest, end)
            self.stats.record_fetch(time.monotonic() - began, again.requests, again.failures)
            result.merge(again)
        self._store(result, list(result.data) + list(result.failures), start, now, report)

    def _new_splits(self, result):
        """Tickers whose fetch brought a split not stored yet, when they have bars from before it."""
        fetched = {t: d.splits for t, d in result.data.items() if d.splits}
        if not fetched:
            return set()
        stored, _ = store.read_actions(list(fetched), kinds=("SPLIT",))
        seen = {(row.ticker, row.date.date()) for row in stored.itertuples(index=False)}
        known = store.securities(list(fetched))
        return {t for t, splits in fetched.items()
                if t in known and known[t].bars_until
                and any((t, day) not in seen and (known[t].history_from or date.max) < day for day, _ in splits)}

    def _store(self, result, tickers, start, now, report):
        report.requests += result.requests
        known = store.ensure_securities(tickers)
        rows = []
        for ticker, data in result.data.items():
            rows += store.bar_rows(ticker, data.bars, now)
        changed = store.upsert_bars(rows)
        for ticker, data in result.data.items():
            if store.upsert_actions(ticker, data.splits, data.dividends):
                changed.add(ticker)
            row = known[ticker]
            row.currency = data.currency or row.currency
            row.name = data.name or row.name
            row.exchange = data.exchange or row.exchange
            row.kind = data.kind or row.kind or "equity"
            row.history_from = min(start, row.history_from or start)
            newest = data.bars.index.max()
            if not pd.isna(newest):
                row.bars_until = max(pd.Timestamp(newest).date(), row.bars_until or date.min)
            row.fetched_at = now
            row.unknown_since = row.last_error = row.last_error_at = None
            if ticker in changed:
                row.prices_version += 1
            report.fetched.append(ticker)
        for ticker, failure in result.failures.items():
            row = known[ticker]
            if failure.kind == sources.UNKNOWN:
                store.mark_unknown(row, failure.message)
                row.prices_version += 1  # the charts now say so
            elif failure.kind == sources.NO_DATA:
                row.history_from = min(start, row.history_from or start)
                row.prices_version += 1
            else:
                row.last_error, row.last_error_at = failure.message[:500], now
            report.failed[ticker] = failure
        report.changed += sorted(changed)
        db.session.commit()
        self._store_quotes(result.data, now)
        unknown = {f"unknown:{t}": f.message for t, f in result.failures.items() if f.kind == sources.UNKNOWN}
        if unknown:
            self.backend.set_many(unknown, timeout=UNKNOWN_TTL)

    def _store_quotes(self, data_by_ticker, now):
        """Put each ticker's newest bar in the cache as its quote, unless the cache holds a newer one."""
        entries = {f"quote:{t}": entry for t, data in data_by_ticker.items()
                   if (entry := self._quote_entry(data, now)) is not None}
        if not entries:
            return
        current = dict(zip(entries, self.backend.get_many(*entries), strict=True))
        newer = {key: entry for key, entry in entries.items()
                 if not (current[key] and (current[key]["market_date"], current[key]["fetched_at"])
                         > (entry["market_date"], entry["fetched_at"]))}
        if newer:
            self.backend.set_many(newer, timeout=0)

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

    def _finish(self, report, started):
        report.seconds = round(time.monotonic() - started, 3)
        throttle = getattr(self._source, "throttle", None)
        if throttle is not None:
            report.politeness = throttle.take_report().as_dict()
            self.stats.incr("rate_limited", report.politeness["rate_limited"])
        summary = {"at": market.utcnow().isoformat(), "fresh": len(report.fresh), "fetched": len(report.fetched),
                   "failed": len(report.failed), "changed": len(report.changed), "requests": report.requests,
                   "seconds": report.seconds, "politeness": report.politeness}
        self.stats.put("last_warm", summary)
        self.stats.flush()
        if report.fetched or report.fresh:
            self.stats.put("last_successful_warm", summary)
        return report
