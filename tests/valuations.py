"""Short forms of a valuation for the analytics tests: its daily frame, its per-ticker values."""

from app.analytics.valuation import portfolio_valuation


def daily_of(*args, **kwargs):
    """The daily frame of a valuation."""
    return portfolio_valuation(*args, **kwargs).daily


def holdings_of(*args, **kwargs):
    """Each ticker's value per day, from a valuation."""
    return portfolio_valuation(*args, **kwargs).holdings
