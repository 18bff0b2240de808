"""The Prices page's first lines: how current a person's prices are, in words, from the price service's status."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pandas as pd

from app.prices import market
from app.prices.breaker import OUTAGE_STATES, next_try


@dataclass
class PriceWords:
    """A headline without its full stop ("Prices are current"), its tone, and the moments it names (ISO, UTC)."""

    headline: str
    kind: str = "ok"  # ok | warn | wait
    last_update: str | None = None
    next_update: str | None = None
    since: str | None = None
    details: list = field(default_factory=list)


def iso_utc(value):
    """An ISO time with its UTC offset, from a naive-UTC or aware datetime or ISO string (None stays None)."""
    if not value:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")


def next_update(snapshot, now):
    """When the next warm-up should bring prices: a few minutes after the last while trading, else the next open."""
    if market.is_open(market.WARMUP_TICKER, now):
        last = (snapshot.get("last_warm") or {}).get("at")
        if not last:
            return None
        due = datetime.fromisoformat(last).replace(tzinfo=None) + market.OPEN_INTERVAL
        return iso_utc(max(due, now + timedelta(minutes=1)))
    calendar = market.calendar(market.calendar_code(market.WARMUP_TICKER))
    return iso_utc(calendar.next_open(pd.Timestamp(now).tz_localize("UTC")).tz_convert("UTC").to_pydatetime())


def describe(quotes, snapshot, now=None):
    """Say how current these quotes are, what is missing and when the next update comes."""
    now = now or market.utcnow()
    statuses = [q.status for q in quotes.values()]
    missing = [t for t, q in quotes.items() if q.status == "missing"]
    unknown = [t for t, q in quotes.items() if q.status == "unknown"]
    stale = statuses.count("stale")
    priced = [q for q in quotes.values() if q.price is not None]
    newest = max((q.as_of for q in priced if q.as_of), default=None)
    last = iso_utc(newest) or iso_utc((snapshot.get("last_successful_warm") or {}).get("at"))
    breaker = snapshot.get("breaker") or {}
    words = PriceWords(headline="", last_update=last if priced else None, next_update=next_update(snapshot, now))
    if unknown:
        which = "that ticker" if len(unknown) == 1 else "those tickers"
        words.details.append(f"Yahoo does not know {', '.join(unknown)}: check {which}.")
    if snapshot.get("source") == "demo":
        words.details.append("These are demo prices, generated offline (PRICE_SOURCE=demo): not market data.")
    if not quotes:
        words.headline = "No holdings yet, so there are no prices to keep"
        return words
    if breaker.get("state") in OUTAGE_STATES:
        words.kind, words.since = "warn", iso_utc(breaker.get("changed_at"))
        retry = next_try(breaker)  # the breaker lets one trial through once its cooldown is over
        if retry is not None:
            words.next_update = iso_utc(max(retry.replace(tzinfo=None), now))
        words.headline = ("Yahoo Finance is unreachable: showing the last known prices" if priced
                          else "Yahoo Finance is unreachable, and no prices have been fetched yet")
        return words
    if missing:
        failed = [quotes[t].message for t in missing if quotes[t].message]
        words.kind = "warn" if failed else "wait"
        words.headline = (f"Prices for {len(missing)} of {len(quotes)} tickers are not in yet: "
                          + ("the last try failed" if failed else "they are being fetched"))
        if failed:
            words.details.insert(0, f"Last error: {failed[0]}")
    elif stale:
        words.kind = "warn"
        words.headline = f"{stale} of {len(quotes)} prices are overdue for a refresh"
    elif priced:
        words.headline = "Prices are current"
    else:
        words.kind, words.headline = "warn", "No prices yet"
    return words
