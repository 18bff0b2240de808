"""Writes that race: two changes to one portfolio's holdings at the same moment are checked one after the other.

Each test holds the first writer just after its oversell check until the second has checked too, or for at
most HOLD seconds: without the portfolio lock both checks pass (and both writes land); with it, the second
writer waits for the first one's commit and is then refused.
"""

import contextlib
import threading
from datetime import date

import pytest

from app.extensions import db
from app.imports import service as imports
from app.models import ImportBatch, Transaction
from app.portfolios import service
from tests.conftest import PASSWORD, make_portfolio, make_user

HOLD = 2.0
SELL_ALL = {"trade_date": "2024-06-03", "type": "SELL", "ticker": "AAPL", "quantity": "10", "price": "150",
            "fees": "0", "currency": "USD"}


@pytest.fixture
def site(app_factory):
    app = app_factory()
    with app.app_context():
        portfolio = make_portfolio(make_user(), trades=[(date(2024, 1, 2), "BUY", "AAPL", 10, 100)])
        portfolio_id = portfolio.id
        db.session.remove()
    return app, portfolio_id


def signed_in_client(app):
    client = app.test_client()
    assert client.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def held_after_check(monkeypatch):
    """Hold each writer after its check until the other has checked too (HOLD seconds at most)."""
    both_checked = threading.Barrier(2, timeout=HOLD)
    real_check = service.check_trades

    def check_then_wait(*args, **kwargs):
        real_check(*args, **kwargs)
        # A broken barrier: the other writer is waiting for our lock, so go on and commit.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()

    monkeypatch.setattr(service, "check_trades", check_then_wait)
    return both_checked


def at_once(*requests):
    """Run the requests in threads at the same moment; return their responses in order."""
    answers = [None] * len(requests)

    def run(index, request):
        answers[index] = request()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def stored(app, portfolio_id):
    with app.app_context():
        rows = db.session.scalars(db.select(Transaction).where(Transaction.portfolio_id == portfolio_id)).all()
        result = sorted((t.type, int(t.quantity)) for t in rows)
        db.session.remove()
        return result


def test_two_sells_of_the_whole_position_at_once_store_one(site, held_after_check):
    app, portfolio_id = site
    first, second = signed_in_client(app), signed_in_client(app)
    url = f"/portfolios/{portfolio_id}/transactions/new"
    answers = at_once(lambda: first.post(url, data=SELL_ALL), lambda: second.post(url, data=SELL_ALL))
    assert sorted(a.status_code for a in answers) == [302, 400]
    refused = next(a for a in answers if a.status_code == 400)
    assert "Cannot sell 10 AAPL on 2024-06-03: only 0 held then." in refused.get_data(as_text=True)
    assert stored(app, portfolio_id) == [("BUY", 10), ("SELL", 10)]


def test_deleting_the_buy_while_a_sell_is_added_keeps_the_holdings_consistent(site, held_after_check):
    app, portfolio_id = site
    with app.app_context():
        buy_id = db.session.scalar(db.select(Transaction.id).where(Transaction.portfolio_id == portfolio_id))
    first, second = signed_in_client(app), signed_in_client(app)
    answers = at_once(
        lambda: first.post(f"/portfolios/{portfolio_id}/transactions/new", data=SELL_ALL),
        lambda: second.post(f"/portfolios/{portfolio_id}/transactions/{buy_id}/delete", follow_redirects=True),
    )
    assert all(a.status_code < 500 for a in answers)
    assert stored(app, portfolio_id) in ([("BUY", 10), ("SELL", 10)], [])


def test_undoing_an_import_while_a_sell_needs_its_rows_keeps_the_holdings_consistent(site, held_after_check,
                                                                                       monkeypatch):
    app, portfolio_id = site
    with app.app_context():
        batch = ImportBatch(portfolio_id=portfolio_id, filename="f.csv", file_hash="0" * 64, format="folio")
        db.session.add(batch)
        db.session.flush()
        db.session.add(Transaction(portfolio_id=portfolio_id, ticker="MSFT", type="BUY", trade_date=date(2024, 1, 3),
                                   quantity=5, price=300, fees=0, currency="USD", import_batch_id=batch.id))
        db.session.commit()
        batch_id = batch.id
        db.session.remove()
    # The undo checks with compute_holdings: hold it there the same way.
    real_compute = imports.compute_holdings

    def compute_then_wait(trades):
        result = real_compute(trades)
        with contextlib.suppress(threading.BrokenBarrierError):
            held_after_check.wait()
        return result

    monkeypatch.setattr(imports, "compute_holdings", compute_then_wait)
    sell_msft = {**SELL_ALL, "ticker": "MSFT", "quantity": "5"}
    first, second = signed_in_client(app), signed_in_client(app)
    answers = at_once(
        lambda: first.post(f"/portfolios/{portfolio_id}/transactions/new", data=sell_msft),
        lambda: second.post(f"/portfolios/{portfolio_id}/imports/{batch_id}/undo", follow_redirects=True),
    )
    assert all(a.status_code < 500 for a in answers)
    rows = stored(app, portfolio_id)
    # Either the sell landed and the undo was refused, or the undo landed and the sell was refused.
    assert rows in ([("BUY", 5), ("BUY", 10), ("SELL", 5)], [("BUY", 10)])


def test_inconsistent_stored_holdings_are_a_warning_not_a_500(site):
    app, portfolio_id = site
    with app.app_context():
        for _ in range(2):  # what the race used to leave behind: two sells of the whole position
            db.session.add(Transaction(portfolio_id=portfolio_id, ticker="AAPL", type="SELL",
                                       trade_date=date(2024, 6, 3), quantity=10, price=150, fees=0, currency="USD"))
        db.session.commit()
        db.session.remove()
    client = signed_in_client(app)
    page = client.get(f"/portfolios/{portfolio_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Some transactions do not add up" in text and "Cannot sell 10 AAPL on 2024-06-03" in text
    api = client.get(f"/api/portfolios/{portfolio_id}/holdings")
    assert api.status_code == 200 and api.get_json()["problems"] == [
        "Cannot sell 10 AAPL on 2024-06-03: only 0 held then."]
