"""The one ownership check every route that takes a portfolio id goes through."""

from flask import abort
from flask_login import current_user

from app.extensions import db
from app.models import ImportBatch, Portfolio, Transaction


def get_owned_portfolio(portfolio_id):
    """Return the current user's portfolio, or answer 404 (never 403: a stranger learns nothing)."""
    portfolio = db.session.get(Portfolio, portfolio_id)
    if portfolio is None or not current_user.is_authenticated or portfolio.owner_id != current_user.id:
        abort(404)
    return portfolio


def require_admin():
    """Answer 404 unless the signed-in user is an admin (operators' pages do not exist for others)."""
    if not (current_user.is_authenticated and current_user.is_admin):
        abort(404)


def get_owned_transaction(portfolio, transaction_id):
    """Return a transaction of this portfolio, or answer 404."""
    return _owned_by(portfolio, Transaction, transaction_id)


def get_owned_batch(portfolio, batch_id):
    """Return an import of this portfolio, or answer 404."""
    return _owned_by(portfolio, ImportBatch, batch_id)


def _owned_by(portfolio, model, row_id):
    row = db.session.get(model, row_id)
    if row is None or row.portfolio_id != portfolio.id:
        abort(404)
    return row
