"""PostgreSQL that stalls or refuses: a clean 503 page within the bound, then back to normal; statement timeouts."""

import threading
import time

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import PASSWORD, make_config, make_user
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.once
# connect_timeout (5 s) + the answer timeout (5 s) with some slack for a loaded machine.
BOUND_SECONDS = 15


def postgres_app(url, tmp_path, **overrides):
    app = create_app(make_config(tmp_path, **overrides), environ={"SECRET_KEY": "k" * 32, "DATABASE_URL": url})
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture(autouse=True)
def leave_the_database_as_found(postgres_database, tmp_path):
    """The migration and smoke tests expect the session's PostgreSQL database without tables."""
    app = create_app(make_config(tmp_path), environ={"SECRET_KEY": "k" * 32, "DATABASE_URL": postgres_database})
    with app.app_context():
        had_tables = inspect(db.engine).has_table("users")
        db.engine.dispose()
    yield
    with app.app_context():
        if had_tables:
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def proxied(postgres_database, tmp_path):
    """An app whose database is reached through a proxy the test can pause or close; a signed-in browser."""
    url = make_url(postgres_database)
    proxy = TcpProxy(url.host, url.port or 5432)
    app = postgres_app(url.set(port=proxy.port).render_as_string(hide_password=False), tmp_path)
    with app.app_context():
        make_user()
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 302
    assert client.get("/portfolios").status_code == 200
    yield app, proxy, client
    proxy.close()
    with app.app_context():
        db.engine.dispose()


def timed_get(client, path):
    """GET in a thread, so that a request that would hang fails the test instead of holding it."""
    answers = []
    started = time.monotonic()
    worker = threading.Thread(target=lambda: answers.append(client.get(path)), daemon=True)
    worker.start()
    worker.join(BOUND_SECONDS)
    assert answers, f"no answer within {BOUND_SECONDS} s"
    return answers[0], time.monotonic() - started


def test_a_stalled_database_is_a_503_within_the_bound_and_recovers(proxied):
    app, proxy, client = proxied
    proxy.pause()
    for _ in range(2):
        resp, seconds = timed_get(client, "/portfolios")
        print(f"stalled database answered {resp.status_code} in {seconds:.1f} s")
        assert resp.status_code == 503
        assert "The database is not answering; try again in a minute." in resp.get_data(as_text=True)
        assert seconds < BOUND_SECONDS
    proxy.resume()
    assert client.get("/portfolios").status_code == 200


def test_a_refused_database_is_a_503_at_once(proxied):
    app, proxy, client = proxied
    proxy.close()
    resp, seconds = timed_get(client, "/portfolios")
    print(f"refused database answered {resp.status_code} in {seconds:.1f} s")
    assert resp.status_code == 503 and seconds < BOUND_SECONDS
    assert client.get("/api/portfolios/1/holdings").status_code == 503


def test_postgres_sessions_get_the_statement_timeout(postgres_database, tmp_path):
    app = postgres_app(postgres_database, tmp_path)
    with app.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "15s"
        db.engine.dispose()


def test_a_slow_statement_is_cancelled_by_the_server(tmp_path, postgres_database):
    app = create_app(make_config(tmp_path), environ={"SECRET_KEY": "k" * 32, "DATABASE_URL": postgres_database,
                                                     "DB_STATEMENT_TIMEOUT": "0.5"})
    with app.app_context():
        with pytest.raises(Exception, match="statement timeout"):
            db.session.execute(text("SELECT pg_sleep(2)"))
        db.session.rollback()
        db.engine.dispose()


def test_the_answer_timeout_holds_in_requests_only(tmp_path, postgres_database):
    app = postgres_app(postgres_database, tmp_path, DB_ANSWER_TIMEOUT=0.5)

    @app.route("/slow")
    def slow():
        db.session.execute(text("SELECT pg_sleep(1.5)"))
        return "done"

    with app.app_context():
        assert db.session.execute(text("SELECT pg_sleep(1.0), 1")).one()[1] == 1  # the CLI and runner may wait
        db.session.remove()
    resp = app.test_client().get("/slow")
    assert resp.status_code == 503
    assert app.test_client().get("/login").status_code == 200  # the next request gets a fresh connection
    with app.app_context():
        db.engine.dispose()
