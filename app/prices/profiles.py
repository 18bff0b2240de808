"""Security profiles (kind, sector, industry, country, declared dividend, fund sector weightings), fetched by the
price runner a few at a time and refreshed weekly; pages read them from the database only.

`refresh_profiles` runs on the runner's beat after the wanted tickers: at most PROFILE_BATCH securities per
batch and one batch every BATCH_INTERVAL, so that a large deployment spreads the work and prices come first.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select

from app.extensions import db
from app.models import FundSector, Security, Transaction, utcnow
from app.prices.sources import SourceError

log = logging.getLogger(__name__)

PROFILE_TTL = timedelta(days=7)  # a profile is asked for again after a week
BATCH_INTERVAL = timedelta(seconds=20)  # between two batches while profiles are due: prices come first
IDLE_INTERVAL = timedelta(minutes=1)  # when none was due (or none priced yet): look again this much later
OUTAGE_PAUSE = timedelta(minutes=15)  # after Yahoo did not answer: prices need it more
DEFAULT_BATCH = 3  # a profile is three or four requests to Yahoo
KINDS = {"EQUITY": "equity", "ETF": "etf", "MUTUALFUND": "fund", "CRYPTOCURRENCY": "crypto", "INDEX": "index",
         "CURRENCY": "fx"}
NEXT_KEY = "profiles_next_at"


def due_profiles(limit, now):
    """Held, priced securities whose profile is missing or a week old, never asked first (at most `limit`)."""
    held = exists().where(Transaction.ticker == Security.ticker)
    query = (select(Security.ticker)
             .where(held, Security.to_resolve.is_(False), Security.unknown_since.is_(None),
                    Security.fetched_at.is_not(None), Security.kind != "fx",
                    or_(Security.profile_at.is_(None), Security.profile_at < now - PROFILE_TTL))
             .order_by(Security.profile_at.is_not(None), Security.profile_at, Security.ticker).limit(limit))
    return list(db.session.scalars(query))


def refresh_profiles(service, limit=DEFAULT_BATCH, now=None, force=False):
    """Fetch the profiles that are due (one batch, when its time has come); return {ticker: found}.

    Never raises: the runner's other work must go on. An outage ends the batch and pauses the profiles.
    """
    now = now or utcnow()
    stats = service.stats
    next_at = stats.get(NEXT_KEY)
    if not force and next_at and now < datetime.fromisoformat(next_at):
        return {}
    if service.breaker_state() == "open":
        return {}
    done, pause = {}, BATCH_INTERVAL
    try:
        tickers = due_profiles(max(limit, getattr(service.source, "profiles_per_batch", 0)), now)
        if not tickers:
            pause = IDLE_INTERVAL
        for ticker in tickers:
            try:
                profile = service.source.fetch_profile(ticker)
            except SourceError as exc:
                log.warning("profiles paused at %s: %s", ticker, exc)
                pause = OUTAGE_PAUSE
                break
            store_profile(ticker, profile, now)
            db.session.commit()  # one at a time: a later failure keeps what came
            done[ticker] = profile.found
    except Exception:  # noqa: BLE001 - a profile is never worth stopping the runner for
        log.exception("profile refresh failed")
        db.session.rollback()
        pause = OUTAGE_PAUSE
    stats.put(NEXT_KEY, (now + pause).isoformat())
    if done:
        log.info("profiles: %d fetched (%d with data)", len(done), sum(done.values()))
    return done


def store_profile(ticker, profile, now):
    """Write a Profile onto the Security row and replace the fund's sector weightings."""
    security = db.session.get(Security, ticker)
    if security is None:
        return
    security.profile_at = now
    if not profile.found:
        return
    security.quote_type = profile.quote_type
    security.sector, security.industry, security.country = profile.sector, profile.industry, profile.country
    security.dividend_rate, security.ex_dividend_date = profile.dividend_rate, profile.ex_dividend_date
    kind = KINDS.get(profile.quote_type or "")
    if kind:
        security.kind = kind
    db.session.execute(delete(FundSector).where(FundSector.ticker == ticker))
    db.session.add_all(FundSector(ticker=ticker, sector=name, weight=float(weight))
                       for name, weight in profile.fund_sectors.items())


def fund_sectors(tickers):
    """The stored sector weightings of these ETFs and funds: {ticker: {sector: weight}}."""
    if not tickers:
        return {}
    found = {}
    for ticker, sector, weight in db.session.execute(
            select(FundSector.ticker, FundSector.sector, FundSector.weight).where(FundSector.ticker.in_(tickers))):
        found.setdefault(ticker, {})[sector] = weight
    return found
