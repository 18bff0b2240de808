"""/readyz names the part that is away, /metrics is Prometheus text for the token only, the operations page and
`flask ops report` say every headline in words."""


import pytest
import time_machine
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from tests.conftest import closed_port, make_config, make_user
from tests.ops_samples import ALERTS, OPEN, minute, runner, web, writers
from tests.parts import redis_url

TOKEN = "scrape-me-0123456789"


def test_readyz_is_200_when_the_database_answers(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ready", "checks": {"database": "ok"}, "failing": []}
    assert resp.headers["Cache-Control"] == "no-store"


def test_readyz_is_503_naming_the_database_when_it_is_away(tmp_path):
    port = closed_port()
    app = create_app(make_config(tmp_path), environ={
        "SECRET_KEY": "k" * 32, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/folio"})
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["failing"] == ["database"] and body["checks"] == {"database": "not answering"}
    assert str(port) not in resp.get_data(as_text=True)  # the public answer names the part, not where it lives
    assert client_health(app) == 200  # liveness stays trivial: the process is up


def client_health(app):
    return app.test_client().get("/healthz").status_code


def test_readyz_is_503_naming_redis_when_it_is_away(app_factory):
    app = app_factory(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["checks"] == {"database": "ok", "redis": "not answering"}
    assert resp.get_json()["failing"] == ["redis"]


def test_readyz_checks_a_redis_that_answers(app_factory):
    app = app_factory(REDIS_URL=redis_url())
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 200 and resp.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_answers_over_plain_http_like_healthz(app_factory):
    client = app_factory(FORCE_HTTPS=True, METRICS_TOKEN=TOKEN).test_client()
    assert client.get("/readyz", base_url="http://localhost").status_code == 200
    metrics = client.get("/metrics", base_url="http://localhost", headers={"Authorization": f"Bearer {TOKEN}"})
    assert metrics.status_code == 301  # a token never travels in the clear


@pytest.mark.parametrize("headers", [{}, {"Authorization": f"Bearer {TOKEN}"}])
def test_metrics_do_not_exist_without_a_token_set(client, headers):
    assert client.get("/metrics", headers=headers).status_code == 404


@pytest.mark.parametrize("given", [None, "Bearer wrong", TOKEN, f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_are_404_without_the_right_token(app_factory, given):
    app = app_factory(METRICS_TOKEN=TOKEN)
    headers = {"Authorization": given} if given else {}
    resp = app.test_client().get("/metrics", headers=headers)
    assert resp.status_code == 404 and b"folio_" not in resp.data


def test_metrics_with_the_token_parse_as_prometheus_text(app_factory):
    app = app_factory(METRICS_TOKEN=TOKEN)
    with app.app_context(), time_machine.travel(minute(OPEN, 1), tick=False):
        for i in range(2):
            web(minute(OPEN, i), n=100, ms=200, errors=1, mb=200.0, master=(10, 50.0))
            web(minute(OPEN, i), n=20, ms=900, family="chart_api", endpoint="api.chart_data", pid=13, mb=100.0)
            runner(minute(OPEN, i), hits=90, misses=10, failures={"rate_limited": 2}, breaker="open",
                   since=minute(OPEN, 0), mb=0.0)
        resp = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(resp.get_data(as_text=True))}
    value = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    assert families["folio_cache_hits"].type == "counter"
    assert value[("folio_cache_hit_ratio", (("window", "15m"),))] == pytest.approx(0.9)
    assert value[("folio_breaker_open", ())] == 1 and value[("folio_cache_hits_total", ())] == 90
    assert value[("folio_fetch_failures_total", (("kind", "rate_limited"),))] == 2
    p95 = value[("folio_request_latency_seconds", (("family", "chart_api"), ("quantile", "0.95"), ("window", "15m")))]
    assert p95 == pytest.approx(0.9, rel=0.05)
    assert value[("folio_request_error_ratio", (("family", "html"), ("window", "15m")))] == pytest.approx(0.01)
    assert value[("folio_requests_per_minute", (("family", "html"), ("window", "15m")))] == pytest.approx(200 / 15)
    dyno = value[("folio_dyno_memory_bytes", (("host", "web.1"),))]
    assert dyno == pytest.approx((200 + 100 + 50) * 1024 * 1024)
    assert value[("folio_dyno_memory_limit_bytes", ())] == 512 * 1024 * 1024
    assert value[("folio_runner_sample_age_seconds", ())] == 0


@pytest.mark.parametrize("path", ["/ops", "/api/ops/history?range=1h"])
def test_the_operations_page_and_its_json_are_404_for_a_member(client, auth, path):
    make_user()
    auth.login()
    resp = client.get(path)
    assert resp.status_code == 404 and b"hit rate" not in resp.data.lower()


def test_the_operations_json_asks_a_stranger_to_sign_in(client):
    assert client.get("/api/ops/history").status_code == 401


def test_the_operations_page_shows_the_headline_and_gauges(client, admin):
    with time_machine.travel(minute(OPEN, 1), tick=False):
        web(minute(OPEN, 0), ms=1200, mb=300.0, master=(10, 60.0))
        runner(minute(OPEN, 0), hits=95, misses=5, mb=40.0)
        page = client.get("/ops").get_data(as_text=True)
        prices = client.get("/status").get_data(as_text=True)
    assert "Slow pages: dashboard p95 1.2 s over the last 15 minutes" in page
    assert "95 %" in page and "400 of 512 MB" in page and 'data-url="/api/ops/history"' in page
    assert "<script>" not in page and " style=" not in page  # the CSP allows neither
    assert 'href="/ops"' in prices


HEADLINES = {
    "healthy": "Healthy",
    "runner_silent": "Prices stale: no price runner has reported since 15:09 UTC",
    "breaker_open": "Prices stale: Yahoo has refused us since 15:10 UTC",
    "warmup_missed": "Prices stale: no successful warm-up since 15:10 UTC (3 cycles of 5 minutes)",
    "wanted_age": "Prices slow to arrive: a ticker has waited 7 minutes for the price runner",
    "error_rate": "Errors: 10.0 % of requests failed over the last 15 minutes",
    "page_p95": "Slow pages: dashboard p95 1.2 s over the last 15 minutes",
    "memory": "Memory high: 530 MB of the dyno's 512 MB (104 %)",
    "hit_rate": "Cache hit rate low: 10 % over the last 15 minutes",
}


@pytest.mark.parametrize("case", HEADLINES)
def test_ops_report_prints_every_headline(app, runner_cli, case):
    good, bad = writers(case if case != "healthy" else "hit_rate", minute(OPEN, 10))  # trouble from 15:10
    now = minute(OPEN, 25)
    for i in range(26):
        (good if case == "healthy" or i < 10 else bad)(minute(OPEN, i))
    with time_machine.travel(now, tick=False):
        result = runner_cli.invoke(args=["ops", "report", "--hours", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2] == HEADLINES[case]
    assert "Last 1 hour:" in result.output and "dashboard" in result.output


@pytest.fixture
def runner_cli(app):
    return app.test_cli_runner()


def test_ops_report_without_any_sample_says_so(runner_cli):
    result = runner_cli.invoke(args=["ops", "report"])
    assert result.exit_code == 0
    assert result.output.splitlines()[2] == "Prices stale: no price runner has reported yet"
    assert "Last 24 hours:" in result.output


def test_ops_report_refuses_a_nonsense_span(runner_cli):
    result = runner_cli.invoke(args=["ops", "report", "--hours", "-3"])
    assert result.exit_code != 0 and "--hours" in result.output


def test_every_alert_has_its_headline_case():
    assert set(HEADLINES) == {"healthy", *ALERTS}
