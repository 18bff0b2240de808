from datetime import date, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from app.extensions import db
from app.models import Portfolio, Transaction
from tests.conftest import make_portfolio, make_user


@pytest.fixture
def signed_in(auth, owner):
    auth.login()
    return owner


def tx_form(**overrides):
    data = {"trade_date": "2024-04-02", "type": "BUY", "ticker": "aapl ", "quantity": "2", "price": "170.5",
            "fees": "1", "currency": "usd", "note": "limit order"}
    data.update(overrides)
    return data


def test_create_portfolio_and_see_it_listed(client, signed_in):
    resp = client.post("/portfolios", data={"name": "Retirement", "base_currency": "EUR"})
    assert resp.status_code == 302
    portfolio = Portfolio.query.one()
    assert (portfolio.name, portfolio.base_currency, portfolio.owner_id) == ("Retirement", "EUR", signed_in.id)
    assert b"Retirement" in client.get("/portfolios").data


def test_holdings_page_shows_derived_numbers(client, signed_in, portfolio):
    page = client.get(f"/portfolios/{portfolio.id}").data.decode()
    # AAPL: 10 @185 + 5 @180 = 2,750 for 15; sold 3 → 12 held, basis 2,200, avg 183.33
    assert "AAPL" in page and "MSFT" in page
    assert "$2,200.00" in page and "$183.33" in page
    assert "+$35.00" in page  # realized: 3 × 195 − 3 × 183.33…


def test_add_transaction_normalizes_ticker_and_currency(client, signed_in, portfolio):
    resp = client.post(f"/portfolios/{portfolio.id}/transactions/new", data=tx_form(ticker=" brk.b "))
    assert resp.status_code == 302
    row = Transaction.query.filter_by(ticker="BRK-B").one()
    assert (row.quantity, row.price, row.currency, row.note) == (Decimal(2), Decimal("170.5"), "USD", "limit order")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quantity": "0"}, "The quantity must be greater than zero."),
        ({"quantity": "-3"}, "The quantity must be greater than zero."),
        ({"quantity": ""}, "Enter a quantity."),
        ({"quantity": "abc"}, "Enter a number, such as 12.5."),
        ({"quantity": "NaN"}, "Enter a number, such as 12.5."),
        ({"quantity": "1e400"}, "The quantity is too large."),
        ({"type": "SPLIT", "quantity": "-2", "price": "0"}, "The split ratio must be greater than zero."),
        ({"trade_date": (date.today() + timedelta(days=2)).isoformat()}, "The date is in the future"),
        ({"trade_date": "2024-13-45"}, "Not a valid date"),
        ({"ticker": "AA PL"}, "is not a ticker"),
        ({"ticker": "<script>"}, "is not a ticker"),
        ({"ticker": ""}, "Enter a ticker."),
        ({"ticker": "X" * 100}, "Field cannot be longer than 32 characters"),
        ({"price": "-1"}, "The price cannot be negative."),
        ({"price": "0"}, "Enter a price greater than zero"),
        ({"price": ""}, "Enter a price greater than zero"),
        ({"fees": "-0.5"}, "The fees cannot be negative."),
        ({"type": "STEAL"}, "Not a valid choice"),
        ({"currency": "dollars"}, "3-letter code"),
        ({"note": "n" * 501}, "cannot be longer than 500"),
        ({"type": "SELL", "ticker": "MSFT", "quantity": "5"}, "Cannot sell 5 MSFT on 2024-04-02: only 4 held"),
        ({"quantity": "1000000000000"}, "The quantity is too large."),
        ({"quantity": "1e999999999999"}, "The quantity is too large."),
        ({"quantity": "1e-30"}, "The quantity must be greater than zero."),
        ({"quantity": "sNaN"}, "Enter a number, such as 12.5."),
        ({"price": "sNaN"}, "Enter a number, such as 12.5."),
        ({"fees": "sNaN"}, "Enter a number, such as 12.5."),
        ({"price": "Infinity"}, "Enter a number, such as 12.5."),
        ({"fees": "-inf"}, "Enter a number, such as 12.5."),
    ],
)
def test_bad_transaction_gets_one_message_in_words_and_writes_nothing(client, signed_in, portfolio, overrides,
                                                                      message):
    before = Transaction.query.count()
    resp = client.post(f"/portfolios/{portfolio.id}/transactions/new", data=tx_form(**overrides))
    assert resp.status_code == 400
    errors = [e.get_text() for e in BeautifulSoup(resp.data, "html.parser").select("small.error")]
    assert len(errors) == 1 and message in errors[0], errors
    assert "Number must be between" not in resp.get_data(as_text=True)
    assert Transaction.query.count() == before


def test_edit_form_shows_numbers_as_entered_and_the_whole_note(client, signed_in, portfolio):
    tx = Transaction.query.filter_by(ticker="MSFT").one()
    tx.note = "a long note " * 30
    db.session.commit()
    page = BeautifulSoup(client.get(f"/portfolios/{portfolio.id}/transactions/{tx.id}/edit").data, "html.parser")
    assert page.find("input", {"name": "quantity"})["value"] == "4"
    assert page.find("input", {"name": "price"})["value"] == "400"
    assert page.find("input", {"name": "fees"})["value"] == "0"
    assert page.find("textarea", {"name": "note"}).get_text().strip() == tx.note.strip()


def test_edit_transaction(client, signed_in, portfolio):
    tx = Transaction.query.filter_by(ticker="MSFT").one()
    resp = client.post(f"/portfolios/{portfolio.id}/transactions/{tx.id}/edit",
                       data=tx_form(ticker="MSFT", quantity="6", price="410", trade_date="2024-02-01"))
    assert resp.status_code == 302
    assert db.session.get(Transaction, tx.id).quantity == 6


def test_edit_that_would_oversell_is_refused_and_changes_nothing(client, signed_in, portfolio):
    sell = Transaction.query.filter_by(ticker="AAPL", type="SELL").one()
    resp = client.post(f"/portfolios/{portfolio.id}/transactions/{sell.id}/edit",
                       data=tx_form(type="SELL", ticker="AAPL", quantity="20", trade_date="2024-06-03", price="195"))
    assert resp.status_code == 400
    assert b"Cannot sell 20 AAPL on 2024-06-03: only 15 held" in resp.data
    db.session.expire_all()
    assert db.session.get(Transaction, sell.id).quantity == 3


def test_delete_transaction_and_refuse_one_that_later_sells_need(client, signed_in, portfolio):
    buy = Transaction.query.filter_by(ticker="AAPL", trade_date=date(2024, 1, 2)).one()
    client.post(f"/portfolios/{portfolio.id}/transactions/new",
                data=tx_form(type="SELL", ticker="AAPL", quantity="12", trade_date="2024-07-01"))
    page = client.post(f"/portfolios/{portfolio.id}/transactions/{buy.id}/delete", follow_redirects=True)
    assert b"Not deleted" in page.data
    assert db.session.get(Transaction, buy.id) is not None
    msft = Transaction.query.filter_by(ticker="MSFT").one()
    client.post(f"/portfolios/{portfolio.id}/transactions/{msft.id}/delete")
    assert db.session.get(Transaction, msft.id) is None


def test_settings_saves_benchmarks_and_rejects_bad_tickers(client, signed_in, portfolio):
    resp = client.post(f"/portfolios/{portfolio.id}/settings",
                       data={"name": "Main", "base_currency": "USD", "benchmarks": "spy, qqq iwm"})
    assert resp.status_code == 302
    assert db.session.get(Portfolio, portfolio.id).benchmarks == "SPY,QQQ,IWM"
    resp = client.post(f"/portfolios/{portfolio.id}/settings",
                       data={"name": "Main", "base_currency": "USD", "benchmarks": "SPY, $$$"})
    assert resp.status_code == 400
    assert db.session.get(Portfolio, portfolio.id).benchmarks == "SPY,QQQ,IWM"


def test_delete_portfolio_removes_its_transactions(client, signed_in, portfolio):
    client.post(f"/portfolios/{portfolio.id}/delete")
    assert Portfolio.query.count() == 0 and Transaction.query.count() == 0


def test_portfolio_list_shows_only_mine(client, signed_in, app):
    make_portfolio(make_user("other@example.com"), name="Not yours")
    make_portfolio(signed_in, name="Yours")
    page = client.get("/portfolios").data
    assert b"Yours" in page and b"Not yours" not in page


def test_unknown_page_is_a_friendly_404(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404 and b"There is nothing here" in resp.data
