"""The mapping step in a real browser: a file no format knows, its columns chosen, previewed and imported."""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from tests.conftest import make_portfolio, make_user
from tests.test_browser import ARTIFACTS

pytestmark = [pytest.mark.once, pytest.mark.browser]
FRENCH = Path(__file__).parent / "fixtures" / "imports" / "broker-fr.csv"


@pytest.fixture
def server(app_factory):
    app = app_factory(PRICE_SOURCE="demo", WTF_CSRF_ENABLED=True)
    with app.app_context():
        portfolio_id = make_portfolio(make_user("mapper@example.com", "mapper-password"), name="Compte-titres").id
        db.session.remove()
    live = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=live.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{live.server_port}", portfolio_id
    live.shutdown()


def test_mapping_a_file_in_the_browser(server, browser):  # noqa: F811 - the fixture
    base, portfolio_id = server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "mapper@example.com")
    page.fill("input[name=password]", "mapper-password")
    page.click("input[type=submit]")
    page.goto(f"{base}/portfolios/{portfolio_id}/import")
    page.set_input_files("input[type=file]", str(FRENCH))
    page.click("input[type=submit][value=Preview]")

    page.wait_for_selector("form#mapping")
    assert "does not recognize this file" in page.content()
    assert page.input_value("#role_isin") == "3" and page.input_value("#role_amount") == "7"
    samples = page.locator('.samples[data-for="role_name"]')
    assert samples.inner_text() == "Apple Inc. · Cloudflare · Microsoft Corp"
    page.select_option("#role_name", "")  # the values beside a choice follow it
    assert samples.inner_text() == ""
    page.select_option("#role_name", "4")
    assert samples.inner_text().startswith("Apple Inc.")
    page.select_option("#order", "dmy")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-mapping.png"), full_page=True)

    page.click("input[name=show]")
    page.wait_for_selector("#first-rows")
    assert page.locator("table.preview tbody tr").count() == 10
    page.screenshot(path=str(ARTIFACTS / "import-mapping-first-rows.png"), full_page=True)

    page.click("input[name=submit]")
    page.wait_for_selector("text=Read as")
    assert "your column mapping" in page.content() and "6 to add" in page.content()
    page.screenshot(path=str(ARTIFACTS / "import-mapping-preview.png"), full_page=True)
    page.click("button:has-text('Import 6 transactions')")
    page.wait_for_selector(".flash.success")
    assert "Imported 6 transactions from “broker-fr.csv”" in page.inner_text(".flash.success")

    page.goto(f"{base}/portfolios/{portfolio_id}")
    assert page.locator("#holdings tbody tr").count() == 3
    assert page.locator("text=resolving ISIN US0378331005…").count() == 1
    page.screenshot(path=str(ARTIFACTS / "holdings-resolving-isin.png"), full_page=True)
    row = page.locator('#holdings tr[data-ticker="US0378331005"]')
    row.locator("input[name=symbol]").fill("AAPL")
    row.locator("button:has-text('Use')").click()
    page.wait_for_selector(".flash.success")
    assert "US0378331005 is now AAPL." in page.inner_text(".flash.success")
    assert page.locator('#holdings tr[data-ticker="AAPL"]').count() == 1
    assert problems == []
