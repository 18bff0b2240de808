"""What every price source returns, and the registry that picks one by name (PRICE_SOURCE)."""

from dataclasses import dataclass, field
from datetime import date

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


def make_source(name, settings, stats=None):
    """Build the source named by PRICE_SOURCE; an unknown name is a configuration error."""
    from app.prices.demo import DemoSource
    from app.prices.yahoo import YahooSource

    sources = {"yahoo": YahooSource, "demo": DemoSource}
    if name not in sources:
        raise ValueError(f"PRICE_SOURCE={name!r} is not one of {', '.join(sorted(sources))}.")
    return sources[name].from_settings(settings, stats)
