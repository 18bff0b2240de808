"""Each line an operator must not cross, checked against a Summary: the alerts, and the headline in plain words."""

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from app.ops.web_meter import FAMILIES
from app.prices import market
from app.prices.breaker import OUTAGE_STATES

HEALTHY = "Healthy"
# Order of the headline when several lines are crossed: no prices at all first, a slow cache last.
PRIORITY = ("runner_silent", "breaker_open", "warmup_missed", "wanted_age", "error_rate", "page_p95", "memory",
            "hit_rate")


@dataclass
class Condition:
    """One check: whether its line is crossed, the words for it, the figure and the line."""

    alert: str
    breached: bool
    message: str
    value: float | None = None
    threshold: float | None = None
    labels: dict = field(default_factory=dict)

    @property
    def key(self):
        """The alert and its labels: one raised alert per key (page_p95:html, memory:web.1)."""
        return ":".join([self.alert, *self.labels.values()])

    @property
    def priority(self):
        """Its place in the headline's order."""
        return PRIORITY.index(self.alert)


def moment(value):
    """A naive UTC datetime from an ISO string (with or without an offset) or a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=None) if value.tzinfo is None else pd.Timestamp(value).tz_convert("UTC").tz_localize(
        None).to_pydatetime()


def clock(value, now):
    """A moment for a headline: "14:02 UTC" today, "Tue 1 Dec 14:02 UTC" before."""
    at = moment(value)
    return f"{at:%H:%M} UTC" if at.date() == now.date() else f"{at:%a %-d %b %H:%M} UTC"


def duration(seconds):
    """"45 seconds", "7 minutes", "3 hours"."""
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.0f} hours"


def check_all(summary, settings, now):
    """Every condition that can be checked now, and the names of the alerts checked.

    While the runner is silent, what only its samples tell is not checked (its alerts neither raise nor clear).
    """
    window = settings["ALERT_WINDOW_MINUTES"]
    runner = runner_silent(summary, settings, now)
    found = [runner]
    if not runner.breached:
        data = summary.runner_data
        found += [breaker_open(data, settings, now), warmup_missed(data, settings, now), wanted_age(data, settings),
                  hit_rate(summary.figures, settings, window)]
    found.append(error_rate(summary.figures, settings, window))
    found += [page_p95(summary.figures, family, settings, window) for family in FAMILIES]
    found += [memory(dyno, settings, len(summary.memory) > 1) for dyno in summary.memory]
    return found, {c.alert for c in found} | {"memory"}


def headline(conditions):
    """(the headline, the other crossed lines): "Healthy" when none is crossed."""
    crossed = sorted((c for c in conditions if c.breached), key=lambda c: c.priority)
    if not crossed:
        return HEALTHY, []
    return crossed[0].message, [c.message for c in crossed[1:]]


def runner_silent(summary, settings, now):
    """The price runner has not written a sample lately: nobody fetches."""
    limit = settings["ALERT_RUNNER_SILENT_MINUTES"]
    if summary.runner is None:
        return Condition("runner_silent", True, "Prices stale: no price runner has reported yet", None, limit)
    silent = (now - summary.runner.at).total_seconds() / 60
    when = clock(summary.runner.at, now)
    breached = silent > limit
    return Condition("runner_silent", breached, f"Prices stale: no price runner has reported since {when}" if breached
                     else f"The price runner reports (last at {when})", round(silent, 1), limit)


def breaker_open(data, settings, now):
    """Yahoo has refused us (the breaker open or half-open) for longer than the line."""
    limit = settings["ALERT_BREAKER_OPEN_MINUTES"]
    breaker = data.get("breaker") or {}
    since = breaker.get("since")
    if breaker.get("state") not in OUTAGE_STATES or not since:
        return Condition("breaker_open", False, "Yahoo answers (the breaker is closed)", 0, limit)
    minutes = (now - moment(since)).total_seconds() / 60
    breached, when = minutes >= limit, clock(since, now)
    return Condition("breaker_open", breached, f"Prices stale: Yahoo has refused us since {when}" if breached
                     else f"Yahoo has refused us since {when}, for less than {limit:g} minutes",
                     round(minutes, 1), limit)


def warmup_missed(data, settings, now):
    """While the market is open, no scheduled warm-up has brought prices for this many cycles."""
    cycles = settings["ALERT_WARMUP_MISSED_CYCLES"]
    cycle = data.get("warm_cycle_seconds") or 300
    if not market.is_open(market.WARMUP_TICKER, now):
        return Condition("warmup_missed", False, "The market is closed", 0, cycles)
    calendar = market.calendar(market.calendar_code(market.WARMUP_TICKER))
    stamp = pd.Timestamp(now).tz_localize("UTC")
    opened = moment(calendar.session_open(calendar.minute_to_session(stamp)))
    good = data.get("last_good_warmup")
    since = max(moment(good), opened) if good else opened
    missed = (now - since).total_seconds() / cycle
    when = f"since {clock(good, now)}" if good and moment(good) >= opened else "since the market opened"
    breached = missed > cycles
    return Condition("warmup_missed", breached,
                     f"Prices stale: no successful warm-up {when} ({missed:.0f} cycles of {duration(cycle)})"
                     if breached else f"Warm-ups succeed (none missing {when})", round(missed, 1), cycles)


def wanted_age(data, settings):
    """A ticker a page asked for has waited longer than the line for the runner."""
    limit = settings["ALERT_WANTED_AGE_SECONDS"]
    oldest = (data.get("wanted") or {}).get("oldest_seconds")
    if oldest is None:
        return Condition("wanted_age", False, "No ticker is waiting", None, limit)
    breached = oldest > limit
    return Condition("wanted_age", breached, f"Prices slow to arrive: a ticker has waited {duration(oldest)} for the "
                     "price runner" if breached else f"The oldest wanted ticker has waited {duration(oldest)}",
                     oldest, limit)


def hit_rate(figures, settings, window):
    """The quote cache answered too few lookups over the window."""
    limit = settings["ALERT_HIT_RATE_MIN"]
    rate = figures.hit_rate
    enough = figures.lookups >= settings["ALERT_MIN_REQUESTS"]
    words = f"{rate:.0%}".replace("%", " %") if rate is not None else "unknown"
    breached = enough and rate < limit
    return Condition("hit_rate", breached, f"Cache hit rate {'low: ' if breached else ''}{words} over the last "
                     f"{window:g} minutes", None if rate is None else round(rate, 3), limit)


def error_rate(figures, settings, window):
    """Too many requests answered with a server error over the window."""
    limit = settings["ALERT_ERROR_RATE_MAX"]
    rate = figures.error_rate
    enough = figures.requests >= settings["ALERT_MIN_REQUESTS"]
    words = f"{rate:.1%}".replace("%", " %") if rate is not None else "none"
    breached = enough and rate > limit
    return Condition("error_rate", breached, f"{'Errors: ' if breached else ''}{words} of requests failed over the "
                     f"last {window:g} minutes", None if rate is None else round(rate, 4), limit)


def page_p95(figures, family, settings, window):
    """A route family's 95th percentile latency over the window is above the line; named by its slowest route."""
    limit = settings["ALERT_PAGE_P95_SECONDS"]
    figures_of = figures.families[family]
    p95 = (figures_of.p95_ms or 0) / 1000
    enough = figures_of.requests >= settings["ALERT_MIN_REQUESTS"]
    name, shown = figures_of.name, p95
    slowest = figures.slowest_routes(family, min_requests=max(1, settings["ALERT_MIN_REQUESTS"] // 4))
    if slowest and (slowest[0].p95_ms or 0) / 1000 > limit:
        name, shown = slowest[0].name, slowest[0].p95_ms / 1000
    breached = enough and p95 > limit
    return Condition("page_p95", breached, f"{'Slow pages: ' if breached else ''}{name} p95 {shown:.1f} s over the "
                     f"last {window:g} minutes", round(p95, 3), limit, {"family": family})


def memory(dyno, settings, several):
    """A dyno's processes together use more than the line's share of its memory."""
    limit = settings["ALERT_MEMORY_FRACTION"]
    where = f" on {dyno.host}" if several else ""
    breached = dyno.fraction > limit
    return Condition("memory", breached, f"Memory {'high' if breached else 'used'}{where}: {dyno.total_mb:.0f} MB of "
                     f"the dyno's {dyno.limit_mb:.0f} MB ({dyno.fraction:.0%})".replace("%)", " %)"),
                     round(dyno.fraction, 3), limit, {"host": dyno.host})
