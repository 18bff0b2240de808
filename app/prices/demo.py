"""Deterministic offline prices for trying the app without a network (PRICE_SOURCE=demo)."""

from datetime import date
from functools import lru_cache
from zlib import crc32

import numpy as np
import pandas as pd

from app.prices import market
from app.prices.sources import FetchResult, Profile, TickerData

CHUNK = 10
# The sample portfolio's tickers follow their real path between these two days, roughly.
START = date(2022, 8, 1)
END = date(2025, 10, 1)

# Approximate real closes (split-adjusted) on START and END, for plausible sample trades.
ANCHORS = {
    "AAPL": (160, 255), "MSFT": (280, 515), "GOOGL": (115, 245), "AMZN": (135, 220),
    "META": (160, 720), "BRK-B": (295, 500), "JNJ": (170, 185), "V": (210, 345),
    "JPM": (115, 310), "PG": (140, 155), "KO": (63, 67), "XOM": (90, 113),
    "COST": (540, 920), "HD": (300, 405), "PEP": (175, 140), "VTI": (205, 325),
    "VOO": (380, 610), "NVDA": (60, 185),
}


def anchor_price(ticker, day):
    """Interpolate a plausible price between the two anchors, geometrically."""
    first, last = ANCHORS[ticker]
    span = (END - START).days
    fraction = (day - START).days / span
    return first * (last / first) ** fraction


EPOCH = date(2005, 1, 3)
HORIZON = date(2030, 12, 31)
DIVIDEND_PAYERS = {"KO": 0.46, "JNJ": 1.19, "PG": 0.95, "XOM": 0.91, "PEP": 1.27, "JPM": 1.15, "SPY": 1.6,
                   "VTI": 0.9, "VOO": 1.5}


ETFS = {"SPY", "QQQ", "VTI", "VOO", "IWM", "VEA", "AGG"}
# Plausible profiles for the sample's tickers: (sector, industry, country).
DEMO_STOCKS = {
    "AAPL": ("Technology", "Consumer Electronics", "United States"),
    "MSFT": ("Technology", "Software - Infrastructure", "United States"),
    "GOOGL": ("Communication Services", "Internet Content & Information", "United States"),
    "AMZN": ("Consumer Cyclical", "Internet Retail", "United States"),
    "META": ("Communication Services", "Internet Content & Information", "United States"),
    "BRK-B": ("Financial Services", "Insurance - Diversified", "United States"),
    "JNJ": ("Healthcare", "Drug Manufacturers - General", "United States"),
    "V": ("Financial Services", "Credit Services", "United States"),
    "JPM": ("Financial Services", "Banks - Diversified", "United States"),
    "PG": ("Consumer Defensive", "Household & Personal Products", "United States"),
    "KO": ("Consumer Defensive", "Beverages - Non-Alcoholic", "United States"),
    "XOM": ("Energy", "Oil & Gas Integrated", "United States"),
    "COST": ("Consumer Defensive", "Discount Stores", "United States"),
    "HD": ("Consumer Cyclical", "Home Improvement Retail", "United States"),
    "PEP": ("Consumer Defensive", "Beverages - Non-Alcoholic", "United States"),
    "NVDA": ("Technology", "Semiconductors", "United States"),
    "ASML.AS": ("Technology", "Semiconductor Equipment & Materials", "Netherlands"),
    "VOD.L": ("Communication Services", "Telecom Services", "United Kingdom"),
}
# A broad US index fund's sector weightings, roughly.
DEMO_FUND_SECTORS = {
    "Technology": 0.31, "Financial Services": 0.13, "Healthcare": 0.11, "Consumer Cyclical": 0.10,
    "Communication Services": 0.09, "Industrials": 0.09, "Consumer Defensive": 0.06, "Energy": 0.04,
    "Real Estate": 0.03, "Utilities": 0.02, "Basic Materials": 0.02,
}


def demo_profile(ticker):
    """A made-up but plausible profile: the sample's stocks as themselves, index ETFs with typical sectors."""
    rate = DIVIDEND_PAYERS.get(ticker)
    if ticker in ETFS:
        sectors = {"Technology": 0.55, "Communication Services": 0.16, "Consumer Cyclical": 0.14,
                   "Healthcare": 0.06, "Consumer Defensive": 0.05, "Industrials": 0.04} if ticker == "QQQ" else (
            DEMO_FUND_SECTORS if ticker != "AGG" else {})
        return Profile(quote_type="ETF", dividend_rate=rate * 4 if rate else None, fund_sectors=dict(sectors))
    sector, industry, country = DEMO_STOCKS.get(ticker, (None, None, None))
    return Profile(quote_type="EQUITY", sector=sector, industry=industry, country=country,
                   dividend_rate=rate * 4 if rate else None)


@lru_cache(maxsize=64)
def demo_series(ticker):
    """A ticker's whole synthetic history: the same prices for the same ticker and day, always."""
    days = pd.bdate_range(EPOCH, HORIZON, name="date")
    rng = np.random.default_rng(crc32(ticker.encode()))
    noise = np.cumsum(rng.normal(0, 0.011, len(days)))
    noise -= pd.Series(noise).rolling(60, min_periods=1).mean().to_numpy() * 0.9  # keep near the trend
    if ticker in ANCHORS:
        trend = np.array([anchor_price(ticker, d.date()) for d in days])
    else:
        drift = rng.uniform(0.02, 0.12) / 252
        start = rng.uniform(20, 400)
        trend = start * np.exp(drift * np.arange(len(days)))
    close = np.round(trend * np.exp(noise), 2)
    frame = pd.DataFrame({"close": close, "volume": rng.integers(100_000, 9_000_000, len(days))}, index=days)
    dividends = []
    amount = DIVIDEND_PAYERS.get(ticker)
    if amount:
        quarter_ends = frame.index[(frame.index.month % 3 == 0) & (frame.index.day >= 10)]
        ex_dates = quarter_ends.to_series().groupby([quarter_ends.year, quarter_ends.month]).first()
        dividends = [(ts.date(), amount) for ts in ex_dates]
    factor = np.ones(len(days))
    for day, cash in dividends:
        position = days.searchsorted(pd.Timestamp(day))
        factor[:position] *= 1 - cash / close[max(position - 1, 0)]
    frame["adj_close"] = np.round(close * factor, 4)
    return frame, dividends


class DemoSource:
    """Generated prices, no network: for `make run PRICE_SOURCE=demo` and browser tests."""

    name = "demo"
    concurrency = 1
    profiles_per_batch = 50  # made up on the spot: no reason to spread them out

    @classmethod
    def from_settings(cls, settings, stats=None):
        """Build the source (it has no settings)."""
        return cls()

    def fetch_chunks(self, tickers, start, end):
        """Chunks of CHUNK tickers, as the Yahoo source stores them: a chunk's bars are in memory at once."""
        tickers = list(dict.fromkeys(tickers))
        for first in range(0, len(tickers), CHUNK):
            yield self.fetch(tickers[first:first + CHUNK], start, end)

    def fetch_profile(self, ticker):
        """A generated profile (no network)."""
        return demo_profile(ticker)

    def fetch(self, tickers, start, end):
        """Return the generated bars for each ticker within [start, end]."""
        result = FetchResult()
        now = market.utcnow()
        for ticker in dict.fromkeys(tickers):
            frame, dividends = demo_series(ticker)
            # No bar for a session that has not opened yet where the ticker trades (Monday in Tokyo is Sunday in NY).
            last = pd.Timestamp(market.expected_last_bar(ticker, now))
            window = frame.loc[pd.Timestamp(start):min(pd.Timestamp(end), last)]
            name = f"{ticker} (demo)"
            kind = "etf" if ticker in ETFS else "equity"
            currency = "GBp" if ticker.endswith(".L") else ("EUR" if ticker.endswith((".DE", ".PA", ".AS")) else "USD")
            result.data[ticker] = TickerData(
                bars=window[["close", "adj_close", "volume"]].copy(),
                dividends=[(d, a) for d, a in dividends if start <= d <= end],
                currency=currency, name=name, exchange="DEMO", kind=kind,
            )
        return result
