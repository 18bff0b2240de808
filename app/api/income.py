"""JSON for the Income and Allocation pages. Owner only, with an ETag like the others."""

from flask_login import login_required

from app.api import bp
from app.api.routes import json_response
from app.portfolios.access import get_owned_portfolio
from app.portfolios.allocation import allocation_report
from app.portfolios.income import income_report
from app.prices import get_price_service


@bp.route("/portfolios/<int:portfolio_id>/income")
@login_required
def income(portfolio_id):
    """Dividends received per month, the last 12 months, the next 12 months expected."""
    portfolio = get_owned_portfolio(portfolio_id)
    return json_response(income_report(portfolio, get_price_service()))


@bp.route("/portfolios/<int:portfolio_id>/allocation")
@login_required
def allocation(portfolio_id):
    """Today's value by asset class, sector, country and currency."""
    portfolio = get_owned_portfolio(portfolio_id)
    return json_response(allocation_report(portfolio, get_price_service()))
