"""Yahoo Finance stood in for at the HTTP level with `responses`: cookie, crumb, v8 chart JSON.

Prices are synthetic but realistic: a random walk per symbol on New York business days, with
the split and dividend events a test asks for, Close split-adjusted and Adj Close dividend-adjusted
the way Yahoo reports them.
"""

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit
from zlib import crc32

import numpy as np
import pandas as pd
import requests
import responses

CHART = re.compile(r"^https://query[12]\.finance\.yahoo\.com/v8/finance/chart/([^?/]+)")
SUMMARY = re.compile(r"^https://query[12]\.finance\.yahoo\.com/v10/finance/quoteSummary/([^?/]+)")
TIMESERIES = re.compile(r"^https://query[12]\.finance\.yahoo\.com/ws/fundamentals-timeseries/.*")
NOT_FOUND = {"chart": {"result": None, "error": {"code": "Not Found",
                                                  "description": "No data found, symbol may be delisted"}}}
FIRST_DAY = date(2018, 1, 2)
LAST_DAY = date(2026, 12, 31)
SESSIONS = pd.bdate_range(FIRST_DAY, LAST_DAY)


@dataclass
class Symbol:
    """One symbol's synthetic history and the events it has."""

    name: str
    currency: str = "USD"
    start_price: float = 100.0
    splits: dict = field(default_factory=dict)  # date → ratio (4.0 for 4:1)
    dividends: dict = field(default_factory=dict)  # date → cash per share (split-adjusted, as Yahoo shows)
    first_day: date = FIRST_DAY
    kind: str = "EQUITY"

    def frame(self):
        """Close (split-adjusted) and Adj Close (also dividend-adjusted) for every session."""
        rng = np.random.default_rng(crc32(self.name.encode()))
        days = SESSIONS[pd.Timestamp(self.first_day) <= SESSIONS]
        steps = rng.normal(0.0004, 0.012, len(days))
        close = self.start_price * np.exp(np.cumsum(steps))
        frame = pd.DataFrame({"close": close.round(4), "volume": rng.integers(1e5, 5e6, len(days))}, index=days)
        factor = np.ones(len(days))
        for day, amount in self.dividends.items():
            position = days.searchsorted(pd.Timestamp(day))
            if 0 < position < len(days):
                factor[:position] *= 1 - amount / close[position - 1]
        frame["adjclose"] = (close * factor).round(4)
        return frame


class YahooStub:
    """Register the three Yahoo endpoints on a `responses` mock and answer from synthetic symbols."""

    def __init__(self, rsps, symbols=(), delay=0.0, unknown=()):
        self.rsps = rsps
        self.symbols = {s.name: s for s in symbols}
        self.delay = delay
        self.unknown = set(unknown)
        self.failures = {}  # symbol or "*" → "timeout" | "connection" | "429" | "500" | "malformed"
        self.chart_calls = []  # (symbol, params)
        self.prerendered = 0  # answers served from `prerender`
        self.gate = None  # called with the symbol before each chart answer (tests use it to hold requests)
        self.in_flight = 0  # chart requests being answered right now
        self.most_in_flight = 0  # the most at once since the last reset_concurrency()
        self.retry_after = None  # the Retry-After header of a 429, when set
        self.lock = threading.Lock()
        self._frames = {}
        rsps.add_callback(responses.GET, "https://fc.yahoo.com", callback=self.cookie)
        rsps.add_callback(responses.GET, re.compile(r"https://fc\.yahoo\.com/?.*"), callback=self.cookie)
        rsps.add_callback(responses.GET, re.compile(r"^https://query[12]\.finance\.yahoo\.com/v1/test/getcrumb.*"),
                          callback=lambda req: (200, {}, "stub-crumb"))
        rsps.add_callback(responses.GET, CHART, callback=self.chart)
        rsps.add(responses.GET, re.compile(r"^https://query[12]\.finance\.yahoo\.com/v7/finance/quote.*"),
                 json={"quoteResponse": {"result": [], "error": None}})
        rsps.add(responses.GET, re.compile(r"^https://guce\.yahoo\.com/.*"), body="")
        self.profiles = {}  # symbol → its quoteSummary modules (stock_profile, fund_profile); others are 404
        self.summary_calls = []  # (symbol, modules asked for)
        self.summary_failures = {}  # symbol or "*" → "timeout" | "connection" | "429" | "500"
        rsps.add_callback(responses.GET, SUMMARY, callback=self.summary)
        rsps.add(responses.GET, TIMESERIES, json={"timeseries": {"result": [], "error": None}})

    def add(self, *symbols):
        for symbol in symbols:
            self.symbols[symbol.name] = symbol

    def cookie(self, request):
        expires = "Thu, 01 Jan 2032 00:00:00 GMT"  # yfinance reads expiries past 2e9 as milliseconds
        return 404, {"Set-Cookie": f"A3=d=stub; Expires={expires}; Domain=.yahoo.com; Path=/"}, ""

    def requests_for(self, symbol):
        with self.lock:
            return [params for name, params in self.chart_calls if name == symbol]

    @property
    def chart_requests(self):
        with self.lock:
            return len(self.chart_calls)

    def frame(self, name):
        if name not in self._frames:
            self._frames[name] = self.symbols[name].frame()
        return self._frames[name]

    def reset_concurrency(self):
        with self.lock:
            self.most_in_flight = self.in_flight

    def summary(self, request):
        """quoteSummary (Ticker.info, funds_data): the modules asked for that the symbol's profile has."""
        name = SUMMARY.match(request.url).group(1).replace("%5E", "^").replace("%3D", "=")
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        modules = [m for m in params.get("modules", "").split(",") if m]
        with self.lock:
            self.summary_calls.append((name, modules))
        failure = self.summary_failures.get(name) or self.summary_failures.get("*")
        if failure == "timeout":
            raise requests.exceptions.ReadTimeout(f"stub: read timed out for {name}")
        if failure == "connection":
            raise requests.exceptions.ConnectionError(f"stub: connection refused for {name}")
        if failure in ("429", "500"):
            return int(failure), {}, "Too Many Requests" if failure == "429" else "<html>Internal Server Error</html>"
        profile = self.profiles.get(name)
        if profile is None:
            return 404, {}, json.dumps({"quoteSummary": {"result": None, "error": {
                "code": "Not Found", "description": "Quote not found"}}})
        found = {module: profile[module] for module in modules if module in profile}
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"quoteSummary": {"result": [found], "error": None}})

    def chart(self, request):
        name = CHART.match(request.url).group(1).replace("%5E", "^").replace("%3D", "=")
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        with self.lock:
            self.chart_calls.append((name, params))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return self.answer(name, params)
        finally:
            with self.lock:
                self.in_flight -= 1

    def answer(self, name, params):
        if self.gate is not None:
            self.gate(name)
        if self.delay:
            time.sleep(self.delay)
        failure = self.failures.get(name) or self.failures.get("*")
        if failure == "timeout":
            raise requests.exceptions.ReadTimeout(f"stub: read timed out for {name}")
        if failure == "connection":
            raise requests.exceptions.ConnectionError(f"stub: connection refused for {name}")
        if failure == "429":
            headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
            return 429, headers, "Too Many Requests"
        if failure == "500":
            return 500, {}, "<html>Internal Server Error</html>"
        if failure == "malformed":
            return 200, {"Content-Type": "application/json"}, '{"chart": {"result": [{"meta": '
        if name in self.unknown or name not in self.symbols:
            return 404, {"Content-Type": "application/json"}, json.dumps(NOT_FOUND)
        return 200, {"Content-Type": "application/json"}, self.body(name, params)

    def replace_frame(self, name, frame):
        """Change a symbol's history (as Yahoo does after a split)."""
        self._frames = {key: value for key, value in self._frames.items()
                        if key != name and not (isinstance(key, tuple) and key[1] == name)}
        self._frames[name] = frame

    def columns(self, name):
        """A symbol's days and values as arrays, made once: answering must cost the client, not the stub."""
        key = ("columns", name)
        if key not in self._frames:
            frame = self.frame(name)
            self._frames[key] = (frame.index, frame.index.as_unit("s").asi8 + 52200, frame["close"].to_numpy(),
                                 frame["adjclose"].to_numpy(), frame["volume"].to_numpy(dtype="int64"))
        return self._frames[key]

    def window(self, name, params):
        """The positions [first, last) of the days a chart request asks for."""
        days = self.columns(name)[0]
        now = pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))
        last = days.searchsorted(now, side="right")  # nothing after "now": the clock may be frozen
        if "period1" in params:
            first = days.searchsorted(pd.Timestamp(int(params["period1"]), unit="s").normalize())
            end = pd.Timestamp(int(params.get("period2", time.time())), unit="s")
            last = min(last, days.searchsorted(end, side="left"))
        else:  # range=1d etc.: the last session
            first = max(last - 1, 0)
        return min(first, last), last

    def body(self, name, params):
        """The chart JSON as text; `prerender` makes it ahead, so that the answer costs no CPU while measured."""
        key = ("body", name, *self.window(name, params))
        with self.lock:
            text = self._frames.get(key)
            self.prerendered += text is not None
        return json.dumps(self.chart_json(name, params)) if text is None else text

    def prerender(self, name, start):
        """Make the answer to a request for `name` from `start` to now, ahead of time (benchmarks)."""
        params = {"period1": int(pd.Timestamp(start).tz_localize("America/New_York").timestamp())}
        self._frames[("body", name, *self.window(name, params))] = json.dumps(self.chart_json(name, params))

    def chart_json(self, name, params):
        symbol = self.symbols[name]
        days, all_stamps, all_close, all_adj, all_volume = self.columns(name)
        first, last = self.window(name, params)
        stamps, close = all_stamps[first:last].tolist(), all_close[first:last].tolist()
        window_days = days[first:last]
        meta = {
            "currency": symbol.currency, "symbol": name, "exchangeName": "NMS", "fullExchangeName": "NasdaqGS",
            "instrumentType": symbol.kind, "firstTradeDate": int(pd.Timestamp(symbol.first_day).timestamp()),
            "regularMarketTime": stamps[-1] if stamps else 0, "hasPrePostMarketData": True, "gmtoffset": -18000,
            "timezone": "EST", "exchangeTimezoneName": "America/New_York",
            "regularMarketPrice": close[-1] if close else None,
            "chartPreviousClose": close[0] if close else None, "priceHint": 2,
            "dataGranularity": "1d", "range": "", "longName": f"{name} Inc.", "shortName": f"{name} Inc.",
            "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
        }
        events = {"dividends": {}, "splits": {}}
        for day, amount in symbol.dividends.items():
            stamp = pd.Timestamp(day)
            if len(window_days) and window_days[0] <= stamp <= window_days[-1]:
                ts = int((stamp + pd.Timedelta(hours=14, minutes=30)).timestamp())
                events["dividends"][str(ts)] = {"amount": amount, "date": ts}
        for day, ratio in symbol.splits.items():
            stamp = pd.Timestamp(day)
            if len(window_days) and window_days[0] <= stamp <= window_days[-1]:
                ts = int((stamp + pd.Timedelta(hours=14, minutes=30)).timestamp())
                events["splits"][str(ts)] = {"date": ts, "numerator": ratio, "denominator": 1.0,
                                             "splitRatio": f"{ratio:g}:1"}
        result = {
            "meta": meta,
            "timestamp": stamps,
            "indicators": {
                "quote": [{"open": close, "high": close, "low": close, "close": close,
                           "volume": all_volume[first:last].tolist()}],
                "adjclose": [{"adjclose": all_adj[first:last].tolist()}],
            },
        }
        if events["dividends"] or events["splits"]:
            result["events"] = {k: v for k, v in events.items() if v}
        return {"chart": {"result": [result], "error": None}}


def stock_profile(sector=None, industry=None, country=None, dividend_rate=None, ex_dividend_date=None,
                  quote_type="EQUITY", currency="USD"):
    """The quoteSummary modules Yahoo has for a stock (what Ticker.info reads)."""
    detail = {"currency": currency}
    if dividend_rate is not None:
        detail["dividendRate"] = dividend_rate
    if ex_dividend_date is not None:
        detail["exDividendDate"] = int(pd.Timestamp(ex_dividend_date).tz_localize("UTC").timestamp())
    asset = {k: v for k, v in {"sector": sector, "industry": industry, "country": country}.items() if v}
    return {"quoteType": {"quoteType": quote_type, "exchange": "NMS"}, "assetProfile": asset,
            "summaryDetail": detail, "financialData": {}, "defaultKeyStatistics": {}}


def fund_profile(sectors=None, quote_type="ETF"):
    """The quoteSummary modules of an ETF or fund; `sectors` as Yahoo's keys → weight, None for no fund data."""
    modules = {"quoteType": {"quoteType": quote_type, "exchange": "PCX"}, "summaryDetail": {"currency": "USD"},
               "defaultKeyStatistics": {}, "financialData": {}}
    if sectors is not None:
        modules.update({
            "summaryProfile": {"longBusinessSummary": "An index fund."},
            "fundProfile": {"categoryName": "Large Blend", "family": "Stub", "legalType": "Exchange Traded Fund"},
            "topHoldings": {"holdings": [], "sectorWeightings": [{key: weight} for key, weight in sectors.items()]},
        })
    return modules
