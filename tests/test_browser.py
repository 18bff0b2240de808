"""A real browser on the sample portfolio, desktop and phone, light and dark, with demo prices and with none.

Each page must: log no JavaScript error; end every spinner within 10 s in a chart or a sentence; never show
a $0.00 total while holdings have no price; fit a phone's width without sideways scrolling; draw its line
charts on a time axis whose labels are dates, none repeated. Screenshots of every page in each viewport and
colour scheme go to test-artifacts/.
"""

import contextlib
import json
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Portfolio, Transaction
from app.portfolios.sample import seed_sample
from app.prices import get_price_service
from app.prices.demo import ANCHORS
from tests.conftest import RunnerThread
from tests.yahoo_stub import Symbol

pytestmark = [pytest.mark.once, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SCHEMES = ("light", "dark")
SPINNER_DEADLINE_MS = 10_000
EMAIL, PASSWORD = "demo@example.com", "demo-password"
DATE_LABEL = re.compile(r"^(\d{1,2} [A-Z][a-z]{2}|[A-Z][a-z]{2} \d{4}|\d{4})$")

# True once no spinner is on screen and no chart's box still says it is loading.
SETTLED = """() => {
  const shown = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const spinning = [...document.querySelectorAll('.spinner')].some(shown);
  const loading = [...document.querySelectorAll('.placeholder')].some((el) => shown(el)
    && /Loading/.test(el.textContent));
  return !spinning && !loading;
}"""
# The elements wider than the window, for the message of a page that scrolls sideways.
WIDEST = """() => [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right
  > window.innerWidth + 1 || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible')
  .slice(-4).map((el) => el.tagName + '.' + el.className + ' ' + el.scrollWidth + ' ' + el.textContent.slice(0, 60))"""
# Each chart's box: its height, and whether the placeholder and the canvas are both inside it.
BOXES = """() => [...document.querySelectorAll('.canvas-box')].map((b) => [Math.round(b.getBoundingClientRect().height),
  !!b.querySelector(':scope > .placeholder'), !!b.querySelector(':scope > canvas')])"""
# Every line chart's x axis type and labels, and its y labels.
AXES = """() => [...document.querySelectorAll('canvas')].map((c) => Chart.getChart(c))
  .filter((ch) => ch && ch.config.type === 'line')
  .map((ch) => ({ id: ch.canvas.id, type: ch.scales.x.type, x: ch.scales.x.ticks.map((t) => String(t.label)),
                  y: ch.scales.y.ticks.map((t) => String(t.label)) }))"""


@contextlib.contextmanager
def live(app):
    """Serve the app on a free local port, with the price runner beating beside it as in a web worker."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with RunnerThread(app):  # the runner fetches what the pages ask for
            yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def seed(app, warm):
    """The sample portfolio plus an empty one; with `warm`, prices are fetched before any page is opened."""
    with app.app_context():
        _, portfolio = seed_sample(EMAIL, PASSWORD)
        empty = Portfolio(owner=portfolio.owner, name="Empty", base_currency="USD")
        db.session.add(empty)
        db.session.commit()
        note = db.session.scalars(db.select(Transaction).where(Transaction.portfolio_id == portfolio.id)
                                  .order_by(Transaction.trade_date.desc())).first()
        note.note = "A long note about why this was bought, " * 8  # must not push Edit and Delete off screen
        db.session.commit()
        ids = {"portfolio": portfolio.id, "empty": empty.id, "transaction": note.id}
        if warm:
            tickers = sorted({t.ticker for t in portfolio.transactions} | set(app.config["BENCHMARKS"]))
            get_price_service(app).warm(tickers)
        db.session.remove()
    return ids


class Visit:
    """One browser context (a viewport and a colour scheme), signed in, collecting console errors."""

    def __init__(self, browser, base, viewport, scheme, scenario):
        self.base, self.viewport, self.scheme, self.scenario = base, viewport, scheme, scenario
        self.context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # Every CSP violation, also those the console would not report as an error.
        self.page.add_init_script("window.cspViolations = []; document.addEventListener('securitypolicyviolation',"
                                  " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));")

    def sign_in(self):
        self.open("/login", "login")
        self.page.fill("input[name=email]", EMAIL)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("input[type=submit]")
        self.page.wait_for_url(f"{self.base}/portfolios")

    def open(self, path, name):
        """Open a page, wait for it to settle, check what every page must pass, keep a screenshot."""
        self.page.goto(self.base + path, wait_until="domcontentloaded")
        boxes = self.page.evaluate(BOXES)
        self.page.wait_for_function(SETTLED, timeout=SPINNER_DEADLINE_MS)
        where = f"{self.scenario} {name} ({self.viewport}, {self.scheme})"
        assert all(placeholder and canvas for _, placeholder, canvas in boxes), f"{where}: {boxes}"
        assert self.page.evaluate(BOXES) == boxes, f"{where}: a chart's box changed size when it was drawn"
        if self.viewport == "phone":
            width, widest = self.page.evaluate(
                f"[[document.documentElement.scrollWidth, window.innerWidth], ({WIDEST})()]")
            if width[0] > width[1]:
                self.page.screenshot(path=str(ARTIFACTS / f"FAILED-{self.scenario}-{name}-{self.viewport}.png"))
            assert width[0] <= width[1], f"{where}: scrolls sideways ({width[0]} px wide in {width[1]}): {widest}"
        for axis in self.page.evaluate(AXES) if self.page.evaluate("!!window.Chart") else []:
            assert axis["type"] == "time", f"{where}: {axis['id']} has no time axis"
            assert axis["x"] and all(DATE_LABEL.match(label) for label in axis["x"]), (where, axis)
            assert len(set(axis["x"])) == len(axis["x"]) and len(set(axis["y"])) == len(axis["y"]), (where, axis)
        assert self.errors == [], f"{where}: {self.errors}"
        assert self.page.evaluate("window.cspViolations") == [], f"{where}: content security policy violated"
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.scenario}-{name}-{self.viewport}-{self.scheme}.png"),
                             full_page=True)
        return self.page

    def close(self):
        self.context.close()


def no_zero_total_while_unpriced(page, where):
    """Fail when the value shows $0.00 although some holding has no price."""
    unpriced = page.locator("#holdings tr[data-status]:not([data-status=fresh]):not([data-status=stale])").count()
    value = page.locator("#stat-value .big").inner_text()
    assert not (unpriced and value.strip() in ("$0.00", "$0")), f"{where}: value {value} with {unpriced} unpriced"


def visit_everything(browser, base, ids, scenario, every_page=True):
    """Every page (or only those that show prices), in both viewports and both colour schemes.

    Return the dashboard's summary texts by (viewport, scheme).
    """
    seen = {}
    for viewport in VIEWPORTS:
        for scheme in SCHEMES:
            visit = Visit(browser, base, viewport, scheme, scenario)
            if every_page:
                visit.open("/signup", "signup")
            visit.sign_in()
            p, e, t = ids["portfolio"], ids["empty"], ids["transaction"]
            visit.open("/portfolios", "portfolios")
            page = visit.open(f"/portfolios/{p}", "dashboard")
            no_zero_total_while_unpriced(page, f"{scenario} dashboard ({viewport}, {scheme})")
            seen[(viewport, scheme)] = page.locator(".summary").inner_text()
            if viewport == "phone":
                visit.page.click(".menu-toggle")
                assert visit.page.locator("#topnav").get_by_text("Sign out").is_visible()
                visit.page.screenshot(path=str(ARTIFACTS / f"{scenario}-menu-{viewport}-{scheme}.png"))
            visit.open(f"/portfolios/{p}/compare", "compare")
            visit.open("/status", "prices")
            if every_page:
                visit.open(f"/portfolios/{e}/compare", "compare-empty")
                visit.open(f"/portfolios/{p}/transactions", "transactions")
                visit.open(f"/portfolios/{p}/transactions/{t}/edit", "transaction-edit")
                visit.open(f"/portfolios/{p}/transactions/new", "transaction-new")
                visit.open("/account", "account")
                visit.open(f"/portfolios/{p}/import", "import")
                visit.open(f"/portfolios/{p}/settings", "settings")
            visit.close()
    return seen


def test_every_page_with_demo_prices(app_factory, browser):
    app = app_factory(PRICE_SOURCE="demo", WTF_CSRF_ENABLED=True)
    ids = seed(app, warm=True)
    with live(app) as base:
        seen = visit_everything(browser, base, ids, "demo")
        visit = Visit(browser, base, "desktop", "light", "demo")
        visit.sign_in()
        page = visit.open(f"/portfolios/{ids['portfolio']}", "dashboard")
        assert page.locator("#holdings tbody tr").count() >= 15
        assert page.locator("#holdings .reason").count() == 0  # every holding priced
        with page.expect_response(lambda r: "range=3M" in r.url and r.status == 200):
            page.click("button.range[data-range='3M']")
        page.wait_for_function("Chart.getChart('chart-value').data.datasets[0].data.length < 80")
        page = visit.open(f"/portfolios/{ids['portfolio']}/compare", "compare")
        headers = page.locator("#metrics thead th").all_inner_texts()
        assert [h.split("\n")[0].upper() for h in headers[1:]] == ["PORTFOLIO", "SPY", "QQQ", "VTI"]  # as typed
        volatility = page.locator("#metrics tbody tr", has_text="Volatility (annual)").locator("td.num")
        assert all(v.endswith("%") and "+" not in v for v in volatility.all_inner_texts())
        assert page.locator("#comove tbody tr").count() == 3
        assert all(cell.strip() for cell in page.locator("#comove td").all_inner_texts())  # no empty cells
        page.locator("#metrics button.tip").first.click()
        assert page.locator("#metrics .explain").first.is_visible()
        visit.close()
    for texts in seen.values():
        texts = texts.lower()  # the labels are upper case on screen
        assert "unrealized gain" in texts and "total return" in texts and "—" not in texts


def test_every_page_with_yahoo_answering_the_runner_fetching_what_pages_ask(app_factory, browser, yahoo):
    tickers = sorted(set(ANCHORS) | {"SPY", "QQQ", "VTI"})
    yahoo.add(*(Symbol(t) for t in tickers))
    app = app_factory(PRICE_SOURCE="yahoo", WTF_CSRF_ENABLED=True)
    ids = seed(app, warm=False)  # nothing fetched: the first dashboard asks, the runner fetches within seconds
    with live(app) as base:
        seen = visit_everything(browser, base, ids, "yahoo")
    for texts in seen.values():
        assert "—" not in texts and "$0.00" not in texts.split("Day change")[0], texts  # every holding priced
    assert {t: len(yahoo.requests_for(t)) for t in tickers} == dict.fromkeys(tickers, 1)  # each fetched once


def test_every_page_with_yahoo_unreachable(app_factory, browser, no_network):
    app = app_factory(PRICE_SOURCE="yahoo", WTF_CSRF_ENABLED=True)
    ids = seed(app, warm=False)
    with live(app) as base:
        seen = visit_everything(browser, base, ids, "missing")
        visit = Visit(browser, base, "desktop", "light", "missing")
        visit.sign_in()
        page = visit.open(f"/portfolios/{ids['portfolio']}", "dashboard")
        assert "trade prices only" in page.locator("#value-note").inner_text()  # the chart says what it drew
        assert "trade prices only" in page.locator("#performance-note").inner_text()
        assert "left out" in page.locator("#allocation-note").inner_text()  # as the holdings table leaves them
        assert page.evaluate("!Chart.getChart('chart-allocation')")
        page = visit.open(f"/portfolios/{ids['portfolio']}/compare", "compare")
        cells = page.locator("#metrics td[data-col=Portfolio]").all_inner_texts()
        assert cells and all(c.strip() == "—" for c in cells), cells  # no Sharpe of 12.71 from trade prices
        assert "not enough price history" in page.locator("#compare-notes").inner_text()
        assert "trade prices only" in page.locator("#growth-note").inner_text()
        visit.close()
    for texts in seen.values():
        assert "no prices yet for 18 holdings" in texts and "$0.00" not in texts


def answer(route, status_and_body):
    """Fulfil an intercepted request with a (status, body) pair, as the server would answer it."""
    code, body = status_and_body
    route.fulfill(status=code, content_type="application/json", body=json.dumps(body))


def fake_api(page, chart, performance=None, held=None):
    """Answer the chart and performance APIs with these pairs; with `held`, keep the first chart request there."""

    def chart_route(route):
        if held is not None and not held:
            held.append(route)  # unanswered until the test fulfils it
        else:
            answer(route, chart)

    page.route("**/api/chart-data/**", chart_route)
    if performance is not None:
        page.route("**/api/portfolios/*/performance**", lambda route: answer(route, performance))


WARMING = (202, {"status": "warming", "message": "Fetching prices: 3 of 20…", "last_price_date": None,
                 "progress": {"ready": 3, "total": 20}})
NO_RANGE = (200, {"status": "empty", "message": "No prices for this range yet: prices up to 30 Aug 2025.",
                  "last_price_date": "2025-08-30", "dates": [], "value": [], "net_invested": [], "growth": {},
                  "benchmarks": {}, "allocation": [], "errors": {}})


def test_the_pages_say_what_the_chart_api_says(app_factory, browser):
    app = app_factory(PRICE_SOURCE="demo", WTF_CSRF_ENABLED=True)
    ids = seed(app, warm=True)
    with live(app) as base:
        visit = Visit(browser, base, "phone", "light", "api")
        visit.sign_in()
        page = visit.page
        held = []
        fake_api(page, WARMING, held=held)
        page.goto(f"{base}/portfolios/{ids['portfolio']}", wait_until="domcontentloaded")
        page.wait_for_function(SETTLED, timeout=SPINNER_DEADLINE_MS)  # no answer at all: a sentence by 10 s
        assert "still on their way" in page.locator(".placeholder[data-for=value]").inner_text()
        answer(held[0], WARMING)  # a 202 after the deadline brings the words, and no spinner back
        page.wait_for_function("() => document.querySelector('.placeholder[data-for=value] .msg').textContent"
                               ".startsWith('Fetching prices: 3 of 20')", timeout=3000)
        assert page.evaluate(SETTLED)
        page.unroute("**/api/**")
        fake_api(page, WARMING, WARMING)
        page.goto(f"{base}/portfolios/{ids['portfolio']}/compare", wait_until="domcontentloaded")
        page.wait_for_function("() => document.querySelector('.placeholder[data-for=growth] .msg').textContent"
                               ".startsWith('Fetching prices: 3 of 20')", timeout=3000)  # the server's words
        assert "Fetching prices: 3 of 20" in page.locator("#compare-status").inner_text()
        page.unroute("**/api/**")
        fake_api(page, NO_RANGE)
        page.goto(f"{base}/portfolios/{ids['portfolio']}", wait_until="domcontentloaded")
        page.wait_for_function(SETTLED, timeout=SPINNER_DEADLINE_MS)
        page.wait_for_function("() => document.querySelector('.placeholder[data-for=performance]').textContent"
                               ".includes('prices up to 30 Aug 2025')", timeout=3000)
        assert page.evaluate(SETTLED) and visit.errors == []

        stats = {"total_return": 0.1, "annualized_return": None, "twr": 0.1, "mwr": 0.1, "volatility": 0.2,
                 "max_drawdown": -0.05, "sharpe": 1.0, "beta": {"SPY": 1.1}, "correlation": {"SPY": 0.9},
                 "note": None}
        short = {**stats, "insufficient": True, "reason": "only 12 days of prices"}
        perf = (200, {"status": "ready", "message": None, "errors": {}, "shadow": {},
                      "table": {"portfolio": short, "benchmarks": {"SPY": stats, "QQQ": stats, "VTI": stats}}})
        page.unroute("**/api/**")
        fake_api(page, NO_RANGE, perf)
        page.goto(f"{base}/portfolios/{ids['portfolio']}/compare", wait_until="domcontentloaded")
        page.wait_for_function(SETTLED, timeout=SPINNER_DEADLINE_MS)
        portfolio_cells = page.locator("#metrics td[data-col=Portfolio]").all_inner_texts()
        assert portfolio_cells and all(c.strip().endswith("—") for c in portfolio_cells)  # no figures
        assert "not enough price history" in page.locator("#compare-notes").inner_text()
        assert "prices up to 30 Aug 2025" in page.locator(".placeholder[data-for=growth]").inner_text()
        assert "No prices for SPY" in page.locator(".placeholder[data-for=shadow]").inner_text()
        assert visit.errors == []
        visit.close()
