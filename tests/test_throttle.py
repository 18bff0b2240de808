"""Sign-in and sign-up are throttled per account and per address; unknown emails look like known ones."""

import pytest
import redis

from app.auth import accounts
from app.extensions import db, limiter
from tests.conftest import PASSWORD, make_user
from tests.parts import redis_url


def attempt(client, email="owner@example.com", password="wrong-password", address="203.0.113.7"):  # noqa: S107
    return client.post("/login", data={"email": email, "password": password},
                       headers={"X-Forwarded-For": address})


@pytest.fixture
def owner(app):
    return make_user()


def test_the_sixth_attempt_in_a_minute_is_429_with_the_wait_in_words(client, owner):
    for _ in range(5):
        assert attempt(client).status_code == 400
    throttled = attempt(client, password=PASSWORD)
    assert throttled.status_code == 429
    page = throttled.get_data(as_text=True)
    assert "Too many attempts: try again in" in page and ("second" in page or "minute" in page)
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert client.get("/portfolios").status_code == 302  # the right password did not get through


def test_a_correct_password_inside_the_limit_signs_in(client, owner):
    for _ in range(4):
        assert attempt(client).status_code == 400
    assert attempt(client, password=PASSWORD).status_code == 302
    assert client.get("/portfolios").status_code == 200


def test_the_account_limit_holds_across_addresses(client, owner):
    for n in range(5):
        assert attempt(client, address=f"198.51.100.{n}").status_code == 400
    assert attempt(client, address="198.51.100.99").status_code == 429


def test_the_address_limit_holds_across_accounts(app_factory):
    client = app_factory(SIGNIN_LIMIT_PER_ADDRESS="3/minute").test_client()
    for n in range(3):
        assert attempt(client, email=f"user{n}@example.com").status_code == 400
    assert attempt(client, email="user9@example.com").status_code == 429
    assert attempt(client, email="user9@example.com", address="192.0.2.1").status_code == 400


def test_sign_up_is_throttled_per_address(app_factory):
    client = app_factory(SIGNUP_LIMIT_PER_ADDRESS="2/minute").test_client()
    for n in range(2):
        data = {"email": f"new{n}@example.com", "password": "s3cret-pass", "confirm": "s3cret-pass"}
        assert client.post("/signup", data=data, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 302
    data = {"email": "new9@example.com", "password": "s3cret-pass", "confirm": "s3cret-pass"}
    resp = client.post("/signup", data=data, headers={"X-Forwarded-For": "203.0.113.9"})
    assert resp.status_code == 429 and b"try again in" in resp.data


def test_password_checks_on_the_account_page_are_throttled(client, owner):
    assert attempt(client, password=PASSWORD).status_code == 302
    form = {"password-current_password": "guess", "password-password": "n3w-password",
            "password-confirm": "n3w-password"}
    for _ in range(5):
        assert client.post("/account/password", data=form).status_code == 400
    assert client.post("/account/password", data=form).status_code == 429


def test_unknown_email_gets_the_same_answer_and_the_same_hash_check(client, owner, monkeypatch):
    checks = []
    real = accounts.check_password_hash

    def counting(stored, password):
        checks.append(stored.split("$")[0])
        return real(stored, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    monkeypatch.setattr("app.models.check_password_hash", counting)
    known = attempt(client, email="owner@example.com")
    unknown = attempt(client, email="nobody@example.com")
    assert known.status_code == unknown.status_code == 400
    assert known.get_data(as_text=True).replace("owner@", "X@") == unknown.get_data(as_text=True).replace(
        "nobody@", "X@")
    # Both verified a hash made with the same method: the unknown email cost as much as the known one.
    assert len(checks) == 2 and checks[0] == checks[1]


def test_wait_words():
    from app.auth.throttle import wait_words

    assert wait_words(1) == "1 second" and wait_words(42.2) == "43 seconds"
    assert wait_words(60) == "1 minute" and wait_words(61) == "2 minutes" and wait_words(3000) == "50 minutes"


@pytest.mark.redis
def test_counters_live_in_redis_and_are_shared_by_workers(app_factory):
    url = redis_url()
    store = redis.Redis.from_url(url)
    for key in store.scan_iter("*folio-limits*"):
        store.delete(key)
    settings = {"RATELIMIT_STORAGE_URI": url, "SIGNIN_LIMIT_PER_ACCOUNT": "3/minute"}
    first, second = app_factory(**settings), app_factory(**settings)
    for _ in range(3):
        assert attempt(first.test_client()).status_code == 400
    # A second app (another worker) sees the first one's counter: the next attempt is throttled there.
    assert attempt(second.test_client()).status_code == 429
    assert any(store.scan_iter("*folio-limits*"))


# Runs last in this file: Flask-Limiter keeps its "storage is down" state on the one limiter object.
def test_limiter_storage_away_is_no_500_and_still_throttles(app_factory, caplog):
    app = app_factory(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", SIGNIN_LIMIT_PER_ACCOUNT="2/minute")
    with app.app_context():
        make_user()
    client = app.test_client()
    assert attempt(client).status_code == 400
    assert attempt(client, password=PASSWORD).status_code == 302
    other = app.test_client()
    assert attempt(other).status_code == 429  # counted in memory while Redis is away
    assert limiter.limiter.storage is not limiter.storage
    with app.app_context():
        db.session.remove()
