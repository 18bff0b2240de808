"""Yahoo Finance through yfinance: chunks of tickers on a bounded pool, one `yf.download` per chunk, behind a breaker.

Imported only by the process that fetches (the price runner): web processes never load yfinance.
"""

import json
import logging
import os
import re
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import timedelta
from itertools import count

import numpy as np
import pandas as pd
import pybreaker
import requests
import yfinance as yf

from app.prices import sources
from app.prices.breaker import FAIL_MAX, RESET_TIMEOUT, call_through, make_breaker
from app.prices.politeness import Throttle, retry_after_seconds
from app.prices.sources import Failure, FetchResult, SourceError, TickerData
from app.prices.yahoo_profile import fetch_profile

log = logging.getLogger(__name__)
warnings.filterwarnings("ignore", module=r"yfinance\..*")
CHART_URL = re.compile(r"/v8/finance/chart/([^/?]+)")
SUMMARY_URL = re.compile(r"/v10/finance/quoteSummary/([^/?]+)")  # a security's profile (Ticker.info, funds_data)
# Plain US symbols (AAPL, BRK-B, VFIAX) trade in New York: yfinance need not ask Yahoo for their time zone.
US_SYMBOL = re.compile(r"^[A-Z]{1,5}(-[A-Z])?$")
US_TIMEZONE = "America/New_York"
_DECODER = json.JSONDecoder()
META = re.compile(r'"meta"\s*:\s*')
KINDS = {"EQUITY": "equity", "ETF": "etf", "MUTUALFUND": "fund", "CURRENCY": "fx", "INDEX": "index",
         "CRYPTOCURRENCY": "crypto"}
BROWSER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/131.0 Safari/537.36")


def http_session():
    """A session Yahoo answers: curl_cffi impersonating Chrome, or plain requests with YF_DISABLE_CURL_CFFI=1."""
    if os.environ.get("YF_DISABLE_CURL_CFFI", "").lower() not in ("1", "true", "yes"):
        try:
            from curl_cffi import requests as curl_requests
        except ImportError:
            log.warning("curl_cffi is not installed: Yahoo may refuse plain requests")
        else:
            return curl_requests.Session(impersonate="chrome")
    session = requests.Session()
    session.headers["User-Agent"] = BROWSER_AGENT
    return session


class HttpRecorder:
    """Count the requests yfinance makes, pass each through the throttle, and remember Yahoo's last answer.

    yfinance logs "possibly delisted" both when Yahoo says a symbol does not exist and when the
    connection fails; only the HTTP answer itself tells the two apart.
    """

    def __init__(self, session, throttle):
        self.session = session
        self.throttle = throttle
        self.lock = threading.Lock()
        self.requests = 0
        self.sequence = count(1)
        self.outcomes = {}  # symbol → (sequence, kind or None, message, meta)
        self.summaries = {}  # symbol → (sequence, kind or None) of its last quoteSummary answer
        for verb in ("get", "post"):
            setattr(session, verb, self._wrap(getattr(session, verb)))

    def _wrap(self, method):
        def recorded(url, *args, **kwargs):
            match = CHART_URL.search(url)
            symbol = match.group(1).replace("%5E", "^").replace("%3D", "=") if match else None
            summary = SUMMARY_URL.search(url)
            profiled = summary.group(1).replace("%5E", "^").replace("%3D", "=") if summary else None
            ticket = self.throttle.acquire()
            status = retry_after = None
            try:
                with self.lock:
                    self.requests += 1
                try:
                    response = method(url, *args, **kwargs)
                except Exception as exc:
                    if symbol:
                        self._record(symbol, classify_exception(exc), f"{type(exc).__name__}: {exc}", None)
                    if profiled:
                        self._record_summary(profiled, classify_exception(exc))
                    raise
                status = response.status_code
                if status == 429:
                    retry_after = retry_after_seconds(response.headers)
            finally:
                self.throttle.release(ticket, status, retry_after)
            if symbol:
                self._record(symbol, *classify_chart_response(response))
            if profiled:
                self._record_summary(profiled, classify_status(status))
            return response

        return recorded

    def _record(self, symbol, kind, message, meta):
        with self.lock:
            previous = self.outcomes.get(symbol)
            if meta is None and previous and previous[3] and kind is None:
                meta = previous[3]
            self.outcomes[symbol] = (next(self.sequence), kind, message, meta)

    def _record_summary(self, symbol, kind):
        with self.lock:
            self.summaries[symbol] = (next(self.sequence), kind)

    def summary_outcome(self, symbol, since):
        """The failure kind (None for an answer with data) of Yahoo's last profile answer after `since`, or None."""
        with self.lock:
            found = self.summaries.get(symbol)
        return found if found and found[0] > since else None

    def mark(self):
        """A point in the sequence: outcomes after it belong to what follows."""
        with self.lock:
            return next(self.sequence)

    def outcome(self, symbol, since):
        """Yahoo's last answer for `symbol` after `since`, or None."""
        with self.lock:
            found = self.outcomes.get(symbol)
        return found if found and found[0] > since else None


def classify_exception(exc):
    """Name a request that got no answer: a timeout or another network failure."""
    name = type(exc).__name__
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return sources.TIMEOUT
    if name == "YFRateLimitError":
        return sources.RATE_LIMITED
    return sources.NETWORK


def classify_status(status):
    """Name an HTTP status: None for an answer, UNKNOWN for 404, else the kind of outage."""
    if status == 200:
        return None
    if status == 404:
        return sources.UNKNOWN
    if status == 429:
        return sources.RATE_LIMITED
    return sources.SERVER_ERROR if status >= 500 else sources.BAD_RESPONSE


def classify_chart_response(response):
    """Read Yahoo's answer to a chart request: (failure kind or None, message, meta)."""
    status = response.status_code
    if status == 429:
        return sources.RATE_LIMITED, "Yahoo is rate-limiting us (HTTP 429).", None
    if status >= 500:
        return sources.SERVER_ERROR, f"Yahoo answered HTTP {status}.", None
    text = response.text
    unreadable = sources.BAD_RESPONSE, f"Yahoo sent an unreadable answer (HTTP {status}).", None
    if status == 200:
        # Read only the meta object at the front: yfinance parses the whole body anyway.
        found = META.search(text)
        if found is None or not text.rstrip().endswith("}"):
            return unreadable
        try:
            meta, _ = _DECODER.raw_decode(text, found.end())
        except ValueError:
            return unreadable
        return None, "", meta if isinstance(meta, dict) else None
    try:
        error = json.loads(text)["chart"].get("error") or {}
    except (ValueError, KeyError, TypeError, AttributeError):
        return unreadable
    if status == 404 or error.get("code") == "Not Found":
        return sources.UNKNOWN, "Yahoo Finance does not know this ticker.", None
    return sources.BAD_RESPONSE, f"Yahoo answered HTTP {status}.", None


def chunk_columns(frame):
    """A `yf.download(group_by="ticker")` frame as (days, {ticker: {field: values}}), read in one pass."""
    if frame is None or frame.empty or frame.columns.nlevels != 2:
        return pd.DatetimeIndex([]), {}
    values = frame.to_numpy(dtype="float64", na_value=np.nan)
    columns = {}
    for position, (ticker, field) in enumerate(frame.columns):
        columns.setdefault(ticker, {})[field] = values[:, position]
    return pd.DatetimeIndex(frame.index).tz_localize(None).normalize(), columns


def events(days, values):
    """The non-zero values of an actions column as (date, value) pairs."""
    if values is None:
        return []
    found = np.flatnonzero(np.nan_to_num(values))
    return [(days[i].date(), float(values[i])) for i in found]


def ticker_data(days, fields, meta):
    """One ticker's columns of a chunk as bars and events; None when it has no close at all."""
    close = fields.get("Close")
    if close is None:
        return None
    keep = ~np.isnan(close)
    if not keep.any():
        return None
    volume = fields.get("Volume")
    volume = np.zeros(len(close)) if volume is None else np.nan_to_num(volume)
    index = days[keep]
    adjusted = fields.get("Adj Close", close)
    bars = pd.DataFrame({"close": close[keep], "adj_close": adjusted[keep], "volume": volume[keep].astype("int64")},
                        index=index.rename("date"))
    meta = meta or {}
    return TickerData(
        bars=bars, splits=events(days, fields.get("Stock Splits")), dividends=events(days, fields.get("Dividends")),
        currency=meta.get("currency"), name=meta.get("longName") or meta.get("shortName"),
        exchange=meta.get("exchangeName"), kind=KINDS.get(meta.get("instrumentType", ""), "other" if meta else None),
    )


_cache_location = {}


def set_cache_location(cache_dir):
    """Point yfinance's own cache at `cache_dir`, once per process: moved after use, it keeps a closed database."""
    if cache_dir and not _cache_location:
        yf.set_tz_cache_location(cache_dir)
        _cache_location["dir"] = cache_dir


class YahooSource:
    """Fetch daily bars from Yahoo: chunks on a bounded pool, each chunk one `yf.download` of its tickers in turn."""

    name = "yahoo"

    def __init__(self, chunk_size=10, max_workers=8, timeout=10.0, max_requests_per_minute=300, rate_limit_pause=30.0,
                 cache_dir=None, session=None, breaker=None):
        self.chunk_size = max(1, chunk_size)
        self.max_workers = max(1, max_workers)
        self.timeout = timeout
        self.breaker = breaker or make_breaker("yahoo")
        # One request in flight per chunk (threads=False): the pool's size is the most Yahoo sees at once.
        self.throttle = Throttle(self.max_workers, max_requests_per_minute, rate_limit_pause)
        self.recorder = HttpRecorder(session if session is not None else http_session(), self.throttle)
        set_cache_location(cache_dir)

    @classmethod
    def from_settings(cls, settings, stats=None):
        """Build the source from the app's settings, with a breaker that reports its changes to the stats."""
        breaker = make_breaker("yahoo", stats=stats, fail_max=settings.get("BREAKER_FAIL_MAX", FAIL_MAX),
                               reset_timeout=settings.get("BREAKER_RESET_TIMEOUT", RESET_TIMEOUT))
        return cls(
            chunk_size=settings.get("PRICE_CHUNK_SIZE", 10), max_workers=settings.get("PRICE_MAX_WORKERS", 8),
            timeout=settings.get("PRICE_TIMEOUT", 10),
            max_requests_per_minute=settings.get("PRICE_MAX_REQUESTS_PER_MINUTE", 300),
            rate_limit_pause=settings.get("PRICE_RATE_LIMIT_PAUSE", 30.0),
            cache_dir=settings.get("YF_CACHE_DIR"), session=settings.get("PRICE_HTTP_SESSION"), breaker=breaker,
        )

    @property
    def concurrency(self):
        """How many requests may be in flight at once."""
        return self.max_workers

    def fetch(self, tickers, start, end):
        """Fetch daily bars in [start, end] for the tickers; never raises for a ticker or an outage."""
        result = FetchResult()
        for chunk_result in self.fetch_chunks(tickers, start, end):
            result.merge(chunk_result)
        return result

    def fetch_chunks(self, tickers, start, end):
        """Yield each chunk's result as soon as it is in, so that the caller stores while others still fetch."""
        tickers = list(dict.fromkeys(tickers))
        if not tickers:
            return
        self.seed_timezones(tickers)  # here, on one thread: SQLite refuses writers that meet
        chunks = [tickers[i:i + self.chunk_size] for i in range(0, len(tickers), self.chunk_size)]
        with ThreadPoolExecutor(max_workers=min(self.max_workers, len(chunks)), thread_name_prefix="yahoo") as pool:
            counted = self.recorder.requests
            for future in as_completed([pool.submit(self.fetch_chunk, chunk, start, end) for chunk in chunks]):
                chunk_result = future.result()
                now = self.recorder.requests
                chunk_result.requests, counted = now - counted, now  # requests since the last chunk came in
                yield chunk_result

    def fetch_chunk(self, tickers, start, end):
        """One `yf.download` for a chunk, through the breaker: an outage counts against Yahoo, a bad ticker not."""
        holder = {}

        def attempt():
            holder["result"] = self.download(tickers, start, end)
            failures = holder["result"].failures.values()
            outage = [f for f in failures if f.kind in sources.OUTAGE_KINDS]
            if outage and (not holder["result"].data or any(f.kind == sources.RATE_LIMITED for f in outage)):
                raise SourceError(outage[0].message)
            return holder["result"]

        try:
            return call_through(self.breaker, attempt)
        except pybreaker.CircuitBreakerError:
            if "result" in holder:  # this very call tripped the breaker: keep what it brought
                return holder["result"]
            message = "Yahoo Finance is unreachable for now; the last known prices are shown."
            return FetchResult(failures={t: Failure(sources.BREAKER_OPEN, message) for t in tickers})
        except SourceError:
            return holder["result"]

    def download(self, tickers, start, end):
        """Run one `yf.download` and sort each ticker into data or a failure with its reason."""
        since = self.recorder.mark()
        started = time.monotonic()
        try:
            frame = yf.download(
                tickers, start=start.isoformat(), end=(end + timedelta(days=1)).isoformat(), actions=True,
                auto_adjust=False, progress=False, timeout=self.timeout, threads=False,
                group_by="ticker", session=self.recorder.session, multi_level_index=True,
            )
        except Exception as exc:  # noqa: BLE001 - yfinance may raise anything; the chunk fails as an outage
            log.warning("yf.download failed for %d tickers: %s", len(tickers), exc)
            kind = classify_exception(exc)
            return FetchResult(failures={t: Failure(kind, f"Yahoo request failed: {exc}") for t in tickers})
        log.info("yf.download %d tickers %s..%s in %.2fs", len(tickers), start, end, time.monotonic() - started)
        result = FetchResult()
        days, columns = chunk_columns(frame)
        for ticker in tickers:
            outcome = self.recorder.outcome(ticker, since)
            data = ticker_data(days, columns[ticker], outcome[3] if outcome else None) if ticker in columns else None
            if data is not None:
                result.data[ticker] = data
            elif outcome is None:
                result.failures[ticker] = Failure(sources.NETWORK, "No answer from Yahoo Finance.")
            elif outcome[1] is not None:
                result.failures[ticker] = Failure(outcome[1], outcome[2])
            else:
                result.failures[ticker] = Failure(sources.NO_DATA, f"Yahoo has no prices from {start} to {end}.")
        return result

    def fetch_profile(self, ticker):
        """The ticker's profile (Ticker.info and, for a fund, Ticker.funds_data) through the breaker."""
        try:
            return call_through(self.breaker, lambda: fetch_profile(ticker, self.recorder))
        except pybreaker.CircuitBreakerError as exc:
            raise SourceError("Yahoo Finance is unreachable for now.") from exc

    @staticmethod
    def seed_timezones(tickers):
        """Tell yfinance's time-zone cache that plain US symbols trade in New York.

        It halves the requests to Yahoo (one per ticker instead of two).
        """
        try:
            cache = yf.cache.get_tz_cache()
            for ticker in tickers:
                if US_SYMBOL.match(ticker) and cache.lookup(ticker) is None:
                    cache.store(ticker, US_TIMEZONE)
        except Exception as exc:  # noqa: BLE001 - only an optimisation
            log.debug("could not seed yfinance tz cache: %s", exc)
