"""Prices: one PriceService in front of swappable sources, a breaker, a cache and the price tables."""

from flask import current_app

from app.extensions import cache


def init_app(app):
    """Make the app's PriceService on first use (after gunicorn forks, not before)."""
    app.extensions["price_service"] = None


def get_price_service(app=None):
    """Return the app's PriceService, building it the first time."""
    app = app or current_app._get_current_object()
    service = app.extensions.get("price_service")
    if service is None:
        from app.prices.service import PriceService
        from app.prices.sources import make_source
        from app.prices.stats import PriceStats

        backend = app.extensions["cache"][cache]
        stats = PriceStats(backend)
        source = make_source(app.config["PRICE_SOURCE"], app.config, stats)
        service = app.extensions["price_service"] = PriceService(app, source, backend, stats)
    return service
