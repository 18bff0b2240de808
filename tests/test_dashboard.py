"""The dashboard paints from the database and cache only; the chart API fills it in."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from sqlalchemy import event

from app.extensions import cache, db
from app.models import User
from app.prices import get_price_service
from tests.conftest import make_portfolio, make_user, run_price_runner
from tests.yahoo_stub import Symbol

EVENING = datetime(2026, 11, 17, 23, 0)  # Tuesday, after the close


def trades_for(tickers, day=date(2025, 3, 3)):
    return [(day, "BUY", t, 10, 100) for t in tickers]


@pytest.fixture
def signed_in(client, auth, app):
    user = make_user()
    auth.login()
    return user


def count_queries(app, fn):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return result, len(statements)


def test_dashboard_with_yahoo_unreachable_and_empty_cache(client, signed_in, no_network):
    portfolio = make_portfolio(signed_in, trades=trades_for(["AAPL", "MSFT"]))
    resp = client.get(f"/portfolios/{portfolio.id}")
    assert resp.status_code == 200
    page = resp.data.decode()
    assert 'id="holdings"' in page and "AAPL" in page and "MSFT" in page
    assert page.count('class="placeholder"') == 3 and "Loading chart" in page
    assert "no price yet" in page and "$0.00" not in page
    assert len(no_network.calls) == 0


def test_dashboard_reads_holdings_in_a_fixed_number_of_queries(app, client, signed_in, no_network):
    small = make_portfolio(signed_in, name="Small", trades=trades_for([f"S{i}" for i in range(3)]))
    large = make_portfolio(signed_in, name="Large", trades=trades_for([f"L{i}" for i in range(60)]))
    small_id, large_id = small.id, large.id
    client.get(f"/portfolios/{small_id}")  # warm up lazy imports and the price service
    db.session.remove()
    cache.clear()
    _, few = count_queries(app, lambda: client.get(f"/portfolios/{small_id}"))
    db.session.remove()
    cache.clear()
    resp, many = count_queries(app, lambda: client.get(f"/portfolios/{large_id}"))
    assert resp.status_code == 200
    assert few == many, (few, many)


@pytest.fixture
def priced(app, signed_in, yahoo):
    """A portfolio of AAPL and MSFT since March 2025 with prices stored, compared against SPY."""
    yahoo.add(Symbol("AAPL"), Symbol("MSFT"), Symbol("SPY"), Symbol("QQQ", first_day=date(2026, 6, 1)), Symbol("VTI"))
    portfolio = make_portfolio(signed_in, trades=trades_for(["AAPL", "MSFT"]))
    with time_machine.travel(EVENING, tick=False):
        get_price_service(app).warm(["AAPL", "MSFT", "SPY", "QQQ", "VTI"], start=date(2025, 3, 3))
    return portfolio


def chart(client, portfolio, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/chart-data/{portfolio.id}?{query}")


@time_machine.travel(EVENING, tick=False)
def test_chart_data_ready(client, priced, yahoo):
    before = yahoo.chart_requests
    resp = chart(client, priced, range="1Y", benchmarks="SPY")
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["status"] == "ready" and data["progress"]["ready"] == data["progress"]["total"]
    assert len(data["dates"]) == len(data["value"]) == len(data["net_invested"]) == len(data["growth"]["SPY"])
    assert data["growth"]["portfolio"][0] == 100 and data["growth"]["SPY"][0] == 100
    assert data["net_invested"][-1] == 2000.0  # two buys of 10 × 100
    assert {a["ticker"] for a in data["allocation"]} == {"AAPL", "MSFT"}
    assert yahoo.chart_requests == before  # everything was in the database already


@time_machine.travel(EVENING, tick=False)
@pytest.mark.parametrize(("code", "days"), [("1M", 31), ("3M", 92), ("YTD", 322), ("1Y", 366), ("3Y", 1000),
                                            ("5Y", 1000), ("MAX", 1000)])
def test_each_range(client, priced, code, days):
    data = chart(client, priced, range=code, benchmarks="SPY").get_json()
    first, last = date.fromisoformat(data["dates"][0]), date.fromisoformat(data["dates"][-1])
    assert last == date(2026, 11, 17)
    assert (last - first).days <= days + 4
    assert first >= date(2025, 3, 3)
    if code in ("3Y", "5Y", "MAX"):
        assert first == date(2025, 3, 3)  # never before the first trade


@time_machine.travel(EVENING, tick=False)
def test_unknown_range_is_a_clear_400(client, priced):
    resp = chart(client, priced, range="2W")
    assert resp.status_code == 400 and "Unknown range" in resp.get_json()["error"]


@time_machine.travel(EVENING, tick=False)
def test_unknown_benchmark_is_an_error_for_that_line_only(app, client, priced):
    assert chart(client, priced, range="1Y", benchmarks="SPY,NOPE").status_code == 202  # NOPE was never asked for
    run_price_runner(app)
    data = chart(client, priced, range="1Y", benchmarks="SPY,NOPE").get_json()
    assert "SPY" in data["growth"] and "NOPE" not in data["growth"]
    assert "does not know" in data["errors"]["NOPE"]


@time_machine.travel(EVENING, tick=False)
def test_benchmark_that_starts_later_is_drawn_from_its_first_day(client, priced):
    data = chart(client, priced, range="MAX", benchmarks="QQQ").get_json()
    first_qqq = next(i for i, v in enumerate(data["growth"]["QQQ"]) if v is not None)
    assert data["dates"][first_qqq] == "2026-06-01" and data["growth"]["QQQ"][first_qqq] == 100
    assert "only from 2026-06-01" in data["benchmarks"]["QQQ"]["note"]


@time_machine.travel(EVENING, tick=False)
def test_unchanged_answer_is_a_304(client, priced):
    first = chart(client, priced, range="1Y")
    etag = first.headers["ETag"]
    again = client.get(f"/api/chart-data/{priced.id}?range=1Y", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get(f"/api/chart-data/{priced.id}?range=3M", headers={"If-None-Match": etag})
    assert other.status_code == 200


@time_machine.travel(EVENING, tick=False)
def test_chart_data_is_compressed(client, priced):
    resp = client.get(f"/api/chart-data/{priced.id}?range=MAX", headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip"


@time_machine.travel(EVENING, tick=False)
def test_missing_prices_are_asked_of_the_runner_never_fetched_by_the_page(app, client, signed_in, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("MSFT"), Symbol("SPY"))
    portfolio = make_portfolio(signed_in, trades=trades_for(["AAPL", "MSFT"]))
    get_price_service(app).warm(["AAPL"], start=date(2025, 3, 3))  # AAPL is there already
    before = yahoo.chart_requests
    resp = chart(client, portfolio, range="1Y", benchmarks="SPY")
    assert resp.status_code == 202 and yahoo.chart_requests == before  # the web process asked Yahoo nothing
    data = resp.get_json()
    assert data["status"] == "warming" and data["progress"] == {"ready": 1, "total": 3}
    assert "1 of 3" in data["message"]
    assert get_price_service(app).wanted.peek() == {"MSFT": date(2025, 3, 3), "SPY": date(2025, 3, 3)}
    assert client.get(f"/portfolios/{portfolio.id}").status_code == 200 and yahoo.chart_requests == before
    report = run_price_runner(app)
    assert sorted(report.fetched) == ["MSFT", "SPY"] and get_price_service(app).wanted.peek() == {}
    resp = chart(client, portfolio, range="1Y", benchmarks="SPY")
    assert resp.status_code == 200 and resp.get_json()["status"] == "ready" and resp.get_json()["message"] is None
    assert len(yahoo.requests_for("MSFT")) == 1


@time_machine.travel(EVENING, tick=False)
def test_while_yahoo_is_down_the_charts_say_so_and_draw_what_is_stored(app, client, priced, yahoo):
    yahoo.failures["*"] = "500"
    service = get_price_service(app)
    before = yahoo.chart_requests
    for _ in range(5):  # the runner's warm-ups fail until the breaker opens
        service.warm(["AAPL", "MSFT"], force=True)
    assert service.breaker_state() == "open"
    after_runner = yahoo.chart_requests
    assert after_runner > before
    data = chart(client, priced, range="1Y", benchmarks="SPY").get_json()
    assert data["status"] == "unavailable" and len(data["value"]) > 200
    assert "Yahoo Finance is not answering" in data["message"] and "next try" in data["message"]
    assert "Showing prices up to 17 Nov 2026" in data["message"] and data["retry_at"]
    page = client.get(f"/portfolios/{priced.id}").data.decode()
    assert "Yahoo Finance has been unreachable" in page
    assert yahoo.chart_requests == after_runner  # pages never ask
    with time_machine.travel(EVENING + timedelta(minutes=2), tick=False):
        assert chart(client, priced, range="1Y", benchmarks="SPY").get_json()["status"] == "unavailable"
        assert service.breaker_state() == "half-open"  # the cooldown is over: the runner's next call is the trial
        service.warm(["AAPL"], force=True)
        assert service.breaker_state() == "open"  # still down


@time_machine.travel(EVENING, tick=False)
def test_holdings_json_matches_the_page(client, priced):
    data = client.get(f"/api/portfolios/{priced.id}/holdings").get_json()
    page = client.get(f"/portfolios/{priced.id}").data.decode()
    assert {h["ticker"] for h in data["holdings"]} == {"AAPL", "MSFT"}
    total = data["total_value"]
    assert f"${total:,.2f}" in page
    assert sum(h["weight"] for h in data["holdings"]) == pytest.approx(1.0)


@time_machine.travel(EVENING, tick=False)
def test_benchmarks_are_remembered_per_portfolio(client, priced):
    client.post(f"/portfolios/{priced.id}/benchmarks", data={"benchmarks": "qqq, spy"})
    assert 'data-benchmarks="QQQ,SPY"' in client.get(f"/portfolios/{priced.id}").data.decode()
    data = client.get(f"/api/chart-data/{priced.id}?range=1Y").get_json()
    assert set(data["growth"]) == {"portfolio", "QQQ", "SPY"}


def test_api_answers_401_json_when_signed_out(client, app):
    resp = client.get("/api/chart-data/1")
    assert resp.status_code == 401 and resp.get_json()["error"]


@time_machine.travel(EVENING, tick=False)
def test_performance_table_and_shadow_etf(app, client, priced):
    client.get(f"/api/portfolios/{priced.id}/performance?range=1Y&benchmarks=SPY,NOPE")
    run_price_runner(app)
    data = client.get(f"/api/portfolios/{priced.id}/performance?range=1Y&benchmarks=SPY,NOPE").get_json()
    table = data["table"]
    assert set(table["benchmarks"]) == {"SPY"} and "NOPE" in data["errors"]
    for key in ("total_return", "annualized_return", "twr", "mwr", "volatility", "max_drawdown", "sharpe"):
        assert key in table["portfolio"] and key in table["benchmarks"]["SPY"]
    assert table["portfolio"]["max_drawdown"] <= 0 and table["portfolio"]["volatility"] > 0
    assert "SPY" in table["portfolio"]["beta"] and -1 <= table["portfolio"]["correlation"]["SPY"] <= 1
    shadow = data["shadow"]["SPY"]
    assert len(shadow["dates"]) == len(shadow["shadow_value"]) == len(shadow["difference"])
    last = len(shadow["dates"]) - 1
    assert shadow["difference"][last] == pytest.approx(shadow["real_value"][last] - shadow["shadow_value"][last],
                                                       abs=0.02)


@time_machine.travel(EVENING, tick=False)
def test_compare_page_renders_without_touching_yahoo(client, priced, yahoo):
    before = yahoo.chart_requests
    page = client.get(f"/portfolios/{priced.id}/compare").data.decode()
    assert 'id="metrics"' in page and "Growth of 100" in page and "If every buy and sell had gone into" in page
    assert yahoo.chart_requests == before


@time_machine.travel(EVENING, tick=False)
def test_cached_dashboard_changes_with_the_transactions(client, priced):
    before = client.get(f"/portfolios/{priced.id}").data.decode()
    assert "NVDA" not in before
    client.post(f"/portfolios/{priced.id}/transactions/new",
                data={"trade_date": "2026-11-02", "type": "BUY", "ticker": "NVDA", "quantity": "3", "price": "100",
                      "fees": "0", "currency": "USD"})
    after = client.get(f"/portfolios/{priced.id}").data.decode()
    assert "NVDA" in after


@time_machine.travel(EVENING, tick=False)
def test_bought_in_another_currency_converts_cost_at_that_rate(app, client, signed_in, yahoo):
    yahoo.add(Symbol("AAPL"), Symbol("SPY"), Symbol("GBPUSD=X", start_price=1.25, kind="CURRENCY"))
    portfolio = make_portfolio(signed_in, trades=trades_for(["AAPL"]))
    from app.models import Transaction

    Transaction.query.update({"currency": "GBP"})  # paid 10 × £100 for a dollar stock
    db.session.commit()
    assert chart(client, portfolio, range="1Y", benchmarks="SPY").status_code == 202
    run_price_runner(app)
    resp = chart(client, portfolio, range="1Y", benchmarks="SPY")
    assert resp.status_code == 200 and resp.get_json()["status"] in ("ready", "stale")
    holdings = client.get(f"/api/portfolios/{portfolio.id}/holdings").get_json()
    rate = get_price_service(app).cached_quotes(["GBPUSD=X"])["GBPUSD=X"].price
    assert holdings["total_cost"] == pytest.approx(1000 * rate, rel=1e-6)


@time_machine.travel(EVENING, tick=False)
@pytest.mark.parametrize("base", ["USD", "EUR"])
def test_yahoo_down_from_the_start_is_never_a_500(app, client, signed_in, yahoo, base):
    yahoo.failures["*"] = "connection"
    portfolio = make_portfolio(signed_in, trades=trades_for(["AAPL", "VOD.L"]))
    portfolio.base_currency = base
    db.session.commit()
    paths = (f"/api/chart-data/{portfolio.id}?range=1Y&benchmarks=SPY",
             f"/api/portfolios/{portfolio.id}/performance?range=1Y&benchmarks=SPY",
             f"/portfolios/{portfolio.id}", f"/api/portfolios/{portfolio.id}/holdings")
    for _ in range(5):  # until the runner's breaker opens, the tickers stay wanted and the charts wait
        assert [client.get(path).status_code for path in paths] == [202, 202, 200, 200]
        run_price_runner(app)
    assert set(get_price_service(app).wanted.peek()) >= {"AAPL", "VOD.L", "SPY"}  # still wanted, not dropped
    assert [client.get(path).status_code for path in paths] == [200, 200, 200, 200]
    data = chart(client, portfolio, range="1Y", benchmarks="SPY").get_json()
    assert data["status"] == "unavailable" and "not answering" in data["message"]


@time_machine.travel(EVENING, tick=False)
def test_price_status_page(client, priced, yahoo):
    admin = db.session.scalars(db.select(User)).one()
    admin.is_admin = True
    db.session.commit()
    page = client.get("/status").data.decode()
    assert "breaker closed" in page and "AAPL" in page and "fresh" in page
    assert "Requests to Yahoo" in page


def form_fields(page, form_class):
    """The action and the fields a browser would send for the first form of `form_class` on the page."""
    form = BeautifulSoup(page, "html.parser").find("form", class_=form_class)
    return form.get("action"), {field["name"]: field.get("value", "") for field in form.find_all("input")}


@pytest.mark.parametrize("page_path, lands_on", [("", ""), ("/compare", "/compare")])
def test_the_benchmark_form_posts_back_with_its_csrf_token(app_factory, no_network, page_path, lands_on):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        portfolio_id = make_portfolio(make_user(), trades=trades_for(["AAPL"])).id
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"  # Flask-WTF checks the referrer over HTTPS
    _, login = form_fields(client.get("/login").get_data(as_text=True), None)
    client.post("/login", data={**login, "email": "owner@example.com", "password": "correct-horse"})
    page = client.get(f"/portfolios/{portfolio_id}{page_path}").get_data(as_text=True)
    action, fields = form_fields(page, "bench-form")
    assert fields["benchmarks"] == "SPY, QQQ, VTI"  # the configured defaults, shown for editing
    resp = client.post(action, data={**fields, "benchmarks": "vt, bnd"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/portfolios/{portfolio_id}{lands_on}")
    again = client.get(f"/portfolios/{portfolio_id}{page_path}").get_data(as_text=True)
    assert form_fields(again, "bench-form")[1]["benchmarks"] == "VT, BND"
    assert client.post(action, data={"benchmarks": "IWM"}).status_code == 400  # no token: refused
    assert form_fields(client.get(f"/portfolios/{portfolio_id}").get_data(as_text=True),
                       "bench-form")[1]["benchmarks"] == "VT, BND"


def test_every_view_renders_the_page_with_its_own_token_and_messages(app_factory, no_network):
    from flask import template_rendered

    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        portfolio_id = make_portfolio(make_user(), trades=trades_for(["AAPL"])).id
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    _, login = form_fields(client.get("/login").get_data(as_text=True), None)
    client.post("/login", data={**login, "email": "owner@example.com", "password": "correct-horse"})
    rendered = []

    def record(sender, template, context, **_):
        rendered.append(template.name)

    template_rendered.connect(record, app)  # blinker holds receivers weakly: `record` must stay referenced
    page = f"/portfolios/{portfolio_id}"

    for _ in range(2):
        rendered.clear()
        html = client.get(page).get_data(as_text=True)
        assert "portfolios/show.html" in rendered and 'id="holdings"' in html  # rendered, never a stored page
    action, fields = form_fields(html, "bench-form")
    saved = client.post(action, data={**fields, "benchmarks": "VT"}, follow_redirects=True).get_data(as_text=True)
    assert "Benchmarks saved." in saved and 'value="VT"' in saved  # the token on the page was good
    after = client.get(page).get_data(as_text=True)
    assert "Benchmarks saved." not in after and 'value="VT"' in after  # a message shows once
    refused = client.post(action, data={**form_fields(after, "bench-form")[1], "benchmarks": "x" * 300},
                          follow_redirects=True).get_data(as_text=True)
    assert "could not be saved" in refused and 'value="VT"' in refused
    assert "could not be saved" not in client.get(page).get_data(as_text=True)


def test_a_portfolio_made_where_one_was_deleted_never_shows_the_old_page(app, client, signed_in, no_network):
    old = make_portfolio(signed_in, trades=trades_for(["AAPL"]))
    old_id = old.id
    assert "AAPL" in client.get(f"/portfolios/{old_id}").get_data(as_text=True)  # cached
    client.post(f"/portfolios/{old_id}/delete")
    new = make_portfolio(signed_in, trades=trades_for(["MSFT"]))
    if db.engine.dialect.name == "sqlite":
        assert new.id == old_id  # SQLite hands out the id again (PostgreSQL never does): the case at stake
    page = client.get(f"/portfolios/{new.id}").get_data(as_text=True)
    assert "MSFT" in page and "AAPL" not in page


def test_each_session_gets_its_own_token_and_the_page_follows_the_user(app_factory, no_network):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        owner = make_user()
        owner_id, portfolio_id = owner.id, make_portfolio(owner, trades=trades_for(["AAPL"])).id
    page = f"/portfolios/{portfolio_id}"
    clients = []
    for _ in range(2):  # two devices of the same user
        client = app.test_client()
        client.environ_base["HTTP_REFERER"] = "https://localhost/"
        _, login = form_fields(client.get("/login").get_data(as_text=True), None)
        client.post("/login", data={**login, "email": "owner@example.com", "password": "correct-horse"})
        clients.append(client)
    first, second = (form_fields(c.get(page).get_data(as_text=True), "bench-form") for c in clients)
    assert first[1]["csrf_token"] != second[1]["csrf_token"]
    with app.app_context():
        from app.models import User

        db.session.get(User, owner_id).email = "renamed@example.com"  # no data version changes
        db.session.commit()
    assert "renamed@example.com" in clients[0].get(page).get_data(as_text=True)
    resp = clients[1].post(second[0], data={**second[1], "benchmarks": "VT"})
    assert resp.status_code == 302
