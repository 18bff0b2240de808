"""Pooled PostgreSQL connections are checked on checkout: a closed one is replaced before a request sees it."""

import uuid

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import connection_checks
from tests.conftest import PASSWORD, make_portfolio, make_user

pytestmark = pytest.mark.once  # always on PostgreSQL (the part it checks), in the first pass


@pytest.fixture
def admin(postgres_database):
    engine = sqlalchemy.create_engine(postgres_database, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def terminate(admin, pid):
    """End a backend the way a restart or a failover does, and wait until it is gone."""
    with admin.connect() as conn:
        assert conn.exec_driver_sql(f"SELECT pg_terminate_backend({pid}, 5000)").scalar() is True


def backend_pid(engine):
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()


@pytest.fixture
def engine(postgres_database):
    made = []

    def make(**kwargs):
        engine = sqlalchemy.create_engine(postgres_database, pool_size=1, max_overflow=0)
        connection_checks.install(engine, **kwargs)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()


def test_a_connection_the_server_closed_is_replaced_without_a_ping(engine, admin, monkeypatch):
    checked = engine()
    pings = []
    monkeypatch.setattr(checked.dialect, "do_ping", lambda conn: pings.append(conn) or True)
    first = backend_pid(checked)
    assert backend_pid(checked) == first and pings == []  # busy and healthy: reused, and no round trip
    terminate(admin, first)
    assert backend_pid(checked) != first  # the pool connected again before the query ran
    assert pings == []


def test_without_the_check_the_same_query_fails(postgres_database, admin):
    unchecked = sqlalchemy.create_engine(postgres_database, pool_size=1, max_overflow=0)
    try:
        terminate(admin, backend_pid(unchecked))
        with pytest.raises(OperationalError):
            backend_pid(unchecked)
    finally:
        unchecked.dispose()


def test_a_connection_idle_past_the_limit_is_pinged_and_replaced_when_it_does_not_answer(engine, admin,
                                                                                        monkeypatch):
    checked = engine(ping_after_idle=0)  # every reuse counts as idle
    first = backend_pid(checked)
    # A silent drop: nothing arrives on the socket, so only the ping can tell.
    monkeypatch.setattr(connection_checks, "server_said_goodbye", lambda conn, error=None: False)
    terminate(admin, first)
    assert backend_pid(checked) != first


def test_a_quiet_connection_within_the_limit_is_not_pinged(engine, admin, monkeypatch):
    checked = engine(ping_after_idle=3600)
    first = backend_pid(checked)
    monkeypatch.setattr(connection_checks, "server_said_goodbye", lambda conn, error=None: False)
    terminate(admin, first)
    with pytest.raises(OperationalError):  # the one case left to the pool's recycling after the failure
        backend_pid(checked)
    assert backend_pid(checked) != first  # ... which replaces it for the next request


@pytest.fixture
def database_url(admin, postgres_database):
    """A database of its own on PostgreSQL, in every pass (app_factory builds on this URL): the run's shared
    one must stay empty for the migration tests."""
    name = f"folio_checks_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(postgres_database).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_dashboard_after_a_database_restart_is_served(app_factory, admin, no_network):
    app = app_factory()
    with app.app_context():
        portfolio_id = make_portfolio(make_user()).id
    client = app.test_client()
    client.post("/login", data={"email": "owner@example.com", "password": PASSWORD})
    assert client.get(f"/portfolios/{portfolio_id}").status_code == 200
    with admin.connect() as conn:
        pids = conn.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = %s",
                                    (make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database,)).scalars().all()
    assert pids  # the app's pooled connection, at least
    for pid in pids:
        terminate(admin, pid)
    resp = client.get(f"/portfolios/{portfolio_id}")
    assert resp.status_code == 200 and b"<h1>Main</h1>" in resp.data


def test_a_socket_has_news_when_the_peer_writes_or_closes():
    import socket

    ours, theirs = socket.socketpair()
    try:
        assert connection_checks.socket_has_news(ours.fileno()) is False  # quiet: keep the connection
        theirs.sendall(b"E")  # e.g. PostgreSQL's "terminating connection" error message
        assert connection_checks.socket_has_news(ours.fileno()) is True
        ours.recv(1)
        theirs.close()  # end of stream
        assert connection_checks.socket_has_news(ours.fileno()) is True
    finally:
        ours.close()
        theirs.close()
