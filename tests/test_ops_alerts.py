"""Each alert is one logfmt line when its line is crossed and one when it clears, never one a minute in between."""

import logging
import re

import pytest
import time_machine

from app.ops import alerts
from tests.ops_samples import ALERTS, OPEN, minute, runner, web, writers

FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
TROUBLE = range(5, 30)  # the minutes something is wrong


@pytest.fixture(autouse=True)
def alert_logger():
    """The alerts' logger as in a web process: Alembic's fileConfig (tests/test_migrations.py) disables loggers."""
    logger = logging.getLogger("app.ops.alerts")
    was, logger.disabled = logger.disabled, False
    yield logger
    logger.disabled = was


def parse_logfmt(line):
    """A logfmt line as a dict (quoted values unquoted)."""
    assert line.startswith("alert="), line
    fields = {}
    for key, value in FIELD.findall(line):
        fields[key] = value[1:-1].replace('\\"', '"').replace("\\\\", "\\") if value.startswith('"') else value
    return fields


def run_minutes(app, caplog, write, minutes):
    """Feed one minute of samples at a time under a frozen clock, checking the alerts after each; return the lines."""
    lines = []
    with time_machine.travel(minute(OPEN, 0), tick=False) as clock:
        for i in minutes:
            at = minute(OPEN, i)
            clock.move_to(at)
            write(i, at)
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="app.ops.alerts"):
                alerts.evaluate(app)
            lines += [(i, parse_logfmt(r.getMessage())) for r in caplog.records if r.name == "app.ops.alerts"]
    return lines


@pytest.mark.parametrize("alert", ALERTS)
def test_each_alert_is_raised_once_when_crossed_and_cleared_once(app, caplog, alert):
    good, bad = writers(alert, minute(OPEN, TROUBLE.start))
    lines = run_minutes(app, caplog, lambda i, at: (bad if i in TROUBLE else good)(at), range(60))
    assert [f["alert"] for _, f in lines] == [alert, alert], lines  # no other alert, and this one twice
    (raised_at, raised), (cleared_at, cleared) = lines
    assert (raised["state"], cleared["state"]) == ("raised", "cleared")
    assert TROUBLE.start <= raised_at < TROUBLE.stop <= cleared_at
    assert raised["message"] and raised["message"] != cleared["message"]
    assert cleared["since"].startswith(minute(OPEN, raised_at).isoformat()[:16])
    assert alerts.raised(app) == {}


def test_an_alert_per_family_names_the_slowest_route_and_the_line(app, caplog):
    def write(i, at):
        runner(at)
        web(at, ms=50)
        web(at, ms=1500 if i >= 2 else 80, family="chart_api", endpoint="api.chart_data", pid=13)

    lines = run_minutes(app, caplog, write, range(4))
    assert [(f["alert"], f["state"], f["family"]) for _, f in lines] == [("page_p95", "raised", "chart_api")]
    fields = lines[0][1]
    assert fields["message"] == "Slow pages: chart data p95 1.5 s over the last 15 minutes"
    assert float(fields["threshold"]) == 1.0 and float(fields["value"]) > 1.0


def test_thresholds_are_settings(app_factory, caplog):
    def write(i, at):
        web(at, ms=1500, mb=400.0)  # with the runner's 60 MB: 460 of 512 MB, 90 %
        runner(at)

    default = app_factory()
    with default.app_context():
        lines = run_minutes(default, caplog, write, range(2))
    assert sorted(f["alert"] for _, f in lines) == ["memory", "page_p95"]
    assert (default.config["ALERT_PAGE_P95_SECONDS"], default.config["ALERT_MEMORY_FRACTION"]) == (1.0, 0.85)

    relaxed = app_factory(ALERT_PAGE_P95_SECONDS=2.0, ALERT_MEMORY_FRACTION=0.95)
    with relaxed.app_context():
        assert run_minutes(relaxed, caplog, lambda i, at: None, range(3, 5)) == []
