"""The Income and Allocation pages in a real browser, desktop and phone, light and dark, with demo prices and
profiles: every chart drawn from the page's own data (no inline script), no JavaScript error, nothing wider
than a phone. Screenshots go to test-artifacts/.
"""

import pytest

from app.prices import get_price_service
from app.prices.profiles import refresh_profiles
from tests.test_browser import SCHEMES, VIEWPORTS, Visit, live, seed

pytestmark = [pytest.mark.once, pytest.mark.browser]

# Each chart on the page: its canvas id, its type and how many datasets it has.
CHARTS = """() => [...document.querySelectorAll('canvas')].map((c) => Chart.getChart(c)).filter(Boolean)
  .map((ch) => [ch.canvas.id, ch.config.type, ch.data.datasets.length, ch.data.labels.length])"""


def test_income_and_allocation_pages_with_demo_prices(app_factory, browser):  # noqa: F811 - the fixture
    app = app_factory(PRICE_SOURCE="demo", WTF_CSRF_ENABLED=True)
    ids = seed(app, warm=True)
    with app.app_context():
        assert len(refresh_profiles(get_price_service(app), limit=50, force=True)) == 18
    p, e = ids["portfolio"], ids["empty"]
    with live(app) as base:
        for viewport in VIEWPORTS:
            for scheme in SCHEMES:
                visit = Visit(browser, base, viewport, scheme, "income")
                visit.sign_in()
                page = visit.open(f"/portfolios/{p}/income", "income")
                charts = {c[0]: c for c in page.evaluate(CHARTS)}
                assert charts["chart-received"][1:3] == ["bar", 2] and charts["chart-received"][3] > 12
                assert charts["chart-years"][1] == "bar" and charts["chart-projected"][2] >= 3
                assert "$" in page.locator("#stat-trailing .big").inner_text()
                assert page.locator("#stat-projected .big").inner_text() not in ("—", "$0.00")
                assert page.locator("#upcoming tbody tr").count() == 12
                assert page.locator("#payments .tag.yahoo").count() and page.locator("#payments .tag.entered").count()
                assert page.locator("#realized tbody tr[data-year='2025']").count() == 1
                assert "KO: Yahoo lists" in page.locator("#income-notes").inner_text()  # after the one entered
                assert page.locator("nav.tabs a.active").inner_text() == "Income"
                assert page.locator("nav.tabs a", has_text="Allocation").is_visible()
                page = visit.open(f"/portfolios/{p}/allocation", "allocation")
                charts = {c[0]: c for c in page.evaluate(CHARTS)}
                assert {name: c[1] for name, c in charts.items()} == {
                    "chart-class": "doughnut", "chart-sector": "doughnut", "chart-country": "doughnut",
                    "chart-currency": "doughnut"}
                assert charts["chart-sector"][3] >= 6  # sectors, and the ETFs as their own slices
                sector = page.locator("#by-sector")
                assert sector.locator("tr[data-name='Technology']").count() == 1
                assert "Yahoo's fund data" in sector.locator("tr[data-name='VOO']").inner_text()
                assert page.locator("#through-funds tr[data-name='Technology']").count() == 1
                visit.open(f"/portfolios/{e}/income", "income-empty")
                assert "No transactions yet" in visit.page.locator("#income-status").inner_text()
                visit.open(f"/portfolios/{e}/allocation", "allocation-empty")
                assert "No holdings yet" in visit.page.locator("#allocation-status").inner_text()
                visit.close()
