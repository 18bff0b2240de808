"""Operator pages and counters are for admins: everyone else gets 404, or the Prices page without the counters."""

import pytest

from app.extensions import db
from app.models import User
from tests.conftest import make_user


@pytest.fixture
def member(app, auth):
    user = make_user()
    auth.login()
    return user


def make_admin(user):
    user.is_admin = True
    db.session.commit()


def test_operator_counters_are_404_for_a_member(client, member, no_network):
    resp = client.get("/api/status")
    assert resp.status_code == 404
    assert b"breaker" not in resp.data


def test_a_member_reads_the_prices_page_in_words_without_the_counters(client, member, no_network):
    resp = client.get("/status")
    assert resp.status_code == 200
    assert b'id="price-words"' in resp.data
    assert b"For operators" not in resp.data and b"breaker" not in resp.data and b"misses" not in resp.data
    assert b'href="/ops"' not in resp.data


@pytest.mark.parametrize("path", ["/status", "/api/status"])
def test_operator_pages_answer_an_admin(client, member, path, no_network):
    make_admin(member)
    assert client.get(path).status_code == 200


def test_an_admin_sees_the_counters_below_the_words(client, member, no_network):
    make_admin(member)
    page = client.get("/status").data
    assert page.index(b'id="price-words"') < page.index(b"For operators")
    assert b"misses" in page and b'href="/ops"' in page


def test_everyone_signed_in_has_the_prices_link(client, member, no_network):
    assert b'href="/status"' in client.get("/portfolios").data


def test_cli_creates_admins_and_promotes_users(app, runner):
    made = runner.invoke(args=["users", "create", "ops@example.com", "--admin", "--password", "long-enough"])
    assert made.exit_code == 0 and "Created admin" in made.output
    plain = runner.invoke(args=["users", "create", "member@example.com", "--password", "long-enough"])
    assert plain.exit_code == 0 and "Created user" in plain.output
    assert {u.email: u.is_admin for u in db.session.scalars(db.select(User))} == {
        "ops@example.com": True, "member@example.com": False}
    promoted = runner.invoke(args=["users", "promote", "Member@example.com"])
    assert promoted.exit_code == 0, promoted.output
    db.session.expire_all()
    assert all(u.is_admin for u in db.session.scalars(db.select(User)))
    missing = runner.invoke(args=["users", "promote", "ghost@example.com"])
    assert missing.exit_code != 0 and "No user" in missing.output


def test_the_seeded_sample_user_is_an_admin(app, runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert db.session.scalars(db.select(User)).one().is_admin
