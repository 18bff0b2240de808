"""Properties: holding only SPY earns SPY's total return; never trading makes TWR the simple return;
doubling every quantity changes no return."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.analytics.performance import performance_table
from app.analytics.returns import mwr, simple_return, twr
from tests.valuations import daily_of

pytestmark = pytest.mark.once  # pure arithmetic: no database, nothing to repeat on PostgreSQL

moves = st.lists(st.floats(-0.08, 0.08), min_size=3, max_size=60)
orders = st.lists(st.tuples(st.integers(0, 59), st.integers(0, 2), st.integers(-20, 30)), min_size=1, max_size=12)


def _prices(move_lists, start="2023-01-02"):
    days = pd.bdate_range(start, periods=len(move_lists[0]))
    return pd.DataFrame({f"T{i}": 50 * np.cumprod(1 + np.array(m[: len(days)])) for i, m in enumerate(move_lists)},
                        index=days)


def _trades(prices, orders, at_previous_close=True, fees=0.0):
    """Buys (positive quantity) and sells (negative), never selling more than is held.

    Buys are priced at the previous close and sales at the day's close: the moments at which
    Portfolio Performance's formula places inflows (start of day) and outflows (end of day).
    """
    held, rows = {}, []
    tickers = list(prices.columns)
    for day, which, qty in sorted(orders):
        day = min(day, len(prices) - 1)
        ticker = tickers[which % len(tickers)]
        if qty > 0:
            price = prices[ticker].iloc[max(day - 1, 0)] if at_previous_close else prices[ticker].iloc[day]
            held[ticker] = held.get(ticker, 0) + qty
            rows.append((prices.index[day], ticker, "BUY", qty, price))
        elif qty < 0 and held.get(ticker, 0) > 0:
            qty = min(-qty, held[ticker])
            held[ticker] -= qty
            rows.append((prices.index[day], ticker, "SELL", qty, prices[ticker].iloc[day]))
    if not rows:
        rows.append((prices.index[0], tickers[0], "BUY", 1, prices[tickers[0]].iloc[0]))
    frame = pd.DataFrame(rows, columns=["trade_date", "ticker", "type", "quantity", "price"])
    return frame.assign(fees=fees, currency="USD")


@settings(max_examples=40, deadline=None)
@given(moves, orders)
def test_a_portfolio_holding_only_spy_has_spys_total_return(spy_moves, spy_orders):
    prices = _prices([spy_moves]).rename(columns={"T0": "SPY"})
    trades = _trades(prices, [(d, 0, q) for d, _, q in spy_orders])
    daily = daily_of(trades, prices)
    first = daily.index[0]
    # Over the days it is held, whatever was bought or sold, the time-weighted return is SPY's.
    held = daily[daily.index >= first]
    if (held["value"] == 0).any():
        held = held[: np.argmax(held["value"].to_numpy() == 0) + 1]  # until the first time it is all sold
    expected = prices["SPY"][held.index[-1]] / prices["SPY"][held.index[0]] - 1
    assert twr(held) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    table = performance_table(held, prices[["SPY"]])
    assert table["portfolio"]["twr"] == pytest.approx(table["benchmarks"]["SPY"]["twr"], rel=1e-9, abs=1e-12)


def test_with_dividends_spy_only_differs_from_the_adjusted_close_by_the_reinvestment_price_alone():
    # Yahoo's adjusted close reinvests a dividend D at the ex-date's opening (C_{t−1} − D): A_t / A_{t−1} =
    # C_t / (C_{t−1} − D). The portfolio is paid D on the ex-date: (C_t + D) / C_{t−1}. So, exactly,
    # 1 + TWR = (A_end / A_start) × Π_ex (C_t + D)(C_{t−1} − D) / (C_t C_{t−1}), a gap of a few hundredths of a
    # percent a year, and none at all for a portfolio whose dividends arrive as ETF units (the shadow, the benchmark).
    rng = np.random.default_rng(11)
    days = pd.bdate_range("2023-01-02", periods=252)
    close = pd.Series(400 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, len(days)))), index=days)
    ex = [days[60], days[123], days[186], days[249]]
    dividends = pd.DataFrame({"ticker": "SPY", "date": ex, "amount": [1.6, 1.7, 1.8, 1.9]})
    factor = pd.Series(1.0, index=days)
    for day, amount in zip(ex, dividends["amount"], strict=True):
        previous = close[days[days.get_loc(day) - 1]]
        factor[factor.index < day] *= 1 - amount / previous
    adj = close * factor
    trades = pd.DataFrame([{"ticker": "SPY", "type": "BUY", "trade_date": days[0], "quantity": 3,
                            "price": close.iloc[0]}])
    daily = daily_of(trades, close.to_frame("SPY"), None, dividends, {"SPY": "USD"}, None)
    gap = 1.0
    for day, amount in zip(ex, dividends["amount"], strict=True):
        c_t, c_prev = close[day], close[days[days.get_loc(day) - 1]]
        gap *= (c_t + amount) * (c_prev - amount) / (c_t * c_prev)
    assert 1 + twr(daily) == pytest.approx(adj.iloc[-1] / adj.iloc[0] * gap, rel=1e-12)
    assert abs(1 + twr(daily) - adj.iloc[-1] / adj.iloc[0]) < 1e-3


@settings(max_examples=40, deadline=None)
@given(moves, moves, st.integers(1, 30), st.integers(1, 30), st.data())
def test_a_portfolio_that_never_trades_has_a_twr_equal_to_its_simple_return(m0, m1, q0, q1, data):
    n = min(len(m0), len(m1))
    prices = _prices([m0[:n], m1[:n]])
    trades = pd.DataFrame([(prices.index[0], "T0", "BUY", q0, prices["T0"].iloc[0]),
                           (prices.index[0], "T1", "BUY", q1, prices["T1"].iloc[0])],
                          columns=["trade_date", "ticker", "type", "quantity", "price"])
    daily = daily_of(trades, prices)
    a = data.draw(st.integers(0, n - 1))
    b = data.draw(st.integers(a, n - 1))
    part = daily.iloc[a : b + 1]  # any stretch of days: value at its end over value at its start
    expected = part["value"].iloc[-1] / part["value"].iloc[0] - 1
    assert twr(part) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert simple_return(part) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def _numbers(table):
    """Every number of a Compare table, flattened, for comparing two tables."""
    out = {}
    for name, row in [("portfolio", table["portfolio"]), *table["benchmarks"].items()]:
        for key, value in row.items():
            if isinstance(value, dict):
                out.update({(name, key, k): v for k, v in value.items()})
            elif isinstance(value, float) or value is None:
                out[(name, key)] = value
    return out


@settings(max_examples=30, deadline=None)
@given(moves, moves, orders, st.floats(0, 5))
def test_doubling_every_quantity_changes_no_return(m0, m1, some_orders, fee):
    n = min(len(m0), len(m1))
    prices = _prices([m0[:n], m1[:n]])
    trades = _trades(prices, some_orders, at_previous_close=False, fees=fee)
    dividend = pd.DataFrame([{"trade_date": prices.index[-1], "ticker": "T0", "type": "DIVIDEND", "quantity": 3,
                              "price": 0.5, "fees": 0.0, "currency": "USD"}])
    trades = pd.concat([trades, dividend], ignore_index=True)
    double = trades.assign(quantity=trades["quantity"] * 2, fees=trades["fees"] * 2)  # fees scale with the order
    bench = (prices * 1.1).rename(columns={"T0": "ETF1", "T1": "ETF2"})
    one, two = daily_of(trades, prices), daily_of(double, prices)
    assert two["value"].to_numpy() == pytest.approx(2 * one["value"].to_numpy())
    assert twr(two) == pytest.approx(twr(one), rel=1e-9, abs=1e-12)
    if mwr(one) is not None:
        assert mwr(two) == pytest.approx(mwr(one), rel=1e-7, abs=1e-9)
    first, second = _numbers(performance_table(one, bench)), _numbers(performance_table(two, bench))
    assert first.keys() == second.keys()
    for key, value in first.items():
        if value is None:
            assert second[key] is None, key
        else:
            assert second[key] == pytest.approx(value, rel=1e-7, abs=1e-9), key
