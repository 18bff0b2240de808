"""Whatever comes in through a URL or a form, the answer is never a 500: ids out of range, NaN, any text."""

from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from app.extensions import db
from tests.conftest import PASSWORD, make_portfolio, make_user

# Every route in the app, found from the URL map, with the methods it answers.
_map_app = create_app({"TESTING": True}, environ={"SECRET_KEY": "k" * 32, "DATABASE_URL": "sqlite://"})
ROUTES = sorted(
    (rule.rule, method)
    for rule in _map_app.url_map.iter_rules()
    if rule.endpoint != "static"
    for method in rule.methods - {"HEAD", "OPTIONS"}
    if (rule.rule, method) != ("/logout", "POST")
)
FIELDS = [
    "name", "base_currency", "benchmarks", "back", "trade_date", "type", "ticker", "quantity", "price", "fees",
    "currency", "note", "email", "password", "confirm", "remember", "email-email", "email-current_password",
    "password-current_password", "password-password", "password-confirm", "file_hash", "filename", "format", "text",
    "payload", "range", "cost_method",
]
NUMBERS = st.sampled_from([
    "NaN", "nan", "sNaN", "-sNaN", "Infinity", "-Infinity", "inf", "1e999999999", "1e-999999999", "9" * 40,
    "-0", "0", "1", "0.000000001", "1000000000000", "999999999999.99999999", "1e12", "12,5", "1_000", "٣",
])
VALUES = st.one_of(NUMBERS, st.decimals().map(str), st.text(max_size=40), st.integers().map(str),
                   st.dates().map(date.isoformat))
NUMERIC_FIELDS = {"quantity", "price", "fees"}

# Each field present or not, many at once, so that one bad value meets otherwise plausible neighbours.
FORMS = st.fixed_dictionaries({}, optional={
    name: st.one_of(NUMBERS, st.decimals().map(str)) if name in NUMERIC_FIELDS else VALUES for name in FIELDS
})
IDS = st.one_of(st.integers(min_value=0, max_value=2**70), st.sampled_from(["1", "2", "-1", "0x1", "1e3", "١"]),
                st.text(min_size=1, max_size=12))


@pytest.fixture
def site(app_factory, no_network):
    app = app_factory(SIGNIN_LIMIT_PER_ACCOUNT="10000/minute", SIGNIN_LIMIT_PER_ADDRESS="10000/minute",
                      SIGNUP_LIMIT_PER_ADDRESS="10000/minute")
    with app.app_context():
        owner = make_user()
        make_portfolio(owner, trades=[(date(2024, 1, 2), "BUY", "AAPL", 10, 100), (date(2024, 2, 1), "SELL",
                                                                                   "AAPL", 4, 110)])
        db.session.remove()
    return app


def url_for_rule(rule, ids):
    url = rule
    for name in ("portfolio_id", "transaction_id", "batch_id"):
        url = url.replace(f"<int:{name}>", quote(str(ids[name]), safe=""))
    return url


def test_the_income_and_allocation_routes_are_walked():
    walked = set(ROUTES)
    for rule in ("/api/portfolios/<int:portfolio_id>/income", "/api/portfolios/<int:portfolio_id>/allocation",
                 "/portfolios/<int:portfolio_id>/income", "/portfolios/<int:portfolio_id>/allocation",
                 "/portfolios/<int:portfolio_id>/realized.csv"):
        assert (rule, "GET") in walked


@pytest.mark.parametrize(("rule", "method"), ROUTES, ids=[f"{m} {r}" for r, m in ROUTES])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_input_on_any_route_is_a_500(site, rule, method, data):
    client = site.test_client()
    client.post("/login", data={"email": "owner@example.com", "password": PASSWORD})
    # Mostly the ids that exist, so that the form behind them is reached; otherwise anything.
    ids = {name: data.draw(st.one_of(st.just(1), st.just(1), st.just(1), IDS), label=name)
           for name in ("portfolio_id", "transaction_id", "batch_id")}
    form = data.draw(FORMS, label="form")
    query = data.draw(st.dictionaries(st.sampled_from(["range", "benchmarks", "next", "year"]), VALUES, max_size=2))
    resp = client.open(url_for_rule(rule, ids), method=method, data=form if method == "POST" else None,
                       query_string=query)
    assert resp.status_code < 500, (rule, method, ids, form, resp.get_data(as_text=True)[:500])


@pytest.mark.parametrize("path", ["/portfolios/11111111111111111111", "/portfolios/2147483648",
                                  "/portfolios/abc", "/portfolios/-1", "/api/chart-data/99999999999999999999",
                                  "/portfolios/1/transactions/4294967296/edit"])
def test_ids_past_the_column_or_not_numbers_are_404_with_words(site, path):
    client = site.test_client()
    client.post("/login", data={"email": "owner@example.com", "password": PASSWORD})
    resp = client.get(path)
    assert resp.status_code == 404
    text = resp.get_data(as_text=True)
    assert "nothing here" in text and "Traceback" not in text
