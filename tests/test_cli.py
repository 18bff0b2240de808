from app.extensions import db
from app.models import Portfolio, Transaction, User


def test_users_create_and_duplicate(runner, app):
    result = runner.invoke(args=["users", "create", "Cli@Example.com", "--password", "long-enough"])
    assert result.exit_code == 0, result.output
    assert User.query.one().check_password("long-enough")
    again = runner.invoke(args=["users", "create", "cli@example.com", "--password", "long-enough"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_portfolios_create_prints_id_on_last_line(runner, app):
    runner.invoke(args=["users", "create", "a@example.com", "--password", "long-enough"])
    result = runner.invoke(args=["portfolios", "create", "a@example.com", "Growth", "--currency", "eur"])
    assert result.exit_code == 0, result.output
    portfolio_id = int(result.output.strip().splitlines()[-1])
    assert db.session.get(Portfolio, portfolio_id).base_currency == "EUR"


def test_portfolios_create_for_unknown_user_fails_clearly(runner, app):
    result = runner.invoke(args=["portfolios", "create", "ghost@example.com", "X"])
    assert result.exit_code != 0 and "No user with email" in result.output


def test_seed_makes_a_sample_portfolio_once(runner, app):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0 and "demo@example.com" in first.output
    tickers = {t for (t,) in Transaction.query.with_entities(Transaction.ticker).distinct()}
    assert 15 <= len(tickers) <= 20
    runner.invoke(args=["seed"])
    assert Portfolio.query.count() == 1
