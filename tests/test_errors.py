"""The error page needs no database and never fails; a burst of identical errors logs one traceback."""

import logging

import pytest

from app import create_app, errors
from tests.conftest import make_config, make_user


@pytest.fixture
def broken_database(app_factory, tmp_path):
    """A browser signed in on a working app, then the same app with a database that cannot be opened."""
    app = app_factory()
    with app.app_context():
        make_user()
    client = app.test_client()
    assert client.post("/login", data={"email": "owner@example.com", "password": "correct-horse"}).status_code == 302
    unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.sqlite3'}"
    broken = create_app(make_config(tmp_path), environ={"SECRET_KEY": app.config["SECRET_KEY"],
                                                        "DATABASE_URL": unreachable})
    browser = broken.test_client()
    browser.set_cookie("session", client.get_cookie("session").value)
    yield broken, browser


def tracebacks(caplog):
    return [r for r in caplog.records if r.exc_info and r.name == "app.errors"]


def test_a_broken_database_is_a_503_page_without_touching_the_user(broken_database, caplog, monkeypatch):
    app, client = broken_database
    errors.bursts.bursts.clear()
    resp = client.get("/portfolios")
    assert resp.status_code == 503
    assert "The database is not answering; try again in a minute." in resp.get_data(as_text=True)
    assert resp.headers["Retry-After"] == "60"
    assert len(tracebacks(caplog)) == 1  # the request's own error; the page itself did not fail


def test_api_gets_the_503_as_json(broken_database):
    _, client = broken_database
    resp = client.get("/api/portfolios/1/holdings")
    assert resp.status_code == 503 and resp.get_json()["error"].startswith("The database is not answering")


def test_a_burst_of_identical_errors_logs_one_traceback_and_a_count(broken_database, caplog):
    _, client = broken_database
    errors.bursts.bursts.clear()
    caplog.set_level(logging.ERROR, logger="app.errors")
    for _ in range(25):
        assert client.get("/portfolios").status_code == 503
    assert len(tracebacks(caplog)) == 1
    counts = [r.getMessage() for r in caplog.records if "times within" in r.getMessage()]
    assert len(counts) == 1 and "10 times" in counts[0]


def test_the_next_burst_says_how_many_the_last_one_had():
    clock = [0.0]
    bursts = errors.ErrorBursts(window=60, clock=lambda: clock[0])
    assert bursts.record("k") == (True, 0, 1)
    for n in range(2, 6):
        assert bursts.record("k") == (False, 0, n)
    assert bursts.record("other") == (True, 0, 1)
    clock[0] = 61.0
    assert bursts.record("k") == (True, 5, 1)


def test_the_error_page_falls_back_to_plain_html_when_rendering_fails(app, client, monkeypatch):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    def broken_template(*args, **kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(errors, "render_without_context", broken_template)
    resp = client.get("/boom")
    assert resp.status_code == 500
    assert "Something went wrong on our side" in resp.get_data(as_text=True)
    assert "Traceback" not in resp.get_data(as_text=True)
