from datetime import date
from decimal import Decimal as D

import pytest

from app.analytics.holdings import HoldingsError, Trade, compute_holdings


def t(day, kind, qty, price=0, fees=0, ticker="AAPL"):
    return Trade(ticker=ticker, type=kind, trade_date=date.fromisoformat(day), quantity=D(str(qty)),
                 price=D(str(price)), fees=D(str(fees)))


def test_average_cost_includes_fees_across_buys():
    h = compute_holdings([t("2024-01-02", "BUY", 10, 100, 5), t("2024-02-01", "BUY", 10, 120, 5)])["AAPL"]
    assert h.quantity == 20
    assert h.cost_basis == D("2210")
    assert h.average_cost == D("110.5")


def test_sell_realizes_gain_against_average_cost():
    h = compute_holdings([t("2024-01-02", "BUY", 10, 100), t("2024-01-03", "BUY", 10, 200),
                          t("2024-05-01", "SELL", 5, 180, 2)])["AAPL"]
    assert h.quantity == 15
    assert h.cost_basis == D("2250")  # 15 × 150
    assert h.realized_gain == D("148")  # 5 × 180 − 2 − 5 × 150


def test_oversell_is_rejected_with_a_clear_message():
    with pytest.raises(HoldingsError, match=r"Cannot sell 11 AAPL on 2024-03-01: only 10 held"):
        compute_holdings([t("2024-01-02", "BUY", 10, 100), t("2024-03-01", "SELL", 11, 100)])


def test_order_is_by_date_not_by_input():
    with pytest.raises(HoldingsError):
        compute_holdings([t("2024-03-01", "BUY", 10, 100), t("2024-01-02", "SELL", 5, 100)])
    h = compute_holdings([t("2024-03-01", "SELL", 5, 100), t("2024-01-02", "BUY", 10, 100)])["AAPL"]
    assert h.quantity == 5


def test_split_multiplies_quantity_and_keeps_cost():
    h = compute_holdings([t("2024-01-02", "BUY", 10, 400), t("2024-06-10", "SPLIT", 4)])["AAPL"]
    assert h.quantity == 40
    assert h.cost_basis == D("4000")
    assert h.average_cost == D("100")


def test_selling_everything_closes_the_position():
    trades = [t("2024-01-02", "BUY", 3, 10), t("2024-01-05", "SELL", 3, 12), t("2024-01-02", "BUY", 1, 50, ticker="X")]
    assert [t for t, h in compute_holdings(trades).items() if h.is_open] == ["X"]
    assert compute_holdings(trades)["AAPL"].realized_gain == D("6")


def test_dividends_and_fees_are_cash_not_shares():
    h = compute_holdings([t("2024-01-02", "BUY", 10, 100), t("2024-02-01", "DIVIDEND", 10, "0.25"),
                          t("2024-02-02", "FEE", 1, 3)])["AAPL"]
    assert h.quantity == 10
    assert h.dividends == D("2.5")
    assert h.fees == D("3")
