"""What every price source returns, and the interface a source has (see SOURCES in app/prices)."""

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import pandas as pd

# Failure kinds. OUTAGE_KINDS say Yahoo (or the way to it) is unwell; the others are about one ticker.
UNKNOWN = "unknown"
NO_DATA = "no_data"
RATE_LIMITED = "rate_limited"
TIMEOUT = "timeout"
NETWORK = "network"
SERVER_ERROR = "server_error"
BAD_RESPONSE = "bad_response"
BREAKER_OPEN = "breaker_open"
OUTAGE_KINDS = frozenset({RATE_LIMITED, TIMEOUT, NETWORK, SERVER_ERROR, BAD_RESPONSE})


class SourceError(Exception):
    """A source could not answer at all (an outage), as opposed to one ticker it does not know."""


@dataclass
class Failure:
    """Why one ticker could not be fetched."""

    kind: str
    message: str


@dataclass
class TickerData:
    """Daily bars (index: date; columns close, adj_close, volume), events and what Yahoo says of the ticker."""

    bars: pd.DataFrame
    splits: list[tuple[date, float]] = field(default_factory=list)
    dividends: list[tuple[date, float]] = field(default_factory=list)
    currency: str | None = None
    name: str | None = None
    exchange: str | None = None
    kind: str | None = None


@dataclass
class Profile:
    """What Yahoo says a security is: its kind, sector, industry, country, declared dividend, fund sectors.

    `found` is False when Yahoo answered that it has no profile for the ticker (asked again in a week).
    `fund_sectors` maps a sector's name to its weight (0..1) in an ETF or fund.
    """

    found: bool = True
    quote_type: str | None = None
    sector: str | None = None
    industry: str | None = None
    country: str | None = None
    dividend_rate: float | None = None
    ex_dividend_date: date | None = None
    fund_sectors: dict[str, float] = field(default_factory=dict)


@dataclass
class FetchResult:
    """What a fetch of several tickers brought back, ticker by ticker."""

    data: dict[str, TickerData] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    requests: int = 0

    def merge(self, other):
        """Add another result (another chunk) to this one."""
        self.data.update(other.data)
        self.failures.update(other.failures)
        self.requests += other.requests
        return self


class PriceSource(Protocol):
    """What a source does: fetch tickers' daily bars for a range, chunk by chunk, never raising per ticker."""

    name: str

    @classmethod
    def from_settings(cls, settings, stats=None):
        """Build the source from the app's settings."""

    def fetch_chunks(self, tickers, start, end):
        """Yield a FetchResult per chunk as each comes in."""

    def fetch(self, tickers, start, end):
        """Return one FetchResult for all the tickers."""

    def fetch_profile(self, ticker):
        """Return the ticker's Profile; raise SourceError when the source does not answer."""
