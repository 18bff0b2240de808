"""Portfolio pages: the list, a portfolio's holdings, its transactions."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.analytics.ranges import RANGES
from app.portfolios import service
from app.portfolios.access import get_owned_portfolio, get_owned_transaction
from app.portfolios.dashboard import build_dashboard, build_dashboards
from app.portfolios.forms import (
    BenchmarksForm,
    PortfolioForm,
    SettingsForm,
    TransactionFilterForm,
    TransactionForm,
)
from app.portfolios.price_words import describe
from app.prices import get_price_service

bp = Blueprint("portfolios", __name__)


@bp.route("/")
def home():
    return redirect(url_for("portfolios.index" if current_user.is_authenticated else "auth.login"))


@bp.route("/healthz")
def healthz():
    """A trivial route for uptime checks (and the benchmark's baseline)."""
    return "ok", 200, {"Content-Type": "text/plain", "Cache-Control": "no-store"}


@bp.route("/status")
@login_required
def price_status():
    """Prices in words for a person first (how current, next update), your tickers, and for admins the counters."""
    tickers = sorted({t for p in current_user.portfolios for t in service.held_tickers_of(p.id)})
    quotes, snapshot = get_price_service().status(tickers)
    return render_template("status.html", quotes=quotes, stats=snapshot, words=describe(quotes, snapshot))


@bp.route("/portfolios", methods=["GET", "POST"])
@login_required
def index():
    form = PortfolioForm()
    if form.validate_on_submit():
        try:
            portfolio = service.create_portfolio(current_user, form.name.data, form.base_currency.data)
        except service.PortfolioError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Portfolio “{portfolio.name}” created.", "success")
            return redirect(url_for("portfolios.show", portfolio_id=portfolio.id))
    status = 400 if form.errors else 200
    portfolios = current_user.portfolios
    boards = build_dashboards(portfolios, get_price_service())
    return render_template("portfolios/index.html", portfolios=portfolios, boards=boards, form=form), status


@bp.route("/portfolios/<int:portfolio_id>")
@login_required
def show(portfolio_id):
    portfolio = get_owned_portfolio(portfolio_id)
    benchmarks = portfolio.benchmark_list(current_app.config["BENCHMARKS"])
    board = build_dashboard(portfolio, get_price_service())
    return render_template("portfolios/show.html", portfolio=portfolio, board=board, benchmarks=benchmarks,
                           ranges=RANGES)


@bp.route("/portfolios/<int:portfolio_id>/compare")
@login_required
def compare(portfolio_id):
    portfolio = get_owned_portfolio(portfolio_id)
    benchmarks = portfolio.benchmark_list(current_app.config["BENCHMARKS"])
    return render_template("portfolios/compare.html", portfolio=portfolio, benchmarks=benchmarks, ranges=RANGES)


@bp.route("/portfolios/<int:portfolio_id>/benchmarks", methods=["POST"])
@login_required
def benchmarks(portfolio_id):
    portfolio = get_owned_portfolio(portfolio_id)
    form = BenchmarksForm()
    if form.validate_on_submit():
        try:
            service.set_benchmarks(portfolio, form.benchmarks.data)
        except service.PortfolioError as exc:
            flash(str(exc), "error")
        else:
            flash("Benchmarks saved.", "success")
    else:
        flash("Those benchmarks could not be saved: " + "; ".join(sum(form.errors.values(), [])), "error")
    back = "portfolios.compare" if request.form.get("back") == "compare" else "portfolios.show"
    return redirect(url_for(back, portfolio_id=portfolio.id))


@bp.route("/portfolios/<int:portfolio_id>/settings", methods=["GET", "POST"])
@login_required
def settings(portfolio_id):
    portfolio = get_owned_portfolio(portfolio_id)
    form = SettingsForm(obj=portfolio)
    if form.validate_on_submit():
        try:
            service.update_settings(portfolio, form.name.data, form.base_currency.data, form.benchmarks.data,
                                    form.cost_method.data)
        except service.PortfolioError as exc:
            form.benchmarks.errors.append(str(exc))
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("portfolios.show", portfolio_id=portfolio.id))
    return render_template("portfolios/settings.html", portfolio=portfolio, form=form), 400 if form.errors else 200


@bp.route("/portfolios/<int:portfolio_id>/delete", methods=["POST"])
@login_required
def delete(portfolio_id):
    portfolio = get_owned_portfolio(portfolio_id)
    service.delete_portfolio(portfolio)
    flash("Portfolio deleted.", "info")
    return redirect(url_for("portfolios.index"))


@bp.route("/portfolios/<int:portfolio_id>/transactions")
@login_required
def transactions(portfolio_id):
    portfolio = get_owned_portfolio(portfolio_id)
    filters = TransactionFilterForm(request.args)
    listing = service.transactions_page(portfolio.id, page=request.args.get("page", 1, type=int),
                                        **filters.criteria())
    kept = {k: request.args[k] for k in ("ticker", "type", "start", "end") if request.args.get(k)}
    return render_template("portfolios/transactions.html", portfolio=portfolio, listing=listing, filters=filters,
                           kept=kept)


def save_transaction(portfolio, form, transaction=None):
    """Validate and save the form; return an error message or None."""
    if not form.validate_on_submit():
        return "invalid"
    try:
        if transaction is None:
            service.add_transaction(portfolio, form.fields())
        else:
            service.update_transaction(transaction, form.fields())
    except service.PortfolioError as exc:
        form.quantity.errors = [*form.quantity.errors, str(exc)]
        return str(exc)
    return None


@bp.route("/portfolios/<int:portfolio_id>/transactions/new", methods=["GET", "POST"])
@login_required
def new_transaction(portfolio_id):
    portfolio = get_owned_portfolio(portfolio_id)
    form = TransactionForm(currency=portfolio.base_currency)
    if form.is_submitted() and save_transaction(portfolio, form) is None:
        flash("Transaction added.", "success")
        return redirect(url_for("portfolios.transactions", portfolio_id=portfolio.id))
    status = 400 if form.is_submitted() else 200
    return render_template("portfolios/transaction_form.html", portfolio=portfolio, form=form), status


@bp.route("/portfolios/<int:portfolio_id>/transactions/<int:transaction_id>/edit", methods=["GET", "POST"])
@login_required
def edit_transaction(portfolio_id, transaction_id):
    portfolio = get_owned_portfolio(portfolio_id)
    transaction = get_owned_transaction(portfolio, transaction_id)
    form = TransactionForm(obj=transaction)
    if form.is_submitted() and save_transaction(portfolio, form, transaction) is None:
        flash("Transaction updated.", "success")
        return redirect(url_for("portfolios.transactions", portfolio_id=portfolio.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "portfolios/transaction_form.html", portfolio=portfolio, form=form, transaction=transaction
    ), status


@bp.route("/portfolios/<int:portfolio_id>/transactions/<int:transaction_id>/delete", methods=["POST"])
@login_required
def delete_transaction(portfolio_id, transaction_id):
    portfolio = get_owned_portfolio(portfolio_id)
    transaction = get_owned_transaction(portfolio, transaction_id)
    try:
        service.delete_transaction(transaction)
    except service.PortfolioError as exc:
        flash(f"Not deleted: {exc}", "error")
    else:
        flash("Transaction deleted.", "info")
    return redirect(url_for("portfolios.transactions", portfolio_id=portfolio.id))
