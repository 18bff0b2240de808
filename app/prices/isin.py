"""Securities an import named only by ISIN: the runner looks up their Yahoo symbols; an owner may type one.

Until then a holding's ticker is its ISIN and its Security row is marked `to_resolve`. No web request calls
Yahoo: `resolve_pending_isins` runs in the price runner.
"""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, exists, or_, select, update

from app.extensions import db
from app.models import Portfolio, Security, Transaction, utcnow
from app.prices.tickers import TickerError, is_isin, normalize_ticker

log = logging.getLogger(__name__)

SEARCH_TIMEOUT = 10  # seconds for one search: the runner has other work
DEFAULT_LIMIT = 20  # ISINs looked up per run, so that a large import does not hold up the warm-up
RETRY_AFTER = timedelta(days=1)  # an ISIN Yahoo found no symbol for is asked about again after this
LISTED = {"EQUITY": "equity", "ETF": "etf", "MUTUALFUND": "fund"}
# The listings (Yahoo suffixes; "US" for none) where a price in each currency is quoted.
CURRENCY_LISTINGS = {
    "USD": ("US",), "GBP": (".L",), "GBX": (".L",), "CHF": (".SW",), "CAD": (".TO", ".V", ".NE"),
    "EUR": (".AS", ".DE", ".PA", ".MI", ".MC", ".BR", ".F", ".VI", ".LS", ".IR", ".HE", ".SG", ".MU", ".BE", ".DU"),
    "AUD": (".AX",), "HKD": (".HK",), "JPY": (".T",), "SEK": (".ST",), "NOK": (".OL",), "DKK": (".CO",),
    "PLN": (".WA",),
}


class SymbolError(ValueError):
    """A symbol that cannot replace an ISIN, with a message for the person."""


def yahoo_search(isin):
    """Return the quotes Yahoo's search finds for an ISIN (yfinance's Search); raise when Yahoo does not answer."""
    # Imported here: web processes load this module for the symbol form, and yfinance adds 30,000 objects.
    import yfinance as yf

    return yf.Search(isin, max_results=10, news_count=0, lists_count=0, include_cb=False, recommended=0,
                     timeout=SEARCH_TIMEOUT, raise_errors=True).quotes


def resolve_pending_isins(limit=DEFAULT_LIMIT, now=None, search=None):
    """Look up the Yahoo symbols of ISINs waiting for one; return {isin: symbol, or None when Yahoo has none}.

    Never raises: the warm-up that calls it must go on. An outage ends the run and decides nothing.
    """
    try:
        return _resolve(limit, now or utcnow(), search)
    except Exception:  # noqa: BLE001 - the runner's other work must not stop here
        log.exception("ISIN resolution failed")
        db.session.rollback()
        return {}


def _resolve(limit, now, search):
    if search is None:
        if current_app.config.get("PRICE_SOURCE") != "yahoo":
            return {}
        search = yahoo_search
    query = (select(Security).where(Security.to_resolve.is_(True), or_(Security.unknown_since.is_(None),
                                                                       Security.unknown_since < now - RETRY_AFTER))
             .order_by(Security.updated_at).limit(limit))
    found = {}
    for security in db.session.scalars(query).all():
        try:
            quotes = search(security.isin)
        except Exception as exc:  # noqa: BLE001 - no answer is not "no symbol": ask again next run
            log.warning("ISIN search stopped at %s: %s: %s", security.isin, type(exc).__name__, exc)
            break
        symbol, kind = pick(quotes, security.currency, security.exchange)
        found[security.isin] = symbol
        if symbol is None:
            security.unknown_since = security.last_error_at = now
            security.last_error = "Yahoo finds no symbol for this ISIN: type it on the holdings page."
        else:
            _rename(security, symbol, kind)
        db.session.commit()  # one ISIN at a time: a later failure keeps what was found
    return found


def pick(quotes, currency=None, listing=None):
    """Return (symbol, kind) of the quote that best fits the file's listing, then its currency; (None, None)."""
    candidates = [q for q in quotes or () if q.get("symbol") and str(q.get("quoteType", "EQUITY")).upper() in LISTED]
    if not candidates:
        return None, None
    preferred = CURRENCY_LISTINGS.get((currency or "").upper(), ())

    def rank(pair):
        position, quote = pair
        suffix = _listing(quote["symbol"])
        return (-(2 * (suffix == listing) + (suffix in preferred)), position)

    _, best = min(enumerate(candidates), key=rank)
    try:
        symbol = normalize_ticker(best["symbol"])
    except TickerError:
        return None, None
    return symbol, LISTED[str(best.get("quoteType", "EQUITY")).upper()]


def _listing(symbol):
    head, dot, suffix = symbol.rpartition(".")
    return f".{suffix.upper()}" if dot and head and len(suffix) <= 3 else "US"


def _rename(security, symbol, kind):
    """Move every holding of the ISIN to its symbol and remember the ISIN on the symbol's security."""
    isin = security.isin
    _move(isin, symbol, Transaction.ticker == isin)
    target = db.session.get(Security, symbol)
    if target is None:
        db.session.add(Security(ticker=symbol, isin=isin, name=security.name, kind=kind or "equity"))
    elif target.isin is None:
        target.isin = isin
    db.session.delete(security)


def _move(isin, symbol, where):
    """Rewrite the transactions `where` selects from the ISIN to the symbol; mark their portfolios changed."""
    portfolios = select(Transaction.portfolio_id).where(where).distinct()
    db.session.execute(update(Portfolio).where(Portfolio.id.in_(portfolios))
                       .values(data_version=Portfolio.data_version + 1))
    return db.session.execute(update(Transaction).where(where).values(ticker=symbol)).rowcount


def assign_symbol(portfolio_id, isin, text):
    """Give this portfolio's holding of an ISIN the symbol its owner typed; return the symbol."""
    try:
        symbol = normalize_ticker(text)
    except TickerError as exc:
        raise SymbolError(str(exc)) from exc
    if is_isin(symbol):
        raise SymbolError("that is an ISIN: type the symbol Yahoo uses, such as VT or IWDA.AS.")
    moved = _move(isin, symbol, (Transaction.portfolio_id == portfolio_id) & (Transaction.ticker == isin))
    if not moved:
        db.session.rollback()
        raise SymbolError(f"this portfolio holds nothing under {isin}.")
    # The placeholder goes once no portfolio uses it; one owner's typing is not taught to the others.
    still_used = exists().where(Transaction.ticker == isin)
    db.session.execute(delete(Security).where(Security.ticker == isin, Security.to_resolve.is_(True), ~still_used))
    db.session.commit()
    return symbol
