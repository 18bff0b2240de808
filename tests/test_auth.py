import re

import pytest

from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, make_user


def count_users(app):
    from app.extensions import db

    return db.session.query(User).count()


def test_signup_hashes_the_password_and_then_signs_in(client, app):
    data = {"email": "New@Example.com", "password": "s3cret-pass", "confirm": "s3cret-pass"}
    resp = client.post("/signup", data=data)
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    user = User.query.one()
    assert user.email == "new@example.com"
    assert user.password_hash != "s3cret-pass" and user.check_password("s3cret-pass")
    assert client.post("/login", data={"email": "new@example.com", "password": "s3cret-pass"}).status_code == 302
    assert client.get("/portfolios").status_code == 200


def test_signup_with_a_taken_email_answers_the_same_and_changes_nothing(client, app):
    taken = make_user("taken@example.com")
    before = (taken.password_hash, taken.session_token)
    answers = []
    for email in ("TAKEN@example.com", "free@example.com"):
        resp = client.post("/signup", data={"email": email, "password": "s3cret-pass", "confirm": "s3cret-pass"})
        page = client.get(resp.headers["Location"]).get_data(as_text=True).replace(email.lower(), "EMAIL")
        answers.append((resp.status_code, resp.headers["Location"], re.sub(r'content="[^"]+\.[^"]+"', "", page)))
    assert answers[0] == answers[1]
    assert "already" not in answers[0][2]
    db.session.expire_all()
    assert (db.session.get(User, taken.id).password_hash, db.session.get(User, taken.id).session_token) == before
    assert count_users(app) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "", "password": "s3cret-pass", "confirm": "s3cret-pass"}, b"This field is required"),
        ({"email": "not-an-email", "password": "s3cret-pass", "confirm": "s3cret-pass"}, b"Invalid email"),
        ({"email": "a@example.com", "password": "short", "confirm": "short"}, b"Use 8 to 128 characters"),
        ({"email": "a@example.com", "password": "s3cret-pass", "confirm": "other-pass"}, b"The passwords differ"),
        ({"email": "a" * 300 + "@example.com", "password": "s3cret-pass", "confirm": "s3cret-pass"}, b"error"),
        ({"email": "a@example.com", "password": "p" * 500, "confirm": "p" * 500}, b"Use 8 to 128 characters"),
    ],
)
def test_bad_signup_shows_a_message_and_writes_nothing(client, app, data, message):
    resp = client.post("/signup", data=data)
    assert resp.status_code == 400
    assert message in resp.data
    assert count_users(app) == 0


def test_wrong_password_is_a_400_with_a_message(client, owner):
    resp = client.post("/login", data={"email": owner.email, "password": "wrong-password"})
    assert resp.status_code == 400
    assert b"Wrong email or password" in resp.data
    assert client.get("/portfolios").status_code == 302


def test_login_and_logout(client, auth, owner):
    assert auth.login().status_code == 302
    assert client.get("/portfolios").status_code == 200
    auth.logout()
    assert client.get("/portfolios").headers["Location"].startswith("/login")


def test_login_redirect_stays_on_this_site(client, owner):
    resp = client.post("/login?next=https://evil.example.com/", data={"email": owner.email, "password": PASSWORD})
    assert resp.headers["Location"] == "/portfolios"


def test_signup_can_be_turned_off(app_factory):
    client = app_factory(ALLOW_SIGNUP=False).test_client()
    assert client.get("/signup").status_code == 404
    assert b"Sign up" not in client.get("/login").data


def test_forms_are_protected_by_csrf(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user()
    client = app.test_client()
    resp = client.post("/login", data={"email": "owner@example.com", "password": PASSWORD})
    assert resp.status_code == 400
    assert b"Reload the page" in resp.data
    page = client.get("/login").data.decode()
    assert 'name="csrf_token"' in page


def test_production_session_cookie_is_secure_and_https_is_trusted_from_the_router(app_factory):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        make_user()
    client = app.test_client()
    resp = client.post("/login", data={"email": "owner@example.com", "password": PASSWORD},
                       headers={"X-Forwarded-Proto": "https"})
    cookie = resp.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    resp = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert resp.status_code == 302
