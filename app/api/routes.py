"""JSON for the pages: chart series, holdings, performance, income, allocation, price status. Owner only."""

import hashlib
import json

from flask import Blueprint, current_app, jsonify, request
from flask_login import login_required

from app.portfolios import charts
from app.portfolios.access import get_owned_portfolio, require_admin
from app.portfolios.allocation import allocation_report
from app.portfolios.dashboard import build_dashboard
from app.portfolios.income import income_report
from app.prices import get_price_service
from app.prices.tickers import split_tickers

bp = Blueprint("api", __name__, url_prefix="/api")


def json_response(payload, status=200):
    """JSON with an ETag, so that an unchanged answer is a 304 (compression is added by Flask-Compress)."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    response = current_app.response_class(body, status=status, mimetype="application/json")
    if status == 200:
        response.set_etag(hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest())
        response.headers["Cache-Control"] = "private, no-cache"
        response.make_conditional(request)
    else:
        response.headers["Cache-Control"] = "no-store"
    return response


def error(message, status=400):
    return jsonify(error=message, status=status), status


def requested_benchmarks(portfolio):
    """The benchmarks named in the query, else the portfolio's own, else the configured default."""
    raw = request.args.get("benchmarks")
    if raw is None:
        return portfolio.benchmark_list(current_app.config["BENCHMARKS"]), []
    tickers, problems = split_tickers(raw)
    return tickers[:8], problems


def analysis(portfolio_id, compute):
    """Parse the benchmarks, then answer with `compute(portfolio, benchmarks, range_code)` as JSON."""
    portfolio = get_owned_portfolio(portfolio_id)
    benchmarks, problems = requested_benchmarks(portfolio)
    if problems:
        return error(problems[0])
    try:
        payload, status = compute(portfolio, benchmarks, request.args.get("range", "1Y"))
    except charts.ChartRequestError as exc:
        return error(str(exc))
    return json_response(payload, status)


@bp.route("/chart-data/<int:portfolio_id>")
@login_required
def chart_data(portfolio_id):
    app = current_app._get_current_object()
    return analysis(portfolio_id, lambda portfolio, benchmarks, code: charts.chart_data(
        portfolio, benchmarks, code, get_price_service(), app))


@bp.route("/portfolios/<int:portfolio_id>/performance")
@login_required
def performance(portfolio_id):
    app, risk_free = current_app._get_current_object(), current_app.config["RISK_FREE_RATE"]
    return analysis(portfolio_id, lambda portfolio, benchmarks, code: charts.performance_data(
        portfolio, benchmarks, code, get_price_service(), app, risk_free))


@bp.route("/portfolios/<int:portfolio_id>/holdings")
@login_required
def holdings(portfolio_id):
    portfolio = get_owned_portfolio(portfolio_id)
    return json_response(build_dashboard(portfolio, get_price_service()).as_dict())


@bp.route("/status")
@login_required
def status():
    """Price counters and the breaker, for operators."""
    require_admin()
    service = get_price_service()
    _, snapshot = service.status([])
    return json_response(snapshot)


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
