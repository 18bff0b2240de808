"""Pages that only read run their queries without a transaction; every write keeps its transaction.

The requests here run as a server runs them, each in its own app context (no test context around
them), so that each one checks a connection out of the pool and back in.
"""

import sqlite3
from datetime import date

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Transaction
from tests.conftest import PASSWORD, make_portfolio, make_user

AAPL = [(date(2025, 3, 3), "BUY", "AAPL", 10, 100)]


def autocommit(dbapi_connection):
    if isinstance(dbapi_connection, sqlite3.Connection):  # Python 3.11's sqlite3 has no `autocommit`
        return dbapi_connection.isolation_level is None
    return dbapi_connection.autocommit


class Recorder:
    """Each statement's first word and isolation level; whether each connection went back in autocommit."""

    def __init__(self, engine):
        self.statements, self.checked_in = [], []
        event.listen(engine, "before_cursor_execute", self.statement)
        event.listen(engine, "checkin", self.checkin)

    def statement(self, conn, cursor, statement, params, context, executemany):
        # What the driver's connection really does, not only what SQLAlchemy was asked for.
        self.statements.append((statement.split()[0].upper(),
                                "AUTOCOMMIT" if autocommit(conn.connection.dbapi_connection) else "TRANSACTION"))

    def checkin(self, dbapi_connection, record):
        self.checked_in.append(autocommit(dbapi_connection))

    def levels(self, verbs=None):
        return {level for verb, level in self.statements if verbs is None or verb in verbs}

    def clear(self):
        self.statements.clear()
        self.checked_in.clear()


@pytest.fixture
def site(app_factory, no_network):
    """An app, its owner's portfolio (id), a signed-in client and a recorder on its engine."""
    app = app_factory()
    with app.app_context():
        portfolio_id = make_portfolio(make_user(), trades=AAPL).id
        recorder = Recorder(db.engine)
    client = app.test_client()
    client.post("/login", data={"email": "owner@example.com", "password": PASSWORD})
    recorder.clear()
    return app, portfolio_id, client, recorder


def test_read_only_pages_query_in_autocommit_and_leave_the_pool_as_they_found_it(site):
    _, portfolio_id, client, recorder = site
    for path in (f"/portfolios/{portfolio_id}", f"/portfolios/{portfolio_id}/compare", "/portfolios",
                 f"/api/portfolios/{portfolio_id}/holdings"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert recorder.statements and recorder.levels() == {"AUTOCOMMIT"}, (path, recorder.statements)
        assert recorder.checked_in == [False], path  # reset on its way back to the pool
        recorder.clear()


def test_writes_and_other_pages_run_in_a_transaction(site):
    app, portfolio_id, client, recorder = site
    client.get(f"/portfolios/{portfolio_id}")  # a read-only page first: its connection goes back to the pool
    recorder.clear()
    resp = client.post(f"/portfolios/{portfolio_id}/transactions/new",
                       data={"trade_date": "2026-11-02", "type": "BUY", "ticker": "NVDA", "quantity": "3",
                             "price": "100", "fees": "0", "currency": "USD"})
    assert resp.status_code == 302
    assert recorder.levels({"INSERT"}) == {"TRANSACTION"} and "AUTOCOMMIT" not in recorder.levels()
    recorder.clear()
    assert client.get(f"/portfolios/{portfolio_id}/transactions").status_code == 200  # not marked
    assert recorder.statements and recorder.levels() == {"TRANSACTION"}
    recorder.clear()
    assert client.post("/portfolios", data={"name": "Second", "base_currency": "USD"}).status_code == 302
    assert recorder.levels({"INSERT"}) == {"TRANSACTION"}  # a POST to a marked view
    with app.app_context():
        assert Transaction.query.filter_by(portfolio_id=portfolio_id).count() == 2


def test_a_read_only_page_still_refuses_a_stranger(site):
    app, portfolio_id, _, _ = site
    with app.app_context():
        make_user(email="stranger@example.com")
    stranger = app.test_client()
    stranger.post("/login", data={"email": "stranger@example.com", "password": PASSWORD})
    for path in (f"/portfolios/{portfolio_id}", f"/portfolios/{portfolio_id}/compare",
                 f"/api/portfolios/{portfolio_id}/holdings"):
        assert stranger.get(path).status_code == 404, path


def test_a_read_only_view_that_writes_fails_and_writes_nothing(app_factory, no_network):
    from app.models import User
    from app.readonly import reads_only

    app = app_factory()

    @app.route("/writes-by-mistake")
    @reads_only
    def writes_by_mistake():
        db.session.add(User(email="mistake@example.com", password_hash="x"))
        db.session.commit()
        return "written"

    resp = app.test_client().get("/writes-by-mistake")
    assert resp.status_code == 500 and b"written" not in resp.data
    with app.app_context():
        assert User.query.filter_by(email="mistake@example.com").count() == 0


def test_a_session_that_outlives_its_requests_writes_in_a_transaction_after_a_read_only_page(app, client, auth,
                                                                                              no_network):
    """Tests share one app context (and session) across requests: the read-only connection must not linger."""
    portfolio_id = make_portfolio(make_user(), trades=AAPL).id
    auth.login()
    db.session.commit()  # the test's own session is idle: the page below gets the autocommit connection
    recorder = Recorder(db.engine)
    assert client.get(f"/portfolios/{portfolio_id}").status_code == 200
    assert recorder.levels() == {"AUTOCOMMIT"}
    recorder.clear()
    client.post(f"/portfolios/{portfolio_id}/transactions/new",
                data={"trade_date": "2026-11-02", "type": "BUY", "ticker": "NVDA", "quantity": "3", "price": "100",
                      "fees": "0", "currency": "USD"})
    assert recorder.levels({"INSERT"}) == {"TRANSACTION"}
