"""Pure income, projection, lots and allocation arithmetic, against figures worked out by hand."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from app.analytics.allocation import Position, allocation
from app.analytics.holdings import Trade, compute_holdings
from app.analytics.income import in_base, income_events, shares_before, trailing_totals, unentered
from app.analytics.inputs import normalize_trades
from app.analytics.lots import AVERAGE, FIFO, by_tax_year, long_term, realized_sales
from app.analytics.projection import Payer, payments_a_year, per_share_history, project, split_specials

TODAY = date(2026, 11, 17)


def trade(ticker, kind, day, quantity, price=0, fees=0, currency="USD", order=0):
    return Trade(ticker=ticker, type=kind, trade_date=day, quantity=Decimal(str(quantity)), price=Decimal(str(price)),
                 fees=Decimal(str(fees)), currency=currency, order=order)


def frame(rows, columns=("ticker", "date", "value")):
    out = pd.DataFrame(rows, columns=list(columns))
    out["date"] = pd.to_datetime(out["date"])
    return out


# -- shares held on each ex-date ----------------------------------------------------------------------

def test_shares_on_an_ex_date_leave_out_a_buy_that_day_keep_a_sell_that_day_in_todays_split_units():
    trades = normalize_trades([
        trade("QPAY", "BUY", date(2026, 1, 5), 100), trade("QPAY", "BUY", date(2026, 3, 10), 50),
        trade("QPAY", "SELL", date(2026, 6, 10), 30),
    ])
    splits = frame([("QPAY", "2026-04-01", 2.0)], ("ticker", "date", "ratio"))
    held = shares_before(trades, ["QPAY"] * 4, [date(2026, 3, 10), date(2026, 3, 11), date(2026, 6, 10),
                                                 date(2026, 6, 11)], splits)
    # 100 then 150 bought before the 2:1 split (200 and 300 in today's units); 30 sold after it.
    assert list(held) == [200.0, 300.0, 300.0, 270.0]


def test_entered_dividends_win_for_their_ticker_yahoo_pays_the_others_and_nothing_before_the_first_buy():
    trades = [trade("AAA", "BUY", date(2026, 1, 5), 10), trade("BBB", "BUY", date(2026, 1, 5), 20),
              trade("AAA", "DIVIDEND", date(2026, 3, 20), 1, 7.5)]
    dividends = frame([("AAA", "2026-03-10", 0.5), ("BBB", "2025-12-10", 0.4), ("BBB", "2026-03-10", 0.4)],
                      ("ticker", "date", "amount"))
    events = income_events(trades, dividends, currencies={"AAA": "USD", "BBB": "USD"}, end=TODAY)
    assert list(zip(events["ticker"], events["source"], events["amount"], strict=True)) == [
        ("BBB", "yahoo", 8.0), ("AAA", "entered", 7.5)]  # AAA's Yahoo event is not counted twice
    assert events.loc[events["ticker"] == "AAA", "per_share"].item() == pytest.approx(0.75)


def test_yahoo_dividends_after_the_last_entered_one_are_counted_to_say_so():
    trades = [trade("AAA", "BUY", date(2026, 1, 5), 10), trade("AAA", "DIVIDEND", date(2026, 3, 20), 1, 7.5),
              trade("AAA", "SELL", date(2026, 9, 1), 10, 20)]
    dividends = frame([("AAA", d, 0.5) for d in ("2026-03-10", "2026-06-10", "2026-09-10")],
                      ("ticker", "date", "amount"))
    events = income_events(trades, dividends, end=TODAY)
    # 10 June counts; 10 March was entered (paid on the 20th), and by 10 September nothing was held.
    assert unentered(events, dividends, trades, end=TODAY) == {"AAA": (1, date(2026, 3, 20))}


def test_pence_convert_through_the_pound_rate_and_trailing_counts_the_last_365_days():
    trades = [trade("VOD.L", "BUY", date(2025, 1, 6), 1000, 0.7, currency="GBP")]
    dividends = frame([("VOD.L", "2025-07-01", 4.4), ("VOD.L", "2026-02-02", 4.5), ("VOD.L", "2026-07-01", 4.5)],
                      ("ticker", "date", "amount"))
    events = income_events(trades, dividends, currencies={"VOD.L": "GBp"}, end=TODAY)
    fx = pd.DataFrame({"GBPUSD=X": [1.25] * 3}, index=pd.to_datetime(["2025-01-02", "2025-07-01", "2026-07-01"]))
    events = in_base(events, fx, "USD")
    assert list(events["amount_base"]) == pytest.approx([1000 * 4.4 / 100 * 1.25, 56.25, 56.25])
    assert trailing_totals(events, TODAY) == {"VOD.L": pytest.approx(112.5)}


# -- the projection -------------------------------------------------------------------------------------

def quarterly(ticker, amount, dates, currency="USD"):
    return [(ticker, d, amount, currency) for d in dates]


def history(rows):
    out = pd.DataFrame(rows, columns=["ticker", "date", "per_share", "currency"])
    out["date"] = pd.to_datetime(out["date"])
    return out


QUARTERS = ["2025-03-10", "2025-06-10", "2025-09-10", "2025-12-10", "2026-03-10", "2026-06-10", "2026-09-10"]


def test_a_special_dividend_is_left_out_of_the_projection_and_said_so():
    rows = history(quarterly("QPAY", 0.5, QUARTERS) + [("QPAY", "2026-07-01", 3.0, "USD")])
    regular, specials = split_specials(rows, TODAY)
    assert list(specials["per_share"]) == [3.0] and len(regular) == 7
    result = project([Payer("QPAY", 150)], rows, {"USD": 1.0}, TODAY)
    assert [(e.date, e.amount) for e in result.entries] == [
        (date(2026, 12, 10), 75.0), (date(2027, 3, 10), 75.0), (date(2027, 6, 10), 75.0), (date(2027, 9, 10), 75.0)]
    assert result.total == 300.0 and result.specials == [("QPAY", date(2026, 7, 1), 3.0, "USD")]


def test_a_monthly_payer_expects_twelve_payments_and_one_that_stopped_expects_none():
    months = [d.date().isoformat() for d in pd.date_range("2024-12-05", "2026-11-05", freq="MS") + pd.Timedelta(days=4)]
    rows = history(quarterly("MPAY", 0.1, months) + quarterly("STOP", 0.4, ["2025-03-10", "2025-06-10"]))
    assert payments_a_year(rows.loc[rows["ticker"] == "MPAY", "date"]) == 12
    result = project([Payer("MPAY", 200), Payer("STOP", 100)], rows, {"USD": 1.0}, TODAY)
    assert len(result.entries) == 12 and result.total == pytest.approx(240.0)
    assert {e.ticker for e in result.entries} == {"MPAY"}
    assert result.stopped == [("STOP", date(2025, 6, 10))]


def test_a_declared_rate_in_pounds_is_read_against_payments_in_pence():
    rows = history(quarterly("VOD.L", 4.4, ["2025-07-01"], "GBp")
                   + quarterly("VOD.L", 4.6, ["2026-02-02", "2026-07-01"], "GBp"))
    # Yahoo's declared 0.095 a year is in pounds; the payments are in pence (4.6 + 4.6 = 9.2 a year).
    result = project([Payer("VOD.L", 1000, declared=0.095)], rows, {"GBp": 0.0125}, TODAY)
    assert [(e.date, e.basis) for e in result.entries] == [(date(2027, 2, 2), "declared rate"),
                                                          (date(2027, 7, 1), "declared rate")]
    assert [e.per_share for e in result.entries] == pytest.approx([4.75, 4.75])
    assert result.total == pytest.approx(2 * 4.75 * 1000 * 0.0125)


def test_a_declared_rate_far_from_the_payments_is_not_trusted_and_an_announced_ex_date_is_used():
    rows = history(quarterly("QPAY", 0.5, QUARTERS))
    result = project([Payer("QPAY", 10, declared=40.0, announced=date(2026, 12, 2))], rows, {"USD": 1.0}, TODAY)
    assert all(e.basis == "last 12 months" for e in result.entries) and "far from its payments" in result.notes[0]
    assert (result.entries[0].date, result.entries[0].announced) == (date(2026, 12, 2), True)
    assert result.total == pytest.approx(20.0)


def test_per_share_history_from_entered_dividends_is_in_todays_split_units():
    trades = [trade("USRS", "BUY", date(2025, 1, 6), 100), trade("USRS", "DIVIDEND", date(2026, 3, 2), 1, 100),
              trade("USRS", "SPLIT", date(2026, 5, 1), 2), trade("USRS", "DIVIDEND", date(2026, 6, 1), 1, 100)]
    events = income_events(trades, end=TODAY)
    rows = per_share_history(events)
    assert list(rows["per_share"]) == [0.5, 0.5]  # $100 on 100 shares before a 2:1 split is 0.5 a share today
    result = project([Payer("USRS", 200)], rows, {"USD": 1.0}, TODAY)
    assert result.total == pytest.approx(400.0) and len(result.entries) == 4


# -- realized gains: FIFO against average cost, three lots by hand -----------------------------------------

THREE_LOTS = [
    trade("ABC", "BUY", date(2022, 1, 10), 10, 10, order=1),
    trade("ABC", "BUY", date(2022, 6, 10), 10, 20, order=2),
    trade("ABC", "SELL", date(2023, 2, 1), 15, 40, order=3),
    trade("ABC", "BUY", date(2023, 3, 1), 10, 30, order=4),
    trade("ABC", "SELL", date(2024, 1, 15), 10, 50, order=5),
]


@pytest.mark.parametrize(("method", "rows", "years", "realized", "cost_left"), [
    (FIFO,
     # 1st sale: lot 1 whole (10 × 10, held over a year), 5 of lot 2 (5 × 20); 2nd: lot 2's last 5 and 5 of lot 3.
     [(date(2023, 2, 1), "long", 10, 400, 100), (date(2023, 2, 1), "short", 5, 200, 100),
      (date(2024, 1, 15), "long", 5, 250, 100), (date(2024, 1, 15), "short", 5, 250, 150)],
     {2023: 400, 2024: 250}, 650, 150),
    (AVERAGE,
     # 1st sale at the average of 300 / 20 = 15; then 5 left at 15 and 10 bought at 30: 375 / 15 = 25.
     [(date(2023, 2, 1), "long", 10, 400, 150), (date(2023, 2, 1), "short", 5, 200, 75),
      (date(2024, 1, 15), "long", 5, 250, 125), (date(2024, 1, 15), "short", 5, 250, 125)],
     {2023: 375, 2024: 250}, 625, 125),
])
def test_fifo_against_average_cost_on_three_lots(method, rows, years, realized, cost_left):
    sales, problems = realized_sales(THREE_LOTS, method)
    assert problems == []
    assert [(s.sold, s.term, s.quantity, s.proceeds, s.cost) for s in sales] == [
        (d, t, pytest.approx(q), pytest.approx(p), pytest.approx(c)) for d, t, q, p, c in rows]
    assert {y: v["gain"] for y, v in by_tax_year(sales).items()} == {y: pytest.approx(v) for y, v in years.items()}
    holding = compute_holdings(THREE_LOTS, method)["ABC"]  # the dashboard counts the same way
    assert (holding.realized_gain, holding.cost_basis, holding.quantity) == (realized, cost_left, 5)


def test_a_split_scales_the_lots_and_a_year_to_the_day_is_still_short_term():
    trades = [trade("SPL", "BUY", date(2024, 1, 10), 10, 100, fees=2), trade("SPL", "SPLIT", date(2024, 6, 3), 4),
              trade("SPL", "SELL", date(2025, 1, 10), 40, 30, fees=1)]
    [sale], _ = realized_sales(trades, FIFO)
    assert (sale.quantity, sale.cost, sale.proceeds, sale.term) == (40, 1002, 1199, "short")
    assert not long_term(date(2024, 1, 10), date(2025, 1, 10)) and long_term(date(2024, 1, 10), date(2025, 1, 11))
    assert long_term(date(2024, 2, 29), date(2025, 3, 1)) and not long_term(date(2024, 2, 29), date(2025, 2, 28))


def test_sales_in_another_currency_take_each_days_rate():
    trades = [trade("SAP.DE", "BUY", date(2024, 1, 2), 10, 100, currency="EUR"),
              trade("SAP.DE", "SELL", date(2024, 7, 1), 10, 120, currency="EUR")]
    fx = pd.DataFrame({"EURUSD=X": [1.10, 1.20]}, index=pd.to_datetime(["2024-01-02", "2024-07-01"]))
    [sale], _ = realized_sales(trades, AVERAGE, fx, "USD")
    assert (sale.cost, sale.proceeds) == (pytest.approx(1100), pytest.approx(1440))


# -- allocation ---------------------------------------------------------------------------------------------

def test_allocation_of_stocks_etfs_a_fund_without_sectors_and_two_currencies():
    result = allocation([
        Position("AAPL", 600, "equity", "Technology", "United States", "USD"),
        Position("SAP.DE", 200, "equity", "Technology", "Germany", "EUR"),
        Position("SPY", 150, "etf", currency="USD", fund_sectors={"Technology": 0.3, "Healthcare": 0.1}),
        Position("VFIAX", 50, "fund", currency="USD"),
        Position("NEW", 0, "equity"),  # nothing held: no slice
    ])

    def table(key):
        return [(s["name"], s["value"], pytest.approx(s["weight"])) for s in result[key]]

    assert table("by_class") == [("Equity", 800, 0.8), ("ETF", 150, 0.15), ("Fund", 50, 0.05)]
    assert table("by_sector") == [("Technology", 800, 0.8), ("SPY", 150, 0.15), ("VFIAX", 50, 0.05)]
    assert table("by_country") == [("United States", 600, 0.6), ("Germany", 200, 0.2), ("SPY", 150, 0.15),
                                   ("VFIAX", 50, 0.05)]
    assert table("by_currency") == [("USD", 800, 0.8), ("EUR", 200, 0.2)]
    spy, vfiax = result["by_sector"][1], result["by_sector"][2]
    assert spy["fund"] and spy["sectors"] == [{"name": "Technology", "weight": 0.3},
                                              {"name": "Healthcare", "weight": 0.1}]
    assert vfiax["fund"] and vfiax["sectors"] == []  # Yahoo gives none: shown as unknown
    assert "fund" not in result["by_sector"][0]
    assert table("through_funds") == [("Technology", pytest.approx(845), pytest.approx(0.845)),
                                      ("Unknown", pytest.approx(140), pytest.approx(0.14)),
                                      ("Healthcare", pytest.approx(15), pytest.approx(0.015))]
