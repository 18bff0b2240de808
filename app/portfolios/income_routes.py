"""Income and allocation pages of a portfolio, and their CSV downloads."""

import re

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.portfolios.access import get_owned_portfolio
from app.portfolios.allocation import allocation_report
from app.portfolios.exports import income_csv, realized_csv
from app.portfolios.income import income_page, income_report
from app.portfolios.realized import realized_report
from app.portfolios.routes import bp
from app.prices import get_price_service


def download(portfolio, what, body):
    """A CSV attachment named after the portfolio; the BOM makes Excel read it as UTF-8."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", portfolio.name).strip("-").lower() or "portfolio"
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-{what}.csv"'})


@bp.route("/portfolios/<int:portfolio_id>/income")
@login_required
def income(portfolio_id):
    portfolio = get_owned_portfolio(portfolio_id)
    report, realized = income_page(portfolio, get_price_service())
    return render_template("portfolios/income.html", portfolio=portfolio, report=report, realized=realized)


@bp.route("/portfolios/<int:portfolio_id>/income.csv")
@login_required
def income_download(portfolio_id):
    """Every dividend received, one line each, with its source."""
    portfolio = get_owned_portfolio(portfolio_id)
    return download(portfolio, "income", income_csv(income_report(portfolio, get_price_service(), every_payment=True)))


@bp.route("/portfolios/<int:portfolio_id>/realized.csv")
@login_required
def realized_download(portfolio_id):
    """Realized gains of one tax year (?year=2025), or of every year, by the portfolio's cost method."""
    portfolio = get_owned_portfolio(portfolio_id)
    raw = request.args.get("year", "").strip()
    if raw and not (raw.isdigit() and len(raw) == 4):
        flash(f"“{raw[:20]}” is not a year: use four digits, such as 2025.", "error")
        return redirect(url_for("portfolios.income", portfolio_id=portfolio.id))
    year = int(raw) if raw else None
    body = realized_csv(realized_report(portfolio), year)
    return download(portfolio, f"realized-gains-{year}" if year else "realized-gains", body)


@bp.route("/portfolios/<int:portfolio_id>/allocation")
@login_required
def allocation(portfolio_id):
    portfolio = get_owned_portfolio(portfolio_id)
    report = allocation_report(portfolio, get_price_service())
    return render_template("portfolios/allocation.html", portfolio=portfolio, report=report)
