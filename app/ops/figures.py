"""Figures added up from samples: requests and latency per route family and route, the runner's counts, memory."""

from dataclasses import dataclass, field

from app.ops.histogram import Histogram
from app.ops.history import RUNNER
from app.ops.web_meter import CHART_API, FAMILIES, HTML, OTHER_API

FAMILY_NAMES = {HTML: "pages", CHART_API: "chart data", OTHER_API: "other API"}
# What an operator calls the routes people use most; any other route is named by its endpoint.
ROUTE_NAMES = {
    "portfolios.show": "dashboard", "portfolios.compare": "compare", "portfolios.index": "portfolio list",
    "portfolios.transactions": "transactions", "portfolios.price_status": "prices page", "auth.login": "sign-in",
    "api.chart_data": "chart data", "api.performance": "performance API", "api.holdings": "holdings API",
    "api.status": "status API", "imports.upload": "import", "imports.show_preview": "import preview",
    "ops.dashboard": "operations page", "ops.history": "operations API", "unmatched": "unknown addresses",
}
RUNNER_COUNTS = ("cache_hits", "cache_misses", "http_requests", "fetches", "fetch_ms_total", "rate_limited")


def route_name(endpoint):
    """A route's name for people: "dashboard" for portfolios.show."""
    return ROUTE_NAMES.get(endpoint, endpoint.replace("_", " "))


@dataclass
class RouteFigures:
    """Requests, server errors and latency of one route family or route over some minutes."""

    name: str
    family: str
    minutes: float
    requests: int = 0
    errors: int = 0
    latency: Histogram = field(default_factory=Histogram)

    def add(self, stored):
        """Add one sample's tally of this route."""
        self.requests += stored.get("n", 0)
        self.errors += stored.get("errors", 0)
        self.latency.merge(stored.get("hist"))

    @property
    def p50_ms(self):
        """Median latency, ms (None without requests)."""
        return self.latency.quantile(0.5)

    @property
    def p95_ms(self):
        """95th percentile latency, ms (None without requests)."""
        return self.latency.quantile(0.95)

    @property
    def per_minute(self):
        """Requests per minute."""
        return self.requests / self.minutes if self.minutes else 0.0

    @property
    def error_rate(self):
        """Share of requests answered with a server error (None without requests)."""
        return self.errors / self.requests if self.requests else None

    def as_dict(self):
        """A JSON-ready form."""
        return {"name": self.name, "family": self.family, "requests": self.requests, "errors": self.errors,
                "p50_ms": round_or_none(self.p50_ms), "p95_ms": round_or_none(self.p95_ms),
                "per_minute": round(self.per_minute, 1), "error_rate": self.error_rate}


def round_or_none(value):
    """A figure rounded to a whole number, or None when there is none."""
    return None if value is None else round(value)


class Figures:
    """Everything some samples add up to (one chart bucket, or a whole window)."""

    def __init__(self, minutes):
        self.minutes = minutes
        self.families = {name: RouteFigures(FAMILY_NAMES[name], name, minutes) for name in FAMILIES}
        self.routes = {}
        self.counts = dict.fromkeys(RUNNER_COUNTS, 0)
        self.failures = {}
        self.fetch_latency = Histogram()
        self.samples = 0

    def add(self, sample, routes=True):
        """Add one sample, of either kind (`routes=False`: the route families only, as a chart's bucket needs)."""
        self.samples += 1
        if sample.kind == RUNNER:
            self._add_runner(sample.data)
            return
        for name, tally in sample.data.get("families", {}).items():
            if name in self.families:
                self.families[name].add(tally)
        if not routes:
            return
        for endpoint, tally in sample.data.get("endpoints", {}).items():
            route = self.routes.get(endpoint)
            if route is None:
                route = self.routes[endpoint] = RouteFigures(route_name(endpoint), tally.get("family", HTML),
                                                             self.minutes)
            route.add(tally)

    def _add_runner(self, data):
        delta = data.get("delta") or {}
        for name in RUNNER_COUNTS:
            self.counts[name] += delta.get(name, 0)
        for kind, count in (delta.get("failures") or {}).items():
            self.failures[kind] = self.failures.get(kind, 0) + count
        self.fetch_latency.merge(data.get("fetch_hist"))

    @property
    def requests(self):
        """Requests of every family."""
        return sum(f.requests for f in self.families.values())

    @property
    def errors(self):
        """Server errors of every family."""
        return sum(f.errors for f in self.families.values())

    @property
    def error_rate(self):
        """Share of all requests answered with a server error (None without requests)."""
        return self.errors / self.requests if self.requests else None

    @property
    def lookups(self):
        """Quote lookups in the cache (hits and misses)."""
        return self.counts["cache_hits"] + self.counts["cache_misses"]

    @property
    def hit_rate(self):
        """Share of quote lookups the cache answered (None without lookups)."""
        return self.counts["cache_hits"] / self.lookups if self.lookups else None

    @property
    def failed_fetches(self):
        """Tickers whose fetch failed, every kind together."""
        return sum(self.failures.values())

    def slowest_routes(self, family=None, min_requests=1):
        """Routes by p95, slowest first (of one family, with at least `min_requests`)."""
        routes = [r for r in self.routes.values()
                  if r.requests >= min_requests and (family is None or r.family == family)]
        return sorted(routes, key=lambda r: (-(r.p95_ms or 0), r.name))


def memory_walk(samples, stale):
    """Each dyno's memory after each sample, oldest first: (at, host, total MB, {process: (roles, MB, kind)}).

    A process counts with its latest figure until it has been silent for `stale` (a restarted worker is gone).
    """
    latest = {}
    for sample in samples:
        memory = sample.data.get("memory") or {}
        if memory.get("mb") is None:
            continue
        host = sample.host
        processes = latest.setdefault(host, {})
        role = "runner" if sample.kind == RUNNER else "worker"
        _, roles, _, _ = processes.get(sample.process, (None, frozenset(), None, None))
        processes[sample.process] = (sample.at, roles | {role}, memory["mb"], memory.get("kind"))
        master = memory.get("master")
        if master:
            processes[f"{host}:{master['pid']}"] = (sample.at, frozenset({"master"}), master["mb"], memory.get("kind"))
        for key in [k for k, (at, *_) in processes.items() if sample.at - at > stale]:
            del processes[key]
        yield sample.at, host, sum(mb for _, _, mb, _ in processes.values()), {
            key: (roles, mb, kind) for key, (_, roles, mb, kind) in processes.items()}
