"""Valuation by hand: buys, deposits, sales, splits, dividends, EUR and GBp holdings, calendars, FX pairs."""

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from app.analytics.fx import FxMissingError, fx_pairs_needed, to_base
from app.analytics.holdings import Trade
from app.analytics.inputs import trades_frame
from app.analytics.returns import mwr, period_rate, simple_return, twr, twr_index
from app.analytics.valuation import portfolio_valuation
from tests.valuations import daily_of, holdings_of

pytestmark = pytest.mark.once  # pure arithmetic: no database, nothing to repeat on PostgreSQL

DAYS = pd.bdate_range("2024-01-01", periods=4)  # Mon 1 … Thu 4 January 2024


def trade(day, kind, qty, price=0.0, fees=0.0, ticker="AAA", currency="USD"):
    return {"ticker": ticker, "type": kind, "trade_date": pd.Timestamp(day).date(), "quantity": qty,
            "price": price, "fees": fees, "currency": currency}


def frame(*rows):
    return pd.DataFrame(list(rows))


def closes(**columns):
    return pd.DataFrame(columns, index=DAYS[: len(next(iter(columns.values())))], dtype=float)


def test_one_buy_and_no_flows():
    # 10 shares at 100; closes 100, 105, 110, 120 → values 1000, 1050, 1100, 1200.
    daily = daily_of(frame(trade(DAYS[0], "BUY", 10, 100)), closes(AAA=[100, 105, 110, 120]))
    assert daily["value"].tolist() == [1000, 1050, 1100, 1200]
    assert daily["flow_in"].tolist() == [1000, 0, 0, 0]
    assert daily["net_invested"].tolist() == [1000] * 4
    assert twr(daily) == pytest.approx(0.20)  # 1200 / 1000 − 1
    assert simple_return(daily) == pytest.approx(0.20)  # profit 200 ÷ capital 1000
    # XIRR of −1000 then +1200 three days later, brought back to those 3 days, is 20 %.
    assert period_rate(mwr(daily), 3) == pytest.approx(0.20)
    assert twr_index(daily).tolist() == pytest.approx([100, 105, 110, 120])


def test_a_deposit_halfway_through():
    # Day 0: buy 10 at 100, V = 1000. Day 1: close 110, V = 1100 (r = 10 %).
    # Day 2: buy 10 at 110 (yesterday's close), In = 1100; close 121, V = 20 × 121 = 2420:
    #        r = 2420 / (1100 + 1100) − 1 = 10 %. Day 3: close 133.1, V = 2662, r = 10 %.
    trades = frame(trade(DAYS[0], "BUY", 10, 100), trade(DAYS[2], "BUY", 10, 110))
    daily = daily_of(trades, closes(AAA=[100, 110, 121, 133.1]))
    assert daily["value"].tolist() == pytest.approx([1000, 1100, 2420, 2662])
    assert daily["net_invested"].tolist() == [1000, 1000, 2100, 2100]
    assert twr(daily) == pytest.approx(1.1**3 - 1)  # 33.1 %: the deposit does not change it
    assert simple_return(daily) == pytest.approx(562 / 2100)  # profit 2662 − 2100 ÷ peak capital 2100


def test_a_sale():
    # Buy 10 at 100 (V0 = 1000); day 1 close 110 (V = 1100, r = 10 %);
    # day 2 close 120, sell 5 at 120 → Out = 600, V = 600: r = (600 + 600) / 1100 − 1 = 9.0909 %;
    # day 3 close 90, V = 450: r = −25 %. TWR = 1.1 × 1.0909 × 0.75 − 1 = −10 % (the stock's 100 → 90).
    trades = frame(trade(DAYS[0], "BUY", 10, 100), trade(DAYS[2], "SELL", 5, 120))
    daily = daily_of(trades, closes(AAA=[100, 110, 120, 90]))
    assert daily["value"].tolist() == [1000, 1100, 600, 450]
    assert daily["flow_out"].tolist() == [0, 0, 600, 0]
    assert daily["net_invested"].tolist() == [1000, 1000, 400, 400]
    assert twr(daily) == pytest.approx(-0.10)
    assert simple_return(daily) == pytest.approx(0.05)  # 450 − (1000 − 600) = 50 on 1000


def test_sale_fees_reduce_proceeds_and_buy_fees_add_to_the_inflow():
    trades = frame(trade(DAYS[0], "BUY", 10, 100, fees=5), trade(DAYS[1], "SELL", 10, 100, fees=5))
    daily = daily_of(trades, closes(AAA=[100, 100]))
    assert daily["flow_in"].tolist() == [1005, 0]
    assert daily["flow_out"].tolist() == [0, 995]


SPLIT_DAYS = pd.bdate_range("2024-06-03", periods=4)  # the split's ex-date is SPLIT_DAYS[2]
SPLIT_CLOSES = pd.DataFrame({"AAPL": [100.0, 105.0, 110.0, 120.0]}, index=SPLIT_DAYS)  # Yahoo: split-adjusted


@pytest.mark.parametrize("source", ["stored", "user", "both"])
def test_a_four_for_one_split_between_a_buy_and_today(source):
    # 10 shares bought at 400 before a 4:1 split are 40 shares at 100 in Yahoo's adjusted closes:
    # V = 40 × 100 = 4000 on the buy day (= 10 × 400 paid), 40 × 120 = 4800 today; TWR = 20 %.
    rows = [trade(SPLIT_DAYS[0], "BUY", 10, 400, ticker="AAPL")]
    stored = pd.DataFrame({"ticker": ["AAPL"], "date": [SPLIT_DAYS[2]], "ratio": [4.0]})
    if source in ("user", "both"):
        rows.append(trade(SPLIT_DAYS[2], "SPLIT", 4, ticker="AAPL"))
    splits = stored if source in ("stored", "both") else None
    valuation = portfolio_valuation(frame(*rows), SPLIT_CLOSES, splits, None, {"AAPL": "USD"}, None)
    assert valuation.quantities["AAPL"].tolist() == [40, 40, 40, 40]  # never 160: the split counts once
    assert valuation.daily["value"].tolist() == [4000, 4200, 4400, 4800]
    assert valuation.daily["flow_in"].iloc[0] == 4000
    assert twr(valuation.daily) == pytest.approx(0.20)


def test_stored_splits_win_over_a_user_split_on_another_date():
    rows = [trade(SPLIT_DAYS[0], "BUY", 10, 400, ticker="AAPL"), trade(SPLIT_DAYS[3], "SPLIT", 4, ticker="AAPL")]
    stored = pd.DataFrame({"ticker": ["AAPL"], "date": [SPLIT_DAYS[2]], "value": [4.0]})
    valuation = portfolio_valuation(frame(*rows), SPLIT_CLOSES, stored, None, {}, None)
    assert valuation.quantities["AAPL"].iloc[-1] == 40


def test_a_buy_on_or_after_the_split_is_not_multiplied():
    # 10 at 400 before the split (→ 40) and 5 at 110 on the ex-date (already post-split): 45 shares.
    rows = [trade(SPLIT_DAYS[0], "BUY", 10, 400, ticker="AAPL"), trade(SPLIT_DAYS[2], "BUY", 5, 110, ticker="AAPL")]
    stored = pd.DataFrame({"ticker": ["AAPL"], "date": [SPLIT_DAYS[2]], "ratio": [4.0]})
    valuation = portfolio_valuation(frame(*rows), SPLIT_CLOSES, stored, None, {}, None)
    assert valuation.quantities["AAPL"].tolist() == [40, 40, 45, 45]
    assert valuation.daily["value"].iloc[-1] == 45 * 120


def test_before_the_first_close_a_split_holding_is_valued_at_a_quarter_of_its_cost_per_share():
    # No close yet on the buy day: 40 shares at 400 / 4 = 100 → 4000, then the closes take over.
    prices = SPLIT_CLOSES.copy()
    prices.iloc[0, 0] = np.nan
    stored = pd.DataFrame({"ticker": ["AAPL"], "date": [SPLIT_DAYS[2]], "ratio": [4.0]})
    valuation = portfolio_valuation(frame(trade(SPLIT_DAYS[0], "BUY", 10, 400, ticker="AAPL")), prices, stored,
                                    None, {}, None)
    assert valuation.daily["value"].tolist() == [4000, 4200, 4400, 4800]
    assert valuation.unpriced == ["AAPL"]


def test_a_dividend_from_yahoo_events_for_the_shares_held_on_the_ex_date():
    # 10 shares at 100; 1.00 per share goes ex on day 2 and the close drops 100 → 99.
    # Cash = 10 × 1.00 = 10 on day 2; r2 = (990 + 10) / 1000 − 1 = 0; the 5 shares bought on the ex-date get nothing.
    trades = frame(trade(DAYS[0], "BUY", 10, 100), trade(DAYS[2], "BUY", 5, 100))
    events = pd.DataFrame({"ticker": ["AAA"], "date": [DAYS[2]], "amount": [1.0]})
    daily = daily_of(trades, closes(AAA=[100, 100, 99, 99]), None, events, {"AAA": "USD"}, None)
    assert daily["dividends"].tolist() == [0, 0, 10, 0]
    assert daily["income"].tolist() == [0, 0, 10, 0]
    assert daily["value"].tolist() == [1000, 1000, 15 * 99, 15 * 99]
    # Day 2: (1485 + 10) / (1000 + 500) − 1 = −1/300: the 5 new shares bought at 100 closed at 99.
    assert twr(daily) == pytest.approx(1495 / 1500 - 1)


def test_an_imported_dividend_replaces_yahoos_never_both():
    # The broker's row (paid day 3, 10 × 1.00) is used; Yahoo's ex-date event is ignored for this ticker.
    # r2 = 990 / 1000 − 1 = −1 %, r3 = (990 + 10) / 990 − 1 = +1.0101 %: TWR = 0, as with the ex-date cash.
    trades = frame(trade(DAYS[0], "BUY", 10, 100), trade(DAYS[3], "DIVIDEND", 10, 1.0))
    events = pd.DataFrame({"ticker": ["AAA"], "date": [DAYS[2]], "amount": [1.0]})
    daily = daily_of(trades, closes(AAA=[100, 100, 99, 99]), None, events, {"AAA": "USD"}, None)
    assert daily["dividends"].tolist() == [0, 0, 0, 10]
    assert daily["dividends"].sum() == 10
    assert twr(daily) == pytest.approx(0.0)
    # The money-weighted view: −1000, then +10 and the 990 left.
    assert mwr(daily) == pytest.approx(0.0, abs=1e-9)


def test_a_fee_row_is_money_the_owner_pays():
    trades = frame(trade(DAYS[0], "BUY", 10, 100), trade(DAYS[1], "FEE", 1, 5))
    daily = daily_of(trades, closes(AAA=[100, 100]))
    assert daily["fees"].tolist() == [0, 5]
    assert daily["income"].tolist() == [0, -5]
    assert twr(daily) == pytest.approx(-0.005)  # (1000 − 5) / 1000 − 1


def test_a_holding_in_eur():
    # 10 SAP at 100 EUR; EURUSD 1.10 then 1.20 with the price unchanged:
    # In = 10 × 100 × 1.10 = 1100 USD; V = 1100 then 1200; the return is all currency: 1200 / 1100 − 1.
    fx = pd.DataFrame({"EURUSD=X": [1.10, 1.20]}, index=DAYS[:2])
    trades = frame(trade(DAYS[0], "BUY", 10, 100, ticker="SAP.DE", currency="EUR"))
    daily = daily_of(trades, closes(**{"SAP.DE": [100, 100]}), None, None, {"SAP.DE": "EUR"}, fx)
    assert daily["flow_in"].iloc[0] == pytest.approx(1100)
    assert daily["value"].tolist() == pytest.approx([1100, 1200])
    assert twr(daily) == pytest.approx(1200 / 1100 - 1)


@pytest.mark.parametrize(("currency", "price"), [("GBP", 70.0), ("GBp", 7000.0)])
def test_a_holding_in_pence(currency, price):
    # VOD.L is quoted in GBp: a close of 7000 is £70.00; GBPUSD 1.25 → 10 × 70 × 1.25 = 875 USD,
    # whether the broker wrote the price in pounds (GBP) or in pence (GBp).
    fx = pd.DataFrame({"GBPUSD=X": [1.25, 1.25]}, index=DAYS[:2])
    trades = frame(trade(DAYS[0], "BUY", 10, price, ticker="VOD.L", currency=currency))
    valuation = portfolio_valuation(trades, closes(**{"VOD.L": [7000, 7700]}), None, None, {"VOD.L": "GBp"}, fx)
    assert valuation.daily["flow_in"].iloc[0] == pytest.approx(875)
    assert valuation.daily["value"].tolist() == pytest.approx([875, 962.5])  # 7700 p = £77 → 962.50 USD
    assert valuation.holdings["VOD.L"].iloc[-1] == pytest.approx(962.5)


def test_a_usd_holding_in_a_eur_portfolio_uses_the_inverse_pair_when_only_it_is_there():
    # Only EURUSD=X (1.25) is at hand: 1 USD = 1 / 1.25 = 0.8 EUR, so 10 × 100 USD = 800 EUR.
    fx = pd.DataFrame({"EURUSD=X": [1.25, 1.25]}, index=DAYS[:2])
    daily = daily_of(frame(trade(DAYS[0], "BUY", 10, 100)), closes(AAA=[100, 100]), None, None,
                            {"AAA": "USD"}, fx, base_currency="EUR")
    assert daily["value"].tolist() == pytest.approx([800, 800])


def test_a_missing_fx_pair_is_named():
    with pytest.raises(FxMissingError, match="EURUSD=X") as caught:
        daily_of(frame(trade(DAYS[0], "BUY", 1, 100, ticker="SAP.DE", currency="EUR")),
                        closes(**{"SAP.DE": [100, 100]}), None, None, {"SAP.DE": "EUR"}, None)
    assert caught.value.pairs == ["EURUSD=X"]


def test_fx_pairs_needed():
    currencies = {"AAPL": "USD", "SAP.DE": "EUR", "VOD.L": "GBp", "BP.L": "GBp", "SHEL.L": "GBP"}
    assert fx_pairs_needed(currencies, "USD") == ["EURUSD=X", "GBPUSD=X"]
    assert fx_pairs_needed(currencies, "EUR") == ["GBPEUR=X", "USDEUR=X"]
    assert fx_pairs_needed({"AAPL": "USD"}, "USD") == []


def test_to_base_converts_benchmarks_for_a_eur_portfolio():
    prices = pd.DataFrame({"SPY": [500.0, 510.0]}, index=DAYS[:2])
    fx = pd.DataFrame({"USDEUR=X": [0.9, 0.8]}, index=DAYS[:2])
    assert to_base(prices, {"SPY": "USD"}, fx, "EUR")["SPY"].tolist() == pytest.approx([450, 408])


def test_holidays_are_carried_forward_and_nothing_is_back_filled():
    # BBB did not trade on day 1 (NaN): its day-0 close carries over. CCC's history starts on day 2:
    # before that it is valued at its trade price (50), never at a later close.
    prices = pd.DataFrame({"BBB": [10, np.nan, 12, 12], "CCC": [np.nan, np.nan, 60, 60]}, index=DAYS, dtype=float)
    trades = frame(trade(DAYS[0], "BUY", 1, 10, ticker="BBB"), trade(DAYS[0], "BUY", 1, 50, ticker="CCC"))
    values = holdings_of(trades, prices, None, None, {}, None)
    assert values["BBB"].tolist() == [10, 10, 12, 12]
    assert values["CCC"].tolist() == [50, 50, 60, 60]


def test_a_weekend_trade_counts_on_the_next_trading_day_and_a_trade_after_the_last_close_still_counts():
    days = pd.bdate_range("2024-01-01", periods=6)  # Mon 1 … Mon 8 January
    prices = pd.DataFrame({"AAA": [100.0] * 6}, index=days)
    trades = frame(trade("2024-01-01", "BUY", 1, 100), trade("2024-01-06", "BUY", 1, 100),  # a Saturday
                   trade("2024-01-10", "BUY", 1, 100))  # after the last close
    daily = daily_of(trades, prices)
    assert daily.loc["2024-01-08", "flow_in"] == 100
    assert pd.Timestamp("2024-01-06") not in daily.index
    assert daily.index[-1] == pd.Timestamp("2024-01-10")
    assert daily["value"].iloc[-1] == 300  # the last close carried forward


def test_trades_older_than_the_price_history_count_on_their_own_day():
    # Prices start on 3 January; the buy was on 28 December at 90: it is valued at 90 until the first close.
    daily = daily_of(frame(trade("2023-12-28", "BUY", 1, 90)), closes(AAA=[100, 100, 110, 120]).iloc[2:])
    assert list(daily.index) == [pd.Timestamp("2023-12-28"), DAYS[2], DAYS[3]]
    assert daily["value"].tolist() == [90, 110, 120]


def test_start_and_end_cut_the_frame_but_keep_the_history_before_it():
    trades = frame(trade(DAYS[0], "BUY", 10, 100), trade(DAYS[2], "BUY", 10, 110))
    daily = daily_of(trades, closes(AAA=[100, 110, 121, 133.1]), start=DAYS[1], end=DAYS[2])
    assert list(daily.index) == [DAYS[1], DAYS[2]]
    assert daily["prev_value"].tolist() == [1000, 1100]
    assert daily["net_invested"].tolist() == [1000, 2100]


def test_holdings_trade_objects_and_decimals_are_accepted():
    trades = trades_frame([Trade("AAA", "BUY", date(2024, 1, 1), Decimal("10"), Decimal("100"), Decimal("1"))])
    daily = daily_of(trades, closes(AAA=[100, 101]))
    assert daily["flow_in"].iloc[0] == 1001
    assert daily["value"].iloc[-1] == 1010


def test_no_trades_gives_an_empty_frame():
    assert daily_of(frame(), closes(AAA=[1, 2])).empty
    assert daily_of(None, None).empty
