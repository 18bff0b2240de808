"""Portfolios: the pages (`routes.py` holds the blueprint, `income_routes.py` adds to it) and their services."""
