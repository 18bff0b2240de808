"""A partly priced portfolio in a real browser, desktop and phone: AAPL and NVDA have market prices, Yahoo does
not know MSFT. The charts say which value comes from a trade price, the allocation leaves MSFT out as the holdings
table does, Compare labels the portfolio's figures, and no $0.00 total shows. Screenshots go to test-artifacts/.
"""

from datetime import date

import pytest

from app.extensions import db
from app.prices import get_price_service
from tests.conftest import make_portfolio, make_user
from tests.test_browser import EMAIL, PASSWORD, VIEWPORTS, Visit, live, no_zero_total_while_unpriced
from tests.yahoo_stub import Symbol

pytestmark = [pytest.mark.once, pytest.mark.browser]
BOUGHT = date(2025, 3, 3)
TRADES = [(BOUGHT, "BUY", "AAPL", 10, 100), (BOUGHT, "BUY", "NVDA", 4, 150), (BOUGHT, "BUY", "MSFT", 5, 200)]
NOTE = "MSFT is valued at its trade price: unknown ticker."


def test_a_partly_priced_portfolio_says_which_values_are_trade_prices(app_factory, browser, yahoo):  # noqa: F811
    app = app_factory(PRICE_SOURCE="yahoo", WTF_CSRF_ENABLED=True)
    yahoo.add(*(Symbol(t) for t in ("AAPL", "NVDA", "SPY", "QQQ", "VTI")))  # and MSFT is unknown to Yahoo
    with app.app_context():
        portfolio_id = make_portfolio(make_user(EMAIL, PASSWORD), trades=TRADES).id
        get_price_service(app).warm(["AAPL", "NVDA", "MSFT", "SPY", "QQQ", "VTI"], start=BOUGHT)
        db.session.remove()
    with live(app) as base:
        for viewport in VIEWPORTS:
            where = f"partly priced ({viewport})"
            visit = Visit(browser, base, viewport, "light", "partly")
            visit.sign_in()
            page = visit.open(f"/portfolios/{portfolio_id}", "dashboard")
            no_zero_total_while_unpriced(page, where)
            assert "value of 2 of 3 holdings" in page.locator("#stat-value").inner_text(), where
            assert page.locator("#value-note").inner_text() == NOTE, where
            assert page.locator("#performance-note").inner_text() == NOTE, where
            assert page.locator("#allocation-note").inner_text() == "MSFT left out: unknown ticker.", where
            sliced = page.evaluate("Chart.getChart('chart-allocation').data.labels")
            weighed = [t for t, w in zip(page.locator("#holdings tbody tr").evaluate_all(
                "rows => rows.map((r) => r.dataset.ticker)"), page.locator("#holdings tbody td:last-child")
                .all_inner_texts(), strict=True) if w.strip() != "—"]
            assert sorted(sliced) == sorted(weighed) == ["AAPL", "NVDA"], (where, sliced, weighed)

            page = visit.open(f"/portfolios/{portfolio_id}/compare", "compare")
            headers = [h.lower() for h in page.locator("#metrics thead th").all_inner_texts()]  # upper case on screen
            assert "partly on trade prices" in headers[1] and "trade prices" not in " ".join(headers[2:]), headers
            assert f"Portfolio: {NOTE}" in page.locator("#compare-notes").inner_text(), where
            assert page.locator("#growth-note").inner_text() == NOTE, where
            assert page.locator("#shadow-diff").inner_text().endswith(NOTE), where  # its sum includes MSFT too
            spy = page.locator("#metrics td[data-col=SPY]").all_inner_texts()
            assert spy and all(c.strip() != "—" for c in spy[:3]), spy  # the benchmarks keep their figures
            visit.close()
