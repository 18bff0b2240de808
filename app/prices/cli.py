"""`flask prices warm`, `flask prices profiles` and `flask prices status`."""

import os
import signal
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from app.prices import get_price_service, market, store

prices_cli = AppGroup("prices", help="Fetch prices and see their state.")


def default_tickers():
    """Every ticker held in any portfolio, most-held first, then the configured benchmarks."""
    tickers = store.held_tickers()
    return list(dict.fromkeys(tickers + list(current_app.config["BENCHMARKS"])))


@prices_cli.command("warm")
@click.argument("tickers", nargs=-1)
@click.option("--force", is_flag=True, help="Fetch even what is fresh, and unknown tickers again.")
def warm(tickers, force):
    """Bring prices up to date (default: every held ticker and the benchmarks)."""
    tickers = list(tickers) or default_tickers()
    if not tickers:
        click.echo("Nothing to warm: no portfolio holds a ticker and no benchmarks are configured.")
        return
    report = get_price_service().warm(tickers, force=force)
    click.echo(f"fresh:   {len(report.fresh):>5}  {' '.join(report.fresh[:20])}")
    click.echo(f"fetched: {len(report.fetched):>5}  {' '.join(report.fetched[:20])}")
    click.echo(f"failed:  {len(report.failed):>5}")
    for ticker, failure in sorted(report.failed.items()):
        click.echo(f"  {ticker:<12} {failure.kind:<13} {failure.message}")
    click.echo(f"HTTP requests: {report.requests}   seconds: {report.seconds:.2f}")
    if report.nothing_fetched:
        sys.exit(1)


@prices_cli.command("profiles")
@click.option("--limit", default=50, show_default=True, help="At most this many securities.")
def profiles_now(limit):
    """Fetch the security profiles that are due now (sector, country, kind, fund sectors, declared dividend)."""
    from app.prices.profiles import refresh_profiles

    done = refresh_profiles(get_price_service(), limit=limit, force=True)
    click.echo(f"profiles fetched: {len(done)} ({sum(done.values())} with data) {' '.join(sorted(done)[:20])}")


@prices_cli.command("status")
@click.argument("tickers", nargs=-1)
def status(tickers):
    """Show freshness per ticker, the breaker state and the counters."""
    tickers = list(tickers) or default_tickers()
    quotes, snapshot = get_price_service().status(tickers)
    breaker = snapshot["breaker"]
    click.echo(f"source: {snapshot['source']}   breaker: {breaker['state']}"
               f" (changed {breaker.get('changed_at') or 'never'})")
    click.echo(f"cache hits {snapshot['cache_hits']}, misses {snapshot['cache_misses']}; "
               f"HTTP requests {snapshot['http_requests']}; fetches {snapshot['fetches']}, "
               f"average {snapshot['fetch_ms_avg'] or 0} ms")
    failures = ", ".join(f"{k} {v}" for k, v in snapshot["failures"].items() if v) or "none"
    click.echo(f"failures: {failures}")
    last = snapshot.get("last_successful_warm")
    click.echo(f"last successful warm-up: {last['at'] if last else 'never'}")
    for ticker, quote in quotes.items():
        price = f"{quote.price:,.2f}" if quote.price is not None else "-"
        as_of = market.session_label(ticker, quote.as_of) if quote.as_of else "-"
        click.echo(f"  {ticker:<12} {quote.status:<8} {price:>12} {quote.currency or '':<4} as of {as_of}"
                   f"{'  ' + quote.message if quote.message else ''}")


@prices_cli.command("schedule")
def schedule():
    """Run the price runner in the foreground (the `clock` process); SIGTERM lets its lease go and exits."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from app.jobs import Runner, make_scheduler

    runner = Runner(current_app._get_current_object())
    scheduler = make_scheduler(runner, BlockingScheduler)

    def stop(signum, frame):
        click.echo("stopping: the lease is let go; an unfinished warm-up is done again by the next runner")
        runner.stop()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo("price runner running; Ctrl-C to stop")
    scheduler.start()
    # A fetch still in flight must not hold the exit (Heroku kills 30 s after SIGTERM); nothing half-done is kept.
    sys.stdout.flush()
    os._exit(0)
