"""Security headers on every kind of response; HTTPS only in production, except the uptime check."""

import re
from pathlib import Path

import pytest

import config
from app.headers import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"
EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_security_headers(resp):
    for name, value in EXPECTED.items():
        assert resp.headers.get(name) == value, name
    policy = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize(("path", "status", "kind"), [
    ("/login", 200, "text/html"),
    ("/api/status", 401, "application/json"),
    ("/static/css/app.css", 200, "text/css"),
    ("/static/js/forms.js", 200, "text/javascript"),
    ("/no/such/page", 404, "text/html"),
    ("/healthz", 200, "text/plain"),
])
def test_every_kind_of_response_carries_the_headers(client, path, status, kind):
    resp = client.get(path)
    assert resp.status_code == status and resp.mimetype == kind
    assert_security_headers(resp)


def test_a_500_page_carries_the_headers(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    resp = client.get("/boom")
    assert resp.status_code == 500
    assert_security_headers(resp)


# As gunicorn sees it behind Heroku's router: plain HTTP, the original scheme in X-Forwarded-Proto.
PLAIN = "http://localhost"


def test_production_redirects_plain_http_and_sends_hsts(app_factory):
    client = app_factory(FORCE_HTTPS=True).test_client()
    get = client.get("/login?next=/portfolios", base_url=PLAIN)
    assert get.status_code == 301 and get.headers["Location"] == "https://localhost/login?next=/portfolios"
    post = client.post("/login", data={"email": "a@example.com"}, base_url=PLAIN)
    assert post.status_code == 308 and post.headers["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in get.headers
    secure = client.get("/login", headers={"X-Forwarded-Proto": "https"}, base_url=PLAIN)
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert_security_headers(secure)


def test_the_uptime_check_answers_over_plain_http(app_factory):
    client = app_factory(FORCE_HTTPS=True).test_client()
    assert client.get("/healthz", base_url=PLAIN).status_code == 200
    assert client.get("/portfolios", base_url=PLAIN).status_code == 301


def test_https_is_forced_in_production_only():
    assert config.from_env({"SECRET_KEY": "k" * 32})["FORCE_HTTPS"] is True
    assert config.from_env({"FLASK_DEBUG": "1"})["FORCE_HTTPS"] is False


def test_templates_have_no_inline_script_style_or_handler():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert not re.search(r"<style\b", text), template.name
        assert not re.search(r"\sstyle\s*=", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "javascript:" not in text, template.name


def test_the_policy_allows_nothing_from_elsewhere():
    sources = re.findall(r"(\S+)", CONTENT_SECURITY_POLICY.replace(";", " "))
    assert not [s for s in sources if s.startswith(("http", "*", "data:", "blob:"))]
