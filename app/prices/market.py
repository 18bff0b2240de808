"""Market hours per ticker, from exchange_calendars: when a quote stops being fresh."""

from datetime import date, datetime, timedelta
from functools import lru_cache

import exchange_calendars as ec
import pandas as pd

from app.models import utcnow  # noqa: F401 - the app's one clock, as market.utcnow for the price code

WARMUP_TICKER = "SPY"  # the warm-up follows New York's trading hours
OPEN_INTERVAL = timedelta(minutes=5)  # between warm-ups while the market is open
CLOSED_INTERVAL = timedelta(hours=6)  # weekends and holidays: rarely

# The calendars index every trading minute from here on: from 2000 that took 43 MB in every process. Only
# recent moments are asked about (a quote's age, the last session), so two years back is plenty.
CALENDAR_START = (date.today() - timedelta(days=2 * 365)).isoformat()
# Yahoo suffix → exchange_calendars code. A ticker with no suffix trades in New York.
SUFFIX_CALENDARS = {
    "L": "XLON", "IL": "XLON", "DE": "XETR", "F": "XFRA", "TO": "XTSE", "V": "XTSX", "PA": "XPAR",
    "AS": "XAMS", "SW": "XSWX", "MI": "XMIL", "HK": "XHKG", "T": "XTKS", "AX": "XASX", "MC": "XMAD",
    "ST": "XSTO", "OL": "XOSL", "CO": "XCSE", "HE": "XHEL", "BR": "XBRU", "LS": "XLIS", "VI": "XWBO",
    "IR": "XDUB", "SA": "BVMF", "NZ": "XNZE", "SI": "XSES", "KS": "XKRX", "BO": "XBOM", "JO": "XJSE",
    "MX": "XMEX", "WA": "XWAR", "IS": "XIST", "SS": "XSHG", "TW": "XTAI", "BK": "XBKK", "TA": "XTAE",
}
FX_CALENDAR = "24/5"
CRYPTO_CALENDAR = "24/7"
DEFAULT_CALENDAR = "XNYS"


def calendar_code(ticker):
    """Name the trading calendar of a Yahoo ticker: `VOD.L` → XLON, `EURUSD=X` → 24/5, `AAPL` → XNYS."""
    if ticker.endswith("=X"):
        return FX_CALENDAR
    if ticker.endswith(("-USD", "-EUR")) and "." not in ticker:
        return CRYPTO_CALENDAR
    head, dot, suffix = ticker.rpartition(".")
    if dot and head:
        return SUFFIX_CALENDARS.get(suffix, DEFAULT_CALENDAR)
    return DEFAULT_CALENDAR


@lru_cache(maxsize=64)
def calendar(code):
    """Load a calendar once per process (loading takes a fraction of a second)."""
    return ec.get_calendar(code, start=CALENDAR_START)


def _utc(moment):
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def is_open(ticker, now):
    """Tell whether the ticker's market is trading at `now` (a naive time is UTC)."""
    return _is_open(calendar_code(ticker), pd.Timestamp(now).floor("min"))


@lru_cache(maxsize=4096)
def _is_open(code, minute):
    return bool(calendar(code).is_open_on_minute(_utc(minute), ignore_breaks=True))


def fresh_until(ticker, fetched_at, ttl_open):
    """When a quote fetched at `fetched_at` goes stale (naive UTC).

    While the market is open: `ttl_open` seconds later, but no later than the close (the closing
    price must be fetched once). After the close, on weekends and holidays: the next open.
    """
    return _fresh_until(calendar_code(ticker), fetched_at, ttl_open)


@lru_cache(maxsize=4096)
def _fresh_until(code, fetched_at, ttl_open):
    """fresh_until for a calendar; tickers fetched together share one computation."""
    cal = calendar(code)
    moment = _utc(fetched_at)
    if cal.is_open_on_minute(moment, ignore_breaks=True):
        close = cal.session_close(cal.minute_to_session(moment))
        until = min(moment + timedelta(seconds=ttl_open), close + timedelta(minutes=1))
    else:
        until = cal.next_open(moment)
    return until.tz_convert("UTC").tz_localize(None).to_pydatetime()


def last_complete_session(ticker, now):
    """The date of the latest session that has closed at `now`: its bar will not change any more."""
    cal = calendar(calendar_code(ticker))
    moment = _utc(now)
    if cal.is_open_on_minute(moment, ignore_breaks=True):
        return cal.previous_session(cal.minute_to_session(moment)).date()
    return cal.minute_to_past_session(moment).date()


def expected_last_bar(ticker, now):
    """The newest daily bar Yahoo can have at `now`: today's session once it has opened, else the last one."""
    cal = calendar(calendar_code(ticker))
    moment = _utc(now)
    if cal.is_open_on_minute(moment, ignore_breaks=True):
        return cal.minute_to_session(moment).date()
    return cal.minute_to_past_session(moment).date()


def session_label(ticker, when):
    """Describe a quote's time for people: 'Fri 16:00', in the market's time zone."""
    return _session_label(calendar_code(ticker), when)


@lru_cache(maxsize=4096)
def _session_label(code, when):
    return _utc(when).tz_convert(calendar(code).tz).strftime("%a %H:%M")


def warmup_due(now, last_run, ticker=WARMUP_TICKER):
    """Whether a warm-up is due: every few minutes while open, once after each close, rarely when closed."""
    if last_run is None:
        return True
    if is_open(ticker, now):
        return now - last_run >= OPEN_INTERVAL
    closed_at = datetime.combine(last_complete_session(ticker, now), datetime.min.time())
    session_close = calendar(calendar_code(ticker)).session_close(closed_at)
    close_time = session_close.tz_convert("UTC").tz_localize(None).to_pydatetime()
    return last_run < close_time or now - last_run >= CLOSED_INTERVAL
