"""The realized gains report per tax year, by the portfolio's cost method (a setting), and its CSV."""

import csv
import io
from datetime import date

import pytest

from app.extensions import db
from app.models import Portfolio
from tests.conftest import make_portfolio

# Three lots, two sales (worked out by hand in tests/test_analytics_income.py).
THREE_LOTS = [(date(2022, 1, 10), "BUY", "ABC", 10, 10), (date(2022, 6, 10), "BUY", "ABC", 10, 20),
              (date(2023, 2, 1), "SELL", "ABC", 15, 40), (date(2023, 3, 1), "BUY", "ABC", 10, 30),
              (date(2024, 1, 15), "SELL", "ABC", 10, 50)]


@pytest.fixture
def lots(client, auth, owner, no_network):
    portfolio = make_portfolio(owner, name="Lots & co", trades=THREE_LOTS)
    auth.login()
    return portfolio


def realized_rows(client, portfolio, year=None):
    resp = client.get(f"/portfolios/{portfolio.id}/realized.csv", query_string={"year": year} if year else None)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    return resp, list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))


def choose(client, portfolio, method):
    resp = client.post(f"/portfolios/{portfolio.id}/settings", data={
        "name": portfolio.name, "base_currency": "USD", "benchmarks": "", "cost_method": method})
    assert resp.status_code == 302


def test_average_cost_by_default_then_fifo_once_chosen_in_the_settings(client, lots):
    resp, rows = realized_rows(client, lots, 2023)
    assert 'filename="lots-co-realized-gains-2023.csv"' in resp.headers["Content-Disposition"]
    assert [(r["holding_period"], r["quantity"], r["proceeds"], r["cost_basis"], r["gain"], r["cost_method"])
            for r in rows] == [("long", "10", "400.00", "150.00", "250.00", "average"),
                               ("short", "5", "200.00", "75.00", "125.00", "average")]
    assert client.get(f"/api/portfolios/{lots.id}/holdings").get_json()["realized_gain"] == 625

    assert 'value="fifo"' in client.get(f"/portfolios/{lots.id}/settings").get_data(as_text=True)
    choose(client, lots, "fifo")
    db.session.expire_all()
    assert db.session.get(Portfolio, lots.id).cost_method == "fifo"
    _, rows = realized_rows(client, lots, 2023)
    assert [(r["holding_period"], r["cost_basis"], r["gain"]) for r in rows] == [
        ("long", "100.00", "300.00"), ("short", "100.00", "100.00")]
    _, every = realized_rows(client, lots)
    assert [r["tax_year"] for r in every] == ["2023", "2023", "2024", "2024"]
    assert sum(float(r["gain"]) for r in every) == 650
    holdings = client.get(f"/api/portfolios/{lots.id}/holdings").get_json()
    assert holdings["realized_gain"] == 650 and holdings["total_cost"] == 150  # the dashboard follows the method


def test_the_income_page_lists_each_tax_year_with_its_download(client, lots):
    page = client.get(f"/portfolios/{lots.id}/income").get_data(as_text=True)
    assert "Cost basis by average cost" in page
    assert f"/portfolios/{lots.id}/realized.csv?year=2024" in page and "+$375.00" in page and "+$250.00" in page


def test_a_year_that_is_not_one_is_said_in_words(client, lots):
    resp = client.get(f"/portfolios/{lots.id}/realized.csv?year=20x4")
    assert resp.status_code == 302
    assert "is not a year: use four digits" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_a_cost_method_that_does_not_exist_is_refused_and_nothing_changes(client, lots):
    resp = client.post(f"/portfolios/{lots.id}/settings", data={
        "name": "Renamed", "base_currency": "USD", "benchmarks": "", "cost_method": "lifo"})
    assert resp.status_code == 400 and "Not a valid choice" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Portfolio, lots.id).cost_method, db.session.get(Portfolio, lots.id).name) == (
        "average", "Lots & co")
