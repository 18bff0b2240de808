"""The operations page in a real browser: a week of history drawn in four charts for each range, the headline
in words, no script error or CSP violation, a phone's width kept; screenshots go to test-artifacts/."""

import random
from datetime import timedelta

import pytest

from app.models import utcnow
from app.portfolios.sample import seed_sample
from tests.ops_samples import runner, web
from tests.test_browser import (
    ARTIFACTS,
    EMAIL,
    PASSWORD,
    SETTLED,
    SPINNER_DEADLINE_MS,
    WIDEST,
    Visit,
    live,
)

pytestmark = [pytest.mark.once, pytest.mark.browser]

# Every chart drawn (a Chart.js chart on its canvas), or saying in words that it has nothing to draw.
DRAWN = """() => ['hit-rate', 'p95', 'yahoo', 'memory'].map((name) => {
  const chart = Chart.getChart('chart-' + name);
  const box = document.querySelector('.placeholder[data-for="' + name + '"]');
  return [name, !!chart && chart.data.datasets.length > 0, box.hidden ? '' : box.textContent.trim()];
})"""


def week_of_history(app):
    """A sample a minute for the last two hours, every ten minutes before that for a week; slow charts lately."""
    rng = random.Random(3)
    now = utcnow()
    with app.app_context():
        for minutes in list(range(0, 120)) + list(range(120, 7 * 24 * 60, 10)):
            at = now - timedelta(minutes=minutes, seconds=30)
            slow = minutes < 12
            web(at, n=rng.randint(40, 90), ms=rng.uniform(40, 120), mb=rng.uniform(150, 190), pid=31, master=(30, 45.0))
            web(at, n=rng.randint(5, 30), ms=rng.uniform(1300, 1800) if slow else rng.uniform(150, 400),
                family="chart_api", endpoint="api.chart_data", mb=rng.uniform(140, 180), pid=32)
            runner(at, hits=rng.randint(80, 100), misses=rng.randint(0, 8), requests=rng.randint(0, 40),
                   failures={"rate_limited": rng.randint(0, 3)} if minutes % 7 == 0 else None, mb=None, pid=31)


def open_ops(visit, name, range_code=None):
    """Open (or switch the range of) the operations page, wait for its charts, check it, keep a screenshot."""
    page = visit.page
    if range_code is None:
        page.goto(visit.base + "/ops", wait_until="domcontentloaded")
    else:
        with page.expect_response(lambda r: f"range={range_code}" in r.url and r.status == 200):
            page.click(f"button.range[data-range='{range_code}']")
    page.wait_for_function(SETTLED, timeout=SPINNER_DEADLINE_MS)
    where = f"ops {name} ({visit.viewport}, {visit.scheme})"
    drawn = page.evaluate(DRAWN)
    assert all(ok and not words for _, ok, words in drawn), f"{where}: {drawn}"
    if visit.viewport == "phone":
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{where}: scrolls sideways: {page.evaluate(WIDEST)}"
    assert visit.errors == [], f"{where}: {visit.errors}"
    assert page.evaluate("window.cspViolations") == [], f"{where}: content security policy violated"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ops-{name}-{visit.viewport}-{visit.scheme}.png"), full_page=True)
    return page


def test_the_operations_page_draws_a_week_of_history(app_factory, browser):
    app = app_factory(PRICE_SOURCE="demo", WTF_CSRF_ENABLED=True)
    with app.app_context():
        seed_sample(EMAIL, PASSWORD)  # the sample user is an admin
    week_of_history(app)
    with live(app) as base:
        for viewport, scheme in (("desktop", "light"), ("desktop", "dark"), ("phone", "light"), ("phone", "dark")):
            visit = Visit(browser, base, viewport, scheme, "ops")
            visit.sign_in()
            page = open_ops(visit, "1h")
            headline = page.locator("#ops-headline .headline").inner_text()
            assert headline.startswith("Slow pages: chart data p95 1."), headline
            rows = page.locator("#ops-routes tbody tr")
            assert rows.count() == 2 and rows.first.locator("td").first.inner_text() == "chart data"
            assert page.locator("#ops-gauges meter").count() >= 1  # web.1, and the live runner's host once it reports
            for code in ("24h", "7d"):
                page = open_ops(visit, code, code)
                points = page.evaluate("Chart.getChart('chart-p95').data.datasets[0].data.filter(p => p.y !== null)"
                                       ".length")
                assert points > {"24h": 50, "7d": 100}[code], (code, points)
            assert page.locator("#routes-range").inner_text() == "over the last 7 days"
            visit.close()
