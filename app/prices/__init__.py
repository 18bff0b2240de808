"""Prices: one PriceService over the shared cache and the price tables; sources chosen by name (PRICE_SOURCE)."""

from functools import partial
from importlib import import_module

from flask import current_app

from app.extensions import cache

# PRICE_SOURCE → the class that fetches, imported only by the process that fetches (yfinance is heavy).
SOURCES = {"yahoo": "app.prices.yahoo:YahooSource", "demo": "app.prices.demo:DemoSource"}


def init_app(app):
    """Check PRICE_SOURCE now; make the app's PriceService on first use (after gunicorn forks, not before)."""
    if app.config["PRICE_SOURCE"] not in SOURCES:
        raise ValueError(f"PRICE_SOURCE={app.config['PRICE_SOURCE']!r} is not one of {', '.join(sorted(SOURCES))}.")
    app.extensions["price_service"] = None


def make_source(name, settings, stats=None):
    """Build the source named by PRICE_SOURCE."""
    module, _, cls = SOURCES[name].partition(":")
    return getattr(import_module(module), cls).from_settings(settings, stats)


def get_price_service(app=None):
    """Return the app's PriceService, building it the first time."""
    app = app or current_app._get_current_object()
    service = app.extensions.get("price_service")
    if service is None:
        from app.prices.service import PriceService
        from app.prices.stats import PriceStats

        backend = app.extensions["cache"][cache]
        stats = PriceStats(backend, app.config["PRICE_SOURCE"])
        factory = partial(make_source, app.config["PRICE_SOURCE"], app.config, stats)
        service = app.extensions["price_service"] = PriceService(app, backend, stats, factory)
    return service
