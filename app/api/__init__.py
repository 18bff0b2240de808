from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from app.api import income, routes  # noqa: E402,F401  (routes attach themselves to bp)
