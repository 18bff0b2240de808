"""JSON for the dashboard: chart series, holdings, performance, price status. Owner only."""

import hashlib
import json

from flask import current_app, jsonify, request
from flask_login import login_required

from app.api import bp, charts
from app.extensions import cache
from app.portfolios.access import get_owned_portfolio, require_admin
from app.portfolios.dashboard import build_dashboard
from app.prices import get_price_service, market
from app.tickers import split_tickers

CHART_CACHE_SECONDS = 3600


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


def computed(kind, portfolio, range_code, benchmarks, build):
    """Answer from the cache when nothing behind the answer changed; otherwise compute and remember it."""
    service = get_price_service()
    version = charts.data_version(portfolio, service, market.utcnow())
    key = f"{kind}:{portfolio.id}:{range_code}:{','.join(benchmarks)}:{version}"
    payload = cache.get(key)
    if payload is None:
        prepared = charts.prepare(portfolio, benchmarks, service, current_app.config["CHART_FETCH_BUDGET"])
        payload = build(prepared)
        if prepared.status != "warming":
            cache.set(key, payload, timeout=CHART_CACHE_SECONDS)
    return json_response(payload, 202 if payload["status"] == "warming" else 200)


def analysis(kind, portfolio_id, build):
    """Parse range and benchmarks, then answer with `build(prepared, range_code)`, from the cache when possible."""
    portfolio = get_owned_portfolio(portfolio_id)
    range_code = request.args.get("range", "1Y").upper()
    benchmarks, problems = requested_benchmarks(portfolio)
    if problems:
        return error(problems[0])
    try:
        return computed(kind, portfolio, range_code, benchmarks, lambda prepared: build(prepared, range_code))
    except charts.ChartRequestError as exc:
        return error(str(exc))


@bp.route("/chart-data/<int:portfolio_id>")
@login_required
def chart_data(portfolio_id):
    return analysis("chart", portfolio_id, charts.chart_series)


@bp.route("/portfolios/<int:portfolio_id>/performance")
@login_required
def performance(portfolio_id):
    risk_free = current_app.config["RISK_FREE_RATE"]
    return analysis("performance", portfolio_id, lambda prepared, code: charts.performance(prepared, code, risk_free))


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
