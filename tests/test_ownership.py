"""Every route that takes a portfolio id answers 404 to a stranger, found from the URL map itself."""

import pytest

from app import create_app
from tests.conftest import make_portfolio, make_user


def portfolio_routes():
    app = create_app({"TESTING": True}, environ={"SECRET_KEY": "k" * 32, "DATABASE_URL": "sqlite://"})
    for rule in app.url_map.iter_rules():
        if "portfolio_id" in rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield pytest.param(rule.rule, method, id=f"{method} {rule.rule}")


ROUTES = list(portfolio_routes())


def test_every_portfolio_route_is_walked():
    assert len(ROUTES) >= 8
    walked = {param.values[0] for param in ROUTES}
    assert {"/api/portfolios/<int:portfolio_id>/income", "/api/portfolios/<int:portfolio_id>/allocation",
            "/portfolios/<int:portfolio_id>/income", "/portfolios/<int:portfolio_id>/allocation",
            "/portfolios/<int:portfolio_id>/income.csv", "/portfolios/<int:portfolio_id>/realized.csv"} <= walked


@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_stranger_gets_404_and_changes_nothing(app, client, auth, rule, method):
    owner = make_user("owner@example.com")
    portfolio = make_portfolio(owner, trades=[(__import__("datetime").date(2024, 1, 2), "BUY", "AAPL", 1, 100)])
    tx_id = portfolio.transactions[0].id
    make_user("stranger@example.com")
    auth.login("stranger@example.com")
    url = rule.replace("<int:portfolio_id>", str(portfolio.id))
    url = url.replace("<int:transaction_id>", str(tx_id)).replace("<int:batch_id>", "1")
    resp = client.open(url, method=method, data={"name": "hijack", "quantity": "1"})
    assert resp.status_code == 404, url
    from app.extensions import db
    from app.models import Portfolio

    db.session.expire_all()
    current = db.session.get(Portfolio, portfolio.id)
    assert current is not None and current.name == "Main" and len(current.transactions) == 1


@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_anonymous_is_sent_to_sign_in(client, app, rule, method):
    url = rule.replace("<int:portfolio_id>", "1").replace("<int:transaction_id>", "1").replace("<int:batch_id>", "1")
    resp = client.open(url, method=method)
    assert resp.status_code in (302, 401)
