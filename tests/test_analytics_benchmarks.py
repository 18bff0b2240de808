"""Risk measures by hand, the shadow ETF portfolio, calendars, and the Compare table."""

import json

import numpy as np
import pandas as pd
import pytest

from app.analytics import risk
from app.analytics.benchmarks import align_range, growth_of_100, shadow_portfolio
from app.analytics.performance import performance_table
from app.analytics.ranges import range_bounds
from app.analytics.returns import daily_returns
from tests.valuations import daily_of

pytestmark = pytest.mark.once  # pure arithmetic: no database, nothing to repeat on PostgreSQL

DAYS = pd.bdate_range("2024-01-01", periods=4)


def _trade(day, kind, qty, price, ticker="AAA"):
    return {"ticker": ticker, "type": kind, "trade_date": day, "quantity": qty, "price": price, "fees": 0.0,
            "currency": "USD"}


# Risk -------------------------------------------------------------------------------------------------------


def test_volatility_is_the_sample_deviation_times_root_252():
    # r = +1 %, −1 %: mean 0, sample variance (0.01² + 0.01²) / 1 = 0.0002, σ = 0.014142; × √252 = 0.2245.
    assert risk.volatility([0.01, -0.01]) == pytest.approx(np.sqrt(0.0002) * np.sqrt(252))
    assert risk.volatility([0.01]) is None


def test_max_drawdown_on_the_index():
    # Peaks 100, 120, 130; the deepest fall is 130 → 65: −50 %.
    assert risk.max_drawdown([100, 120, 90, 130, 65, 70]) == pytest.approx(-0.5)
    assert risk.max_drawdown([100, 101, 102]) == 0.0
    assert risk.max_drawdown([]) is None


def test_sharpe_with_and_without_a_risk_free_rate():
    r = np.array([0.01, 0.0, 0.02, -0.01])  # mean 0.005, sample σ = 0.0129099
    sd = r.std(ddof=1)
    assert risk.sharpe(r) == pytest.approx(0.005 / sd * np.sqrt(252))
    daily_rf = 1.05 ** (1 / 252) - 1  # 5 % a year is 0.01936 % a trading day
    assert risk.sharpe(r, 0.05) == pytest.approx((0.005 - daily_rf) / sd * np.sqrt(252))
    assert risk.sharpe([0.01, 0.01, 0.01]) is None  # no deviation, no ratio


def test_beta_and_correlation_on_aligned_days():
    days = pd.bdate_range("2024-01-01", periods=5)
    bench = pd.Series([0.01, -0.02, 0.03, 0.0, 0.01], index=days)
    assert risk.beta(2 * bench, bench) == pytest.approx(2.0)
    assert risk.correlation(2 * bench, bench) == pytest.approx(1.0)
    assert risk.correlation(-bench, bench) == pytest.approx(-1.0)
    # Only the days both have count: a NaN on one side drops that day from both.
    holey = bench.copy()
    holey.iloc[1] = np.nan
    assert risk.beta(3 * bench, holey) == pytest.approx(3.0)
    assert risk.beta(bench, pd.Series(0.0, index=days)) is None


# The shadow ETF ---------------------------------------------------------------------------------------------


def test_shadow_portfolio_by_hand():
    # The real portfolio: buy 1000 on day 0, buy 1100 on day 2, sell for 600 on day 3.
    # The ETF's adjusted close: 100, 105, 110, 120. The shadow buys 1000 / 100 = 10 units, then 1100 / 110 = 10,
    # then sells 600 / 120 = 5: 10, 10, 20, 15 units → 1000, 1050, 2200, 1800.
    trades = pd.DataFrame([_trade(DAYS[0], "BUY", 10, 100), _trade(DAYS[2], "BUY", 10, 110),
                           _trade(DAYS[3], "SELL", 5, 120)])
    daily = daily_of(trades, pd.DataFrame({"AAA": [100.0, 100, 110, 120]}, index=DAYS))
    etf = pd.Series([100.0, 105, 110, 120], index=DAYS)
    shadow = shadow_portfolio(daily, etf)
    assert shadow["shadow_value"].tolist() == pytest.approx([1000, 1050, 2200, 1800])
    assert shadow["real_value"].tolist() == [1000, 1000, 2200, 1800]  # 10, 10, 20, 15 shares of AAA
    assert shadow["difference"].tolist() == pytest.approx([0, -50, 0, 0])


def test_a_dividend_paid_to_the_owner_is_sold_out_of_the_shadow_too():
    # 10 AAA at 100; AAA pays 1.00 a share on day 2 (10 in cash to the owner). The shadow (ETF flat at 100)
    # holds 10 units, sells 10 / 100 = 0.1 of them on day 2 → 990: the owner took the same 10 out of both.
    trades = pd.DataFrame([_trade(DAYS[0], "BUY", 10, 100), _trade(DAYS[2], "DIVIDEND", 10, 1.0)])
    daily = daily_of(trades, pd.DataFrame({"AAA": [100.0] * 4}, index=DAYS))
    shadow = shadow_portfolio(daily, pd.Series([100.0] * 4, index=DAYS))
    assert shadow["shadow_value"].tolist() == pytest.approx([1000, 1000, 990, 990])


def test_a_benchmark_that_starts_later_takes_the_early_money_on_its_first_day():
    trades = pd.DataFrame([_trade(DAYS[0], "BUY", 10, 100)])
    daily = daily_of(trades, pd.DataFrame({"AAA": [100.0, 110, 120, 130]}, index=DAYS))
    etf = pd.Series([np.nan, np.nan, 50.0, 55.0], index=DAYS)
    shadow = shadow_portfolio(daily, etf)
    assert np.isnan(shadow["shadow_value"].iloc[:2]).all()
    assert shadow["shadow_value"].iloc[2:].tolist() == pytest.approx([1000, 1100])  # 20 units at 50, then 55


# Calendars --------------------------------------------------------------------------------------------------


def test_portfolio_and_benchmarks_share_the_union_of_their_trading_days():
    # The portfolio's market is shut on 3 Jan; the benchmark trades that day. The portfolio carries its
    # value (flat, no flows) and the benchmark is carried over days it did not trade.
    own_days = DAYS.delete(2)
    daily = daily_of(pd.DataFrame([_trade(DAYS[0], "BUY", 1, 100)]),
                            pd.DataFrame({"AAA": [100.0, 110, 121]}, index=own_days))
    bench = pd.DataFrame({"SPY": [10.0, 11, 12, np.nan]}, index=DAYS)
    frame, prices = align_range(daily, bench)
    assert list(frame.index) == list(DAYS)
    assert frame["value"].tolist() == [100, 110, 110, 121]
    assert prices["SPY"].tolist() == [10, 11, 12, 12]
    growth = growth_of_100(daily, bench)
    assert growth["portfolio"].tolist() == pytest.approx([100, 110, 110, 121])
    assert growth["SPY"].tolist() == pytest.approx([100, 110, 120, 120])


# The Compare table ------------------------------------------------------------------------------------------


def _two_years():
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2022-01-03", "2023-12-29")
    walk = lambda drift: 100 * np.exp(np.cumsum(rng.normal(drift, 0.01, len(days))))  # noqa: E731
    closes = pd.DataFrame({"AAA": walk(0.0004), "BBB": walk(0.0002)}, index=days)
    bench = pd.DataFrame({"SPY": walk(0.0003), "NEW": walk(0.0003)}, index=days)
    bench.loc[: days[300], "NEW"] = np.nan  # an ETF launched in 2023
    trades = pd.DataFrame([_trade(days[0], "BUY", 10, closes["AAA"].iloc[0]),
                           _trade(days[100], "BUY", 5, closes["BBB"].iloc[99], "BBB"),
                           _trade(days[400], "SELL", 4, closes["AAA"].iloc[400])])
    return daily_of(trades, closes), bench


def test_performance_table_shape_and_json():
    daily, bench = _two_years()
    start, end = range_bounds("MAX", daily.index[-1], daily.index[0])
    table = performance_table(daily, bench, start, end, risk_free=0.02)
    json.dumps(table, allow_nan=False)  # plain numbers and None only
    row = table["portfolio"]
    assert set(row) >= {"total_return", "annualized_return", "twr", "mwr", "volatility", "max_drawdown", "sharpe",
                        "beta", "correlation", "first_date", "starts_after_portfolio"}
    assert row["days"] >= 365 and row["annualized_return"] is not None and row["mwr_annualized"]
    assert set(row["beta"]) == {"SPY", "NEW"}
    assert row["max_drawdown"] <= 0
    spy = table["benchmarks"]["SPY"]
    assert spy["total_return"] == pytest.approx(bench["SPY"].iloc[-1] / bench["SPY"].iloc[0] - 1)
    assert spy["twr"] == spy["total_return"]
    assert spy["starts_after_portfolio"] is False and spy["note"] is None
    assert spy["beta"]["SPY"] == pytest.approx(1.0)


def test_a_benchmark_starting_after_the_portfolio_is_measured_from_its_first_day_and_says_so():
    daily, bench = _two_years()
    table = performance_table(daily, bench, daily.index[0], daily.index[-1])
    new = table["benchmarks"]["NEW"]
    first = bench["NEW"].first_valid_index()
    assert new["starts_after_portfolio"] is True
    assert new["first_date"] == first.date().isoformat()
    assert "after the portfolio's start" in new["note"]
    assert new["twr"] == pytest.approx(bench["NEW"].iloc[-1] / bench["NEW"][first] - 1)
    # Beta and correlation only on the days both have a return: from the day after NEW's first price.
    own = daily_returns(daily)[daily.index > first]
    theirs = bench["NEW"].pct_change()[bench.index > first]
    expected = np.cov(own, theirs)[0, 1] / theirs.var()
    assert table["portfolio"]["beta"]["NEW"] == pytest.approx(expected, rel=1e-9)


def test_short_ranges_are_not_annualised():
    daily, bench = _two_years()
    start, end = range_bounds("3M", daily.index[-1], daily.index[0])
    table = performance_table(daily, bench, start, end)
    assert table["portfolio"]["annualized_return"] is None
    assert table["portfolio"]["mwr_annualized"] is False
    assert table["range"]["base_date"] <= start.date().isoformat()
    # With no flows in the last 3 months, the money-weighted return over the range equals the time-weighted one.
    assert table["portfolio"]["mwr"] == pytest.approx(table["portfolio"]["twr"], rel=1e-6)


def test_the_shadow_mwr_of_a_portfolio_that_is_the_benchmark_is_its_own():
    # Holding only SPY, bought at its (total-return) price: the shadow is the portfolio, so both XIRRs agree.
    daily, bench = _two_years()
    prices = bench[["SPY"]]
    trades = pd.DataFrame([_trade(prices.index[0], "BUY", 10, prices["SPY"].iloc[0], "SPY"),
                           _trade(prices.index[200], "BUY", 5, prices["SPY"].iloc[200], "SPY")])
    own = daily_of(trades, prices)
    table = performance_table(own, prices)
    assert table["benchmarks"]["SPY"]["mwr"] == pytest.approx(table["portfolio"]["mwr"], rel=1e-9)
    assert shadow_portfolio(own, prices["SPY"])["difference"].abs().max() < 1e-9


def test_an_empty_portfolio_gives_an_empty_table():
    table = performance_table(daily_of(None, None), pd.DataFrame({"SPY": [1.0]}, index=DAYS[:1]))
    assert table["portfolio"]["twr"] is None
    assert table["benchmarks"]["SPY"]["twr"] is None
