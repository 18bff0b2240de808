"""The same figures in Prometheus's text exposition format (version 0.0.4), for a scraper or a log drain."""

from app.ops.web_meter import FAMILIES
from app.prices.breaker import OUTAGE_STATES

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Exposition:
    """Metric families written one after the other: HELP, TYPE, then the samples."""

    def __init__(self):
        self.lines = []

    def family(self, name, kind, help_text, samples):
        """Add a family; `samples` are (labels dict, value); a None value is left out."""
        samples = [(labels, value) for labels, value in samples if value is not None]
        if not samples:
            return
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        for labels, value in samples:
            shown = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            self.lines.append(f"{name}{{{shown}}} {float(value)!r}" if shown else f"{name} {float(value)!r}")

    def text(self):
        """The whole exposition."""
        return "\n".join(self.lines) + "\n"


def exposition(summary, active, now):
    """Text for /metrics from a Summary, the raised alerts and the time."""
    out = Exposition()
    figures, runner = summary.figures, summary.runner_data
    window = f"{summary.minutes:g}m"
    totals = runner.get("totals") or {}
    out.family("folio_cache_hits_total", "counter", "Quote lookups the cache answered.",
               [({}, totals.get("cache_hits"))])
    out.family("folio_cache_misses_total", "counter", "Quote lookups the cache did not answer.",
               [({}, totals.get("cache_misses"))])
    out.family("folio_yahoo_requests_total", "counter", "HTTP requests made to Yahoo.",
               [({}, totals.get("http_requests"))])
    out.family("folio_fetch_failures_total", "counter", "Tickers whose fetch failed, by kind.",
               [({"kind": kind}, n) for kind, n in sorted((totals.get("failures") or {}).items())])
    out.family("folio_cache_hit_ratio", "gauge", f"Share of quote lookups answered by the cache over {window}.",
               [({"window": window}, figures.hit_rate)])
    out.family("folio_fetch_latency_seconds", "gauge", f"Latency of Yahoo fetches over {window}.",
               [({"quantile": q, "window": window}, _seconds(figures.fetch_latency.quantile(float(q))))
                for q in ("0.5", "0.95")])
    breaker = (runner.get("breaker") or {}).get("state")
    out.family("folio_breaker_open", "gauge", "1 while the circuit breaker in front of Yahoo is open or half-open.",
               [({}, None if breaker is None else int(breaker in OUTAGE_STATES))])
    out.family("folio_tickers", "gauge", "Tickers kept by the warm-up, by the state of their price.",
               [({"state": s}, n) for s, n in sorted((runner.get("tickers") or {}).items())])
    wanted = runner.get("wanted") or {}
    out.family("folio_wanted_tickers", "gauge", "Tickers pages asked for, waiting for the price runner.",
               [({}, wanted.get("count"))])
    out.family("folio_wanted_oldest_seconds", "gauge", "How long the oldest wanted ticker has waited.",
               [({}, (wanted.get("oldest_seconds") or 0) if wanted else None)])
    out.family("folio_request_latency_seconds", "gauge", f"Request latency per route family over {window}.",
               [({"family": f, "quantile": q, "window": window},
                 _seconds(figures.families[f].latency.quantile(float(q)))) for f in FAMILIES for q in ("0.5", "0.95")])
    out.family("folio_requests_per_minute", "gauge", f"Requests per minute per route family over {window}.",
               [({"family": f, "window": window}, figures.families[f].per_minute) for f in FAMILIES])
    out.family("folio_request_error_ratio", "gauge", f"Share of requests answered with a 5xx over {window}.",
               [({"family": f, "window": window}, figures.families[f].error_rate) for f in FAMILIES])
    out.family("folio_memory_bytes", "gauge", "Memory (PSS, else RSS) of each process.",
               [({"host": d.host, "pid": pid, "role": roles}, mb * 1024 * 1024)
                for d in summary.memory for pid, roles, mb, _ in d.processes])
    out.family("folio_dyno_memory_bytes", "gauge", "Memory of all the processes of a dyno together.",
               [({"host": d.host}, d.total_mb * 1024 * 1024) for d in summary.memory])
    out.family("folio_dyno_memory_limit_bytes", "gauge", "The dyno's memory limit (DYNO_MEMORY_MB).",
               [({}, summary.limit_mb * 1024 * 1024)])
    out.family("folio_alert_active", "gauge", "1 for each alert raised now.",
               [({"alert": key}, 1) for key in sorted(active)])
    age = (now - summary.runner.at).total_seconds() if summary.runner else None
    out.family("folio_runner_sample_age_seconds", "gauge", "Seconds since the price runner's last sample.",
               [({}, age)])
    return out.text()


def _seconds(ms):
    return None if ms is None else ms / 1000
