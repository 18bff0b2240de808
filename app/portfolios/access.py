"""The one ownership check every route that takes a portfolio id goes through."""

from flask import abort
from flask_login import current_user

from app.extensions import db
from app.models import Portfolio


def get_owned_portfolio(portfolio_id):
    """Return the current user's portfolio, or answer 404 (never 403: a stranger learns nothing)."""
    portfolio = db.session.get(Portfolio, portfolio_id)
    if portfolio is None or not current_user.is_authenticated or portfolio.owner_id != current_user.id:
        abort(404)
    return portfolio


def get_owned_transaction(portfolio, transaction_id):
    """Return a transaction of this portfolio, or answer 404."""
    from app.models import Transaction

    transaction = db.session.get(Transaction, transaction_id)
    if transaction is None or transaction.portfolio_id != portfolio.id:
        abort(404)
    return transaction
