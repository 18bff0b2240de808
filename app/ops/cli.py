"""`flask ops report [--hours N]`: the dashboard's headline and figures for a terminal (and `heroku run`)."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.models import utcnow
from app.ops.status import status_now
from app.ops.summary import summarize

ops_cli = AppGroup("ops", help="See how the deployment is doing.")


def _ms(value):
    return "-" if value is None else f"{value:,.0f}"


def _share(value, digits=0):
    return "-" if value is None else f"{value:.{digits}%}"


def now_lines(status):
    """The headline, the other crossed lines, and the gauges of the last minutes."""
    summary, runner = status.summary, status.summary.runner_data
    lines = [status.headline] + [f"  also: {line}" for line in status.others]
    window = f"last {summary.minutes:g} minutes"
    breaker = runner.get("breaker") or {}
    tickers = runner.get("tickers") or {}
    wanted = runner.get("wanted") or {}
    lines.append("")
    lines.append(f"Now ({window}):")
    if runner:
        since = f" since {breaker['since']}" if breaker.get("since") else ""
        lines.append(f"  prices   breaker {breaker.get('state', '?')}{since}; tickers "
                     + ", ".join(f"{tickers.get(s, 0)} {s}" for s in ("fresh", "stale", "missing", "unknown"))
                     + f"; waiting {wanted.get('count', 0)}"
                     + (f" (oldest {wanted['oldest_seconds']} s)" if wanted.get("oldest_seconds") else ""))
        lines.append(f"  runner   last sample {summary.runner.at:%Y-%m-%d %H:%M:%S} UTC from {summary.runner.process}")
    else:
        lines.append("  prices   no price runner has reported")
    figures = summary.figures
    lines.append(f"  cache    hit rate {_share(figures.hit_rate)} of {figures.lookups:,} lookups")
    for dyno in summary.memory:
        parts = ", ".join(f"{pid} ({roles}) {mb:.0f}" for pid, roles, mb, _ in dyno.processes)
        lines.append(f"  memory   {dyno.host}: {dyno.total_mb:.0f} MB of {dyno.limit_mb:.0f} MB "
                     f"({_share(dyno.fraction)}): {parts}")
    if not summary.memory:
        lines.append("  memory   no process has reported lately")
    if status.raised:
        lines.append("  alerts   " + "; ".join(f"{key} since {a['since']}" for key, a in sorted(status.raised.items())))
    else:
        lines.append("  alerts   none raised")
    return lines


def window_lines(summary, hours):
    """Requests per route family and route, Yahoo and the cache, and peak memory over the hours."""
    figures = summary.figures
    lines = ["", f"Last {hours:g} hour{'s' if hours != 1 else ''}:",
             f"  {'route':<22} {'requests':>9} {'per min':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>7}"]
    rows = list(figures.families.values())
    slow = figures.slowest_routes()
    for route in rows + ([None] if slow else []) + slow:
        if route is None:
            lines.append("  " + "-" * 64)
            continue
        lines.append(f"  {route.name:<22} {route.requests:>9,} {route.per_minute:>8.1f} {_ms(route.p50_ms):>7} "
                     f"{_ms(route.p95_ms):>7} {route.errors:>7,}")
    failures = ", ".join(f"{kind} {n}" for kind, n in sorted(figures.failures.items())) or "none"
    lines.append(f"  Yahoo    {figures.counts['http_requests']:,} requests, {figures.counts['fetches']:,} fetches "
                 f"(p50 {_ms(figures.fetch_latency.quantile(0.5))} ms, p95 {_ms(figures.fetch_latency.quantile(0.95))}"
                 f" ms); failures: {failures}")
    lines.append(f"  cache    hit rate {_share(figures.hit_rate)} of {figures.lookups:,} lookups")
    peaks = ", ".join(f"{host} {mb:.0f} MB" for host, mb in sorted(summary.peaks.items())) or "no samples"
    lines.append(f"  memory   peak {peaks} (limit {summary.limit_mb:.0f} MB)")
    lines.append(f"  samples  {figures.samples:,}")
    return lines


@ops_cli.command("report")
@click.option("--hours", type=click.FloatRange(min=0.1, max=24 * 90), default=24, show_default=True,
              help="How far back the figures go.")
def report(hours):
    """Print the headline, the gauges now and the figures of the last hours."""
    app, now = current_app._get_current_object(), utcnow()
    lines = [f"Folio operations report, {now:%Y-%m-%d %H:%M} UTC", ""]
    lines += now_lines(status_now(app, now))
    lines += window_lines(summarize(app.config, now, hours * 60), hours)
    click.echo("\n".join(lines))
