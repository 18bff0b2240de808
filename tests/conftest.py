"""Fixtures: app, client, runner, auth, and the database the suite runs on (SQLite or PostgreSQL)."""

import os
import socket
import tempfile
import uuid

# yfinance must use plain `requests`, which `responses` can stand in for.
os.environ["YF_DISABLE_CURL_CFFI"] = "1"

from datetime import date
from decimal import Decimal

import pytest
import responses
import sqlalchemy
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.models import Portfolio, Transaction, User
from tests.parts import CHROMIUM_FLAGS, chromium_path, postgres_url
from tests.yahoo_stub import YahooStub

BACKEND = os.environ.get("TEST_DB", "sqlite")
YF_CACHE_DIR = tempfile.mkdtemp(prefix="folio-yf-cache-")  # yfinance keeps its cache where it was first put
PASSWORD = "correct-horse"


@pytest.fixture(scope="session")
def postgres_database():
    """A throwaway PostgreSQL database for this run, dropped at the end."""
    base = postgres_url()
    name = f"folio_test_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    """The database URL the suite runs against: a file SQLite by default, PostgreSQL with TEST_DB=postgres."""
    if BACKEND == "postgres":
        return request.getfixturevalue("postgres_database")
    return None


def make_config(tmp_path, **overrides):
    """Test settings: no scheduler, a private cache, CSRF off unless a test turns it on."""
    settings = {
        "TESTING": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; production keeps scrypt
        "WTF_CSRF_ENABLED": False,
        "SCHEDULER_ENABLED": False,
        "CACHE_TYPE": "SimpleCache",
        "PRICE_SOURCE": "yahoo",
        "YF_CACHE_DIR": YF_CACHE_DIR,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "PRICE_MAX_REQUESTS_PER_MINUTE": 0,  # no spacing between the stand-in's answers (politeness tests set it)
        "PRICE_RATE_LIMIT_PAUSE": 0,  # and no pause after its 429s
        "FORCE_HTTPS": False,
    }
    settings.update(overrides)
    return settings


_schema_ready = set()


@pytest.fixture
def app_factory(tmp_path, database_url):
    """Build apps on this test's database; tables are made once and emptied after each test."""
    made = []

    def factory(**overrides):
        url = database_url or f"sqlite:///{tmp_path / 'test.sqlite3'}"
        environ = {"SECRET_KEY": "test-secret-key-of-at-least-32-characters", "DATABASE_URL": url}
        app = create_app(make_config(tmp_path, **overrides), environ=environ)
        with app.app_context():
            if url not in _schema_ready or database_url is None:
                db.create_all()
                _schema_ready.add(url)
        made.append(app)
        return app

    yield factory
    for app in made[:1]:
        with app.app_context():
            db.session.remove()
            if database_url:
                names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                with db.engine.begin() as conn:
                    conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(email="owner@example.com", password=PASSWORD):
    """Create a user directly in the database."""
    user = User(email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_portfolio(owner, name="Main", trades=()):
    """Create a portfolio with trades given as (date, type, ticker, quantity, price) tuples."""
    portfolio = Portfolio(owner=owner, name=name, base_currency="USD")
    db.session.add(portfolio)
    for day, kind, ticker, quantity, price in trades:
        db.session.add(
            Transaction(portfolio=portfolio, trade_date=day, type=kind, ticker=ticker,
                        quantity=Decimal(str(quantity)), price=Decimal(str(price)), fees=Decimal(0), currency="USD")
        )
    db.session.commit()
    return portfolio


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, email="owner@example.com", password=PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def owner(app):
    return make_user()


@pytest.fixture
def portfolio(owner):
    return make_portfolio(
        owner,
        trades=[
            (date(2024, 1, 2), "BUY", "AAPL", 10, 185.0),
            (date(2024, 3, 1), "BUY", "AAPL", 5, 180.0),
            (date(2024, 6, 3), "SELL", "AAPL", 3, 195.0),
            (date(2024, 2, 1), "BUY", "MSFT", 4, 400.0),
        ],
    )


@pytest.fixture
def yahoo():
    """Yahoo stood in for at the HTTP level; any request it does not know fails the way a dead network does."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield YahooStub(rsps)


@pytest.fixture
def no_network():
    """Every HTTP request fails: Yahoo is unreachable."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def run_price_runner(app):
    """Do what the price runner does on its next beat: fetch the tickers pages have asked for."""
    from app.jobs import take_wanted
    from app.prices import get_price_service

    with app.app_context():
        try:
            return take_wanted(get_price_service(app))
        finally:
            db.session.remove()


class RunnerThread:
    """The price runner beating in a thread, as it does in a web worker: for tests with a live server."""

    def __init__(self, app, beat=0.2):
        import threading

        from app.jobs import Runner

        self.runner, self.beat, self.stopped = Runner(app), beat, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stopped.is_set():
            self.runner.safe_tick()
            self.stopped.wait(self.beat)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=30)
        self.runner.stop()


@pytest.fixture
def browser():
    """Debian's Chromium under Playwright (fails in CI, skips elsewhere, when it is not installed)."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def admin(app, auth):
    """A signed-in admin."""
    user = make_user()
    user.is_admin = True
    db.session.commit()
    auth.login()
    return user


def closed_port():
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
