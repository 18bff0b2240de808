"""Sessions that end: sign-out, a password change and "sign out other sessions" stop copied cookies.

These tests hold no app context between requests, as a real server does not: Flask-Login remembers the
user in `g`, which a long-lived test context would carry from one request to the next.
"""

import pytest

from app.auth import accounts
from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, make_user

NEW_PASSWORD = "a-brand-new-password"


def sign_in(client, remember=False, password=PASSWORD):
    data = {"email": "owner@example.com", "password": password}
    if remember:
        data["remember"] = "y"
    resp = client.post("/login", data=data)
    assert resp.status_code == 302
    return resp


def copy_cookie(app, client, name):
    """Another browser holding a copy of one cookie of `client`."""
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def signed_in(client):
    return client.get("/portfolios").status_code == 200


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def owner(app):
    with app.app_context():
        user = make_user()
        return User(id=user.id, email=user.email, session_token=user.session_token)


def stored(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_a_copied_session_cookie_stops_working_after_sign_out(app, client, owner):
    sign_in(client)
    thief = copy_cookie(app, client, "session")
    assert signed_in(thief)
    client.post("/logout")
    assert not signed_in(thief)
    assert not signed_in(client)


def test_a_copied_remember_cookie_stops_working_after_sign_out(app, client, owner):
    sign_in(client, remember=True)
    thief = copy_cookie(app, client, "remember_token")
    assert signed_in(thief)
    client.post("/logout")
    assert not signed_in(copy_cookie(app, thief, "remember_token"))


def test_the_session_carries_a_token_not_the_user_id(app, client, owner):
    sign_in(client, remember=True)
    with client.session_transaction() as session:
        assert session["_user_id"] == owner.session_token != str(owner.id)
    assert str(owner.id) + "|" not in client.get_cookie("remember_token").value


def test_a_password_change_ends_copied_cookies_and_keeps_this_browser(app, client, owner):
    sign_in(client, remember=True)
    thief_session = copy_cookie(app, client, "session")
    thief_remember = copy_cookie(app, client, "remember_token")
    resp = client.post("/account/password", data={
        "password-current_password": PASSWORD, "password-password": NEW_PASSWORD, "password-confirm": NEW_PASSWORD,
    })
    assert resp.status_code == 302
    assert signed_in(client)
    assert not signed_in(thief_session) and not signed_in(thief_remember)
    # This browser's remember cookie was renewed with the new token.
    assert signed_in(copy_cookie(app, client, "remember_token"))
    assert stored(app, owner.id).check_password(NEW_PASSWORD)


def test_a_password_change_needs_the_current_password(app, client, owner):
    sign_in(client)
    resp = client.post("/account/password", data={
        "password-current_password": "not-the-password", "password-password": NEW_PASSWORD,
        "password-confirm": NEW_PASSWORD,
    })
    assert resp.status_code == 400 and b"The current password is wrong" in resp.data
    assert stored(app, owner.id).check_password(PASSWORD)


def test_sign_out_other_sessions_keeps_only_this_one(app, client, owner):
    sign_in(client)
    laptop = app.test_client()
    sign_in(laptop)
    assert client.post("/account/sessions").status_code == 302
    assert signed_in(client)
    assert not signed_in(laptop)


def test_change_email_needs_the_current_password_and_a_free_email(app, client, owner):
    with app.app_context():
        make_user("other@example.com")
    sign_in(client)
    wrong = client.post("/account/email", data={"email-email": "new@example.com", "email-current_password": "nope"})
    assert wrong.status_code == 400 and b"The current password is wrong" in wrong.data
    taken = client.post("/account/email", data={"email-email": "Other@example.com",
                                                 "email-current_password": PASSWORD})
    assert taken.status_code == 400 and b"cannot be used" in taken.data
    ok = client.post("/account/email", data={"email-email": "New@Example.com", "email-current_password": PASSWORD})
    assert ok.status_code == 302
    assert stored(app, owner.id).email == "new@example.com"
    with app.app_context():
        assert accounts.authenticate("new@example.com", PASSWORD) is not None


def test_the_account_page_shows_the_three_forms(client, owner):
    sign_in(client)
    page = client.get("/account").get_data(as_text=True)
    assert "Change email" in page and "Change password" in page and "Sign out other sessions" in page
    assert 'href="/account"' in client.get("/portfolios").get_data(as_text=True)


def test_remember_cookie_is_httponly_secure_lax_for_the_configured_days(app_factory):
    app = app_factory(REMEMBER_COOKIE_SECURE=True)
    app.config["REMEMBER_COOKIE_DURATION"] = __import__("datetime").timedelta(days=30)
    with app.app_context():
        make_user()
    client = app.test_client()
    resp = client.post("/login", data={"email": "owner@example.com", "password": PASSWORD, "remember": "y"},
                       headers={"X-Forwarded-Proto": "https"})
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=2592000" in cookie or "Expires=" in cookie
    expires = client.get_cookie("remember_token", domain="localhost").expires
    from datetime import UTC, datetime

    assert 29 <= (expires - datetime.now(UTC)).days <= 30


def test_cli_set_password_ends_every_session(app, client, owner):
    runner = app.test_cli_runner()
    sign_in(client)
    result = runner.invoke(args=["users", "set-password", "OWNER@example.com", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert not signed_in(client)
    assert sign_in(app.test_client(), password=NEW_PASSWORD)
    missing = runner.invoke(args=["users", "set-password", "ghost@example.com", "--password", NEW_PASSWORD])
    assert missing.exit_code != 0 and "No user" in missing.output
    short = runner.invoke(args=["users", "set-password", "owner@example.com", "--password", "short"])
    assert short.exit_code != 0 and "8 to 128" in short.output
