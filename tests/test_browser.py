"""A real browser on the sample portfolio with demo prices: first paint, charts drawn, range change, no errors."""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from app.sample import seed_sample
from tests.conftest import RunnerThread
from tests.parts import chromium_path

pytestmark = [pytest.mark.once, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def live_server(app_factory):
    app = app_factory(PRICE_SOURCE="demo", WTF_CSRF_ENABLED=True)
    with app.app_context():
        _, portfolio = seed_sample("demo@example.com", "demo-password")
        portfolio_id = portfolio.id
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with RunnerThread(app):  # the price runner fetches what the pages ask for, as in a web worker
        yield f"http://127.0.0.1:{server.server_port}", portfolio_id
    server.shutdown()


@pytest.fixture
def browser():
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def test_dashboard_in_a_real_browser(live_server, browser):
    base, portfolio_id = live_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # Every CSP violation, also those the console would not report as an error.
    page.add_init_script("window.cspViolations = []; document.addEventListener('securitypolicyviolation',"
                         " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));")
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "demo@example.com")
    page.fill("input[name=password]", "demo-password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/portfolios")

    first = page.request.get(f"{base}/portfolios/{portfolio_id}")
    assert "script-src 'self'" in first.headers["content-security-policy"]
    first_paint = first.text()
    assert 'id="holdings"' in first_paint and first_paint.count('class="placeholder"') == 3

    page.goto(f"{base}/portfolios/{portfolio_id}")
    assert page.locator("#holdings tbody tr").count() >= 15
    for name in ("value", "performance", "allocation"):
        page.wait_for_selector(f"#chart-{name}:not([hidden])", timeout=20000)
    assert page.locator(".placeholder:visible").count() == 0
    labels = page.evaluate("Chart.getChart('chart-value').data.labels.length")
    assert labels > 200  # one year of trading days

    with page.expect_response(lambda r: "range=3M" in r.url and r.status == 200):
        page.click("button.range[data-range='3M']")
    page.wait_for_function("Chart.getChart('chart-value').data.labels.length < 80")
    assert "3M" in page.locator("button.range.active").inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert "demo prices" in page.content()
    assert problems == []
    assert page.evaluate("window.cspViolations") == []

    page.goto(f"{base}/portfolios/{portfolio_id}/compare")
    page.wait_for_selector("#chart-shadow:not([hidden])", timeout=20000)
    headers = page.locator("#metrics thead th").all_inner_texts()
    assert [h.upper() for h in headers[2:]] == ["QQQ", "SPY", "VTI"]
    assert page.locator("#metrics tbody tr").count() >= 7
    page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)
    assert problems == []
    assert page.evaluate("window.cspViolations") == []

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(f"{base}/login")
    phone.fill("input[name=email]", "demo@example.com")
    phone.fill("input[name=password]", "demo-password")
    phone.click("input[type=submit]")
    phone.goto(f"{base}/portfolios/{portfolio_id}")
    phone.wait_for_selector("#chart-allocation:not([hidden])", timeout=20000)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    phone.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
