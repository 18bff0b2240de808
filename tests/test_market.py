"""Freshness follows the exchange's calendar: open hours, closes, weekends, holidays, early closes."""

from datetime import date, datetime

import pytest

from app.prices import market

TTL = 60


@pytest.mark.parametrize(
    ("fetched_at", "until"),
    [
        # Open Tuesday: fresh for the TTL.
        (datetime(2026, 11, 17, 16, 0), datetime(2026, 11, 17, 16, 1)),
        # Thirty seconds before the 16:00 ET close: the TTL still applies.
        (datetime(2026, 11, 17, 20, 59, 30), datetime(2026, 11, 17, 21, 0, 30)),
        # After Tuesday's close: fresh until Wednesday's open at 09:30 ET.
        (datetime(2026, 11, 17, 22, 0), datetime(2026, 11, 18, 14, 30)),
        # Wednesday evening: Thursday is Thanksgiving (closed), so fresh until Friday's open.
        (datetime(2026, 11, 25, 22, 0), datetime(2026, 11, 27, 14, 30)),
        # Thanksgiving itself.
        (datetime(2026, 11, 26, 15, 0), datetime(2026, 11, 27, 14, 30)),
        # Day after Thanksgiving closes at 13:00 ET (18:00 UTC); after that, fresh over the weekend.
        (datetime(2026, 11, 27, 18, 30), datetime(2026, 11, 30, 14, 30)),
        # Saturday.
        (datetime(2026, 11, 28, 12, 0), datetime(2026, 11, 30, 14, 30)),
    ],
)
def test_us_quote_fresh_until(fetched_at, until):
    assert market.fresh_until("AAPL", fetched_at, TTL) == until


def test_early_close_day_is_open_before_13_and_closed_after():
    assert market.is_open("SPY", datetime(2026, 11, 27, 17, 59))
    assert not market.is_open("SPY", datetime(2026, 11, 27, 18, 1))
    # A long TTL never reaches past the (early) close: the closing price must be fetched once.
    assert market.fresh_until("SPY", datetime(2026, 11, 27, 17, 50), 3600) == datetime(2026, 11, 27, 18, 1)
    assert market.fresh_until("SPY", datetime(2026, 11, 17, 20, 50), 3600) == datetime(2026, 11, 17, 21, 1)


def test_other_exchanges_use_their_own_calendar():
    assert market.calendar_code("VOD.L") == "XLON"
    assert market.calendar_code("SAP.DE") == "XETR"
    assert market.calendar_code("RY.TO") == "XTSE"
    assert market.calendar_code("EURUSD=X") == "24/5"
    assert market.calendar_code("BRK-B") == "XNYS"
    # London is open on US Thanksgiving morning; New York is not.
    assert market.is_open("VOD.L", datetime(2026, 11, 26, 10, 0))
    assert not market.is_open("AAPL", datetime(2026, 11, 26, 15, 0))


def test_last_complete_session():
    assert market.last_complete_session("AAPL", datetime(2026, 11, 17, 16, 0)) == date(2026, 11, 16)
    assert market.last_complete_session("AAPL", datetime(2026, 11, 17, 22, 0)) == date(2026, 11, 17)
    assert market.last_complete_session("AAPL", datetime(2026, 11, 26, 15, 0)) == date(2026, 11, 25)
    assert market.last_complete_session("AAPL", datetime(2026, 11, 29, 15, 0)) == date(2026, 11, 27)
