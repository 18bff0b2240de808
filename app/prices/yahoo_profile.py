"""A security's profile from Yahoo through yfinance: `Ticker.info` (quoteSummary's assetProfile, quoteType,
summaryDetail) and, for an ETF or a fund, `Ticker.funds_data.sector_weightings` (quoteSummary's topHoldings).

yfinance keeps quiet about an HTTP error there (it returns an empty answer), so the recorder's view of
Yahoo's answer decides: an outage raises SourceError, a 404 is a ticker Yahoo has no profile for.
"""

import logging
from datetime import UTC, datetime

import yfinance as yf

from app.prices import sources
from app.prices.sources import Profile, SourceError

log = logging.getLogger(__name__)
FUNDS = {"ETF", "MUTUALFUND"}
# Yahoo's keys in a fund's sector weightings, named as its stocks' sectors are.
FUND_SECTORS = {
    "realestate": "Real Estate", "consumer_cyclical": "Consumer Cyclical", "basic_materials": "Basic Materials",
    "consumer_defensive": "Consumer Defensive", "technology": "Technology",
    "communication_services": "Communication Services", "financial_services": "Financial Services",
    "utilities": "Utilities", "industrials": "Industrials", "energy": "Energy", "healthcare": "Healthcare",
}


def fetch_profile(ticker, recorder):
    """Ask Yahoo for the ticker's profile through the recorder's session; raise SourceError on an outage."""
    quote = yf.Ticker(ticker, session=recorder.session)
    since = recorder.mark()
    try:
        info = quote.info or {}
    except Exception as exc:  # noqa: BLE001 - yfinance raises anything when the network fails
        raise SourceError(f"Yahoo's profile of {ticker} did not come: {type(exc).__name__}: {exc}") from exc
    kind = _answer(recorder, ticker, since)
    if kind == sources.UNKNOWN:
        return Profile(found=False)
    quote_type = str(info.get("quoteType") or "").upper() or None
    weights = {}
    if quote_type in FUNDS:
        since = recorder.mark()
        try:
            weights = quote.funds_data.sector_weightings or {}
        except Exception as exc:  # noqa: BLE001 - "no fund data" is an answer; the recorder tells an outage
            log.info("no fund data for %s: %s", ticker, exc)
        if _answer(recorder, ticker, since) == sources.UNKNOWN:
            weights = {}
    return profile_from(info, weights)


def _answer(recorder, ticker, since):
    """The kind of Yahoo's last profile answer for the ticker (None: data); SourceError when there was none."""
    outcome = recorder.summary_outcome(ticker, since)
    if outcome is None:
        raise SourceError(f"No answer from Yahoo Finance about {ticker}'s profile.")
    if outcome[1] in sources.OUTAGE_KINDS or outcome[1] not in (None, sources.UNKNOWN):
        raise SourceError(f"Yahoo Finance did not answer about {ticker}'s profile ({outcome[1]}).")
    return outcome[1]


def profile_from(info, weights):
    """Build a Profile from yfinance's flattened info and a fund's sector weightings."""
    rate = _number(info.get("dividendRate"))
    ex_date = _number(info.get("exDividendDate"))
    sectors = {}
    for key, weight in (weights or {}).items():
        value = _number(weight)
        if value is not None and value > 0:
            name = FUND_SECTORS.get(str(key), str(key).replace("_", " ").title())
            sectors[name[:64]] = min(value, 1.0)
    return Profile(
        found=True, quote_type=(str(info.get("quoteType") or "").upper() or None),
        sector=_text(info.get("sector"), 64), industry=_text(info.get("industry"), 100),
        country=_text(info.get("country"), 64), dividend_rate=rate if rate and rate > 0 else None,
        ex_dividend_date=datetime.fromtimestamp(ex_date, UTC).date() if ex_date and ex_date > 0 else None,
        fund_sectors=sectors,
    )


def _number(value):
    """A finite float, or None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _text(value, limit):
    """A stripped string cut to the column's length, or None."""
    text = str(value).strip() if value is not None else ""
    return text[:limit] or None
