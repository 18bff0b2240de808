"""The history: every request counted in its worker, a sample a minute per process, pruned past retention; the
dashboard's JSON over 1 h, 24 h and 7 d."""

import os
from datetime import timedelta

import pytest
import time_machine

from app.extensions import db
from app.jobs import Runner
from app.models import MetricSample
from app.ops import history, state
from app.ops.histogram import Histogram
from app.ops.install import flush_web
from app.ops.summary import summarize
from tests.conftest import make_portfolio, make_user
from tests.ops_samples import HOST, OPEN, minute, runner, web

EVENING = OPEN.replace(hour=23)  # the market closed: the runner only warms up once


def test_quantiles_of_merged_histograms_are_those_of_all_the_latencies():
    one, two = Histogram(), Histogram()
    for ms in range(1, 951):
        one.add(ms)
    for ms in range(951, 1001):
        two.add(ms)
    merged = Histogram().merge(one).merge(two.stored())
    assert merged.total == 1000
    assert merged.quantile(0.5) == pytest.approx(500, rel=0.05)
    assert merged.quantile(0.95) == pytest.approx(950, rel=0.05)
    assert Histogram(merged.stored()).counts == merged.counts  # the stored form keeps every count
    assert Histogram().quantile(0.95) is None and Histogram().stored() == []


def test_each_request_is_counted_in_its_family_and_a_flush_writes_one_sample(app, client, auth, no_network):
    user = make_user()
    auth.login()
    portfolio = make_portfolio(user)
    state.of(app)["meter"].take()  # start from nothing: the sign-in is not what this test counts
    assert client.get("/portfolios").status_code == 200
    assert client.get(f"/portfolios/{portfolio.id}").status_code == 200
    client.get(f"/api/chart-data/{portfolio.id}?range=1Y")
    client.get(f"/api/portfolios/{portfolio.id}/holdings")
    client.get("/no-such-page")
    for path in ("/healthz", "/readyz", "/static/css/app.css", "/metrics"):
        client.get(path)  # probes, scrapes and files are not what people wait for

    flush_web(app)
    (sample,) = history.samples_between(OPEN - timedelta(days=3650), kind=history.WEB)
    families = sample.data["families"]
    assert {name: f["n"] for name, f in families.items()} == {"html": 3, "chart_api": 1, "other_api": 1}
    assert {name: f["n"] for name, f in sample.data["endpoints"].items()} == {
        "portfolios.index": 1, "portfolios.show": 1, "unmatched": 1, "api.chart_data": 1, "api.holdings": 1}
    assert all(Histogram(f["hist"]).total == f["n"] for f in families.values())
    assert sample.process.endswith(f":{os.getpid()}")
    flush_web(app)  # nothing since: an empty minute is still a sample (with the memory)
    assert db.session.query(MetricSample).count() == 2


def test_a_server_error_counts_against_its_family(app_factory):
    app = app_factory()

    @app.route("/api/boom")
    def boom():
        raise RuntimeError("boom")

    with app.app_context():
        client = app.test_client()
        assert client.get("/api/boom").status_code == 500
        assert client.get("/portfolios").status_code == 302
        data = state.of(app)["meter"].take()
    assert data["families"]["other_api"]["errors"] == 1 and data["families"]["html"]["errors"] == 0


def test_the_runner_writes_a_sample_a_minute_and_prunes_past_retention(app_factory):
    app = app_factory(PRICE_SOURCE="demo")
    with app.app_context(), time_machine.travel(EVENING, tick=False) as clock:
        history.write_sample(history.WEB, "old:1", {}, at=EVENING - timedelta(days=7, minutes=1))
        history.write_sample(history.WEB, "kept:1", {}, at=EVENING - timedelta(days=6, hours=23))
        beat = Runner(app)
        try:
            assert beat.tick() is not None  # the runner's first beat: the warm-up, then its sample
            clock.shift(20)
            beat.tick()  # the same minute: no second sample
            clock.shift(45)
            beat.tick()
        finally:
            beat.stop()
        samples = history.samples_between(EVENING - timedelta(days=8), kind=history.RUNNER)
        kept = {s.process.split(":")[0] for s in history.samples_between(EVENING - timedelta(days=8),
                                                                          kind=history.WEB)}
    assert [s.at for s in samples] == [EVENING, EVENING + timedelta(seconds=65)]
    assert kept == {"kept"}  # the one past 7 days is gone
    first, second = (s.data for s in samples)
    assert first["tickers"]["fresh"] == 3 and first["breaker"] == {"state": "closed", "since": None}
    assert first["last_good_warmup"] == EVENING.isoformat()
    assert first["totals"]["http_requests"] >= 0 and first["fetch_hist"]
    assert second["delta"]["cache_hits"] == 0  # the freshness check itself is no lookup
    assert first["memory"]["mb"] is None or first["memory"]["mb"] > 10


def test_each_dyno_counts_its_processes_latest_memory_and_forgets_the_silent(app):
    start = OPEN
    web(minute(start, 0), mb=150.0, pid=21, master=(20, 40.0))
    web(minute(start, 0), mb=140.0, pid=22, master=(20, 40.0))
    runner(minute(start, 0), mb=30.0, pid=23)
    web(minute(start, 2), mb=160.0, pid=21, master=(20, 41.0))
    summary = summarize(app.config, minute(start, 2), 15)
    (dyno,) = summary.memory
    assert dyno.host == HOST and dyno.total_mb == pytest.approx(160 + 140 + 30 + 41)
    assert {pid: roles for pid, roles, _, _ in dyno.processes} == {"20": "master", "21": "worker", "22": "worker",
                                                                    "23": "runner"}
    web(minute(start, 5), mb=170.0, pid=21, master=(20, 41.0))  # 22 and 23 silent for 5 minutes: restarted
    later = summarize(app.config, minute(start, 5), 15)
    assert later.memory[0].total_mb == pytest.approx(170 + 41)
    assert later.peaks[HOST] == pytest.approx(371)


@pytest.mark.parametrize(("code", "points", "step"), [("1h", 60, 60), ("24h", 96, 900), ("7d", 168, 3600)])
def test_the_dashboard_json_covers_its_range(client, admin, code, points, step):
    end = OPEN
    ages = {"30 minutes": timedelta(minutes=30), "5 hours": timedelta(hours=5), "3 days": timedelta(days=3),
            "8 days": timedelta(days=8)}
    sizes = {"30 minutes": 1, "5 hours": 10, "3 days": 100, "8 days": 1000}
    for name, age in ages.items():
        web(end - age, n=sizes[name], ms=300)
        runner(end - age, requests=sizes[name])
    with time_machine.travel(end, tick=False):
        resp = client.get(f"/api/ops/history?range={code}")
    assert resp.status_code == 200
    data = resp.get_json()
    within = {"1h": 1, "24h": 11, "7d": 111}[code]
    assert data["totals"]["requests"] == within and data["totals"]["yahoo_requests"] == within
    assert len(data["times"]) == points and data["bucket_seconds"] == step
    assert data["times"][1] - data["times"][0] == step * 1000
    assert data["end"] - data["times"][-1] < step * 1000 <= data["end"] - data["times"][0] + step * 1000
    assert sum(n or 0 for n in data["yahoo_requests"]) == within
    drawn = [i for i, p95 in enumerate(data["p95_ms"]["html"]) if p95 is not None]
    assert len(drawn) == {"1h": 1, "24h": 2, "7d": 3}[code]
    assert all(data["p95_ms"]["html"][i] == pytest.approx(300, rel=0.05) for i in drawn)
    assert set(data["memory_mb"]) == {HOST}
    assert data["routes"][0]["name"] == "dashboard" and data["routes"][0]["requests"] == within


def test_the_dashboard_json_refuses_a_range_it_does_not_draw(client, admin):
    resp = client.get("/api/ops/history?range=1y")
    assert resp.status_code == 400 and "1h, 24h, 7d" in resp.get_json()["error"]
