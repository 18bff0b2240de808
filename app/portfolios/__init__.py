from flask import Blueprint

bp = Blueprint("portfolios", __name__)

from app.portfolios import income_routes, routes  # noqa: E402,F401  (routes attach themselves to bp)
