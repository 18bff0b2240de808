"""The bar upsert: every bar lands, older fetches never overwrite newer ones, and it says which tickers changed."""

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import String, select

from app.extensions import db
from app.models import PriceBar
from app.prices import store

FIRST = date(2021, 1, 4)


def frame(days, close, volume=1000, start=FIRST):
    index = pd.DatetimeIndex([start + timedelta(days=i) for i in range(days)], name="date")
    return pd.DataFrame({"close": close, "adj_close": close * 0.9, "volume": volume}, index=index, dtype="float64")


def stored(ticker):
    rows = db.session.execute(select(PriceBar.date, PriceBar.close, PriceBar.adj_close, PriceBar.volume,
                                     PriceBar.fetched_at).where(PriceBar.ticker == ticker).order_by(PriceBar.date))
    return rows.all()


@pytest.mark.parametrize("days", [1, 7, 1300])
def test_every_bar_lands_with_its_values(app, days):
    fetched = datetime(2026, 11, 20, 22, 0)
    rows = store.bar_rows("ABC", frame(days, 10.0 + pd.Series(range(days), dtype="float64").to_numpy()), fetched)
    assert store.upsert_bars(rows) == {"ABC"}
    db.session.commit()
    bars = stored("ABC")
    assert len(bars) == days
    assert bars[0] == (FIRST, 10.0, 9.0, 1000, fetched)
    assert bars[-1][:4] == (FIRST + timedelta(days=days - 1), 10.0 + days - 1, pytest.approx((10.0 + days - 1) * 0.9),
                            1000)


def test_an_older_fetch_never_overwrites_a_newer_one(app):
    newer, older = datetime(2026, 11, 20, 22, 0), datetime(2026, 11, 20, 21, 0)
    store.upsert_bars(store.bar_rows("ABC", frame(600, 20.0), newer))
    store.upsert_bars(store.bar_rows("ABC", frame(600, 19.0), older))
    db.session.commit()
    assert {row.close for row in stored("ABC")} == {20.0}
    store.upsert_bars(store.bar_rows("ABC", frame(3, 21.0), newer + timedelta(minutes=5)))
    db.session.commit()
    closes = [row.close for row in stored("ABC")]
    assert closes[:3] == [21.0] * 3 and set(closes[3:]) == {20.0}


def test_a_day_twice_in_one_fetch_is_written_once_with_the_last_value(app):
    bars = pd.concat([frame(3, 5.0), frame(1, 6.0, start=FIRST + timedelta(days=2))])
    store.upsert_bars(store.bar_rows("ABC", bars, datetime(2026, 11, 20)))
    db.session.commit()
    assert [row.close for row in stored("ABC")] == [5.0, 5.0, 6.0]


def test_bars_out_of_order_with_times_of_day_keep_each_days_last_bar_in_the_given_order():
    stamps = pd.DatetimeIndex(["2026-01-06 10:00", "2026-01-05 16:00", "2026-01-06 16:00", "2026-01-05 23:30"],
                              tz="America/New_York")  # 23:30 New York is the next day in UTC: still the 5th
    bars = pd.DataFrame({"close": [1.0, 2.0, 3.0, 4.0], "adj_close": [1.0, 2.0, float("nan"), 4.0],
                         "volume": [10.0, 20.0, 30.0, 40.0]}, index=stamps)
    rows = store.bar_rows("ABC", bars, datetime(2026, 11, 20))
    assert sorted((day, close, adj, volume) for _, day, close, adj, volume, _ in rows) == [
        (date(2026, 1, 5), 4.0, 4.0, 40), (date(2026, 1, 6), 3.0, 3.0, 30)]
    assert all(type(day) is date for _, day, *_ in rows)


def test_days_without_a_close_and_missing_volumes(app):
    bars = frame(4, 5.0)
    bars.iloc[1, 0] = float("nan")
    bars.iloc[2, 2] = float("nan")
    store.upsert_bars(store.bar_rows("ABC", bars, datetime(2026, 11, 20)))
    db.session.commit()
    assert [(row.date, row.volume) for row in stored("ABC")] == [
        (FIRST, 1000), (FIRST + timedelta(days=2), None), (FIRST + timedelta(days=3), 1000)]


def test_infinite_values_are_left_out_like_missing_ones(app):
    bars = frame(3, 5.0)
    bars.iloc[0, 0] = float("inf")  # no close: no bar
    bars.iloc[1, 1] = float("-inf")  # no adjusted close: the close stands in
    bars.iloc[2, 2] = float("inf")  # no volume
    store.upsert_bars(store.bar_rows("ABC", bars, datetime(2026, 11, 20)))
    db.session.commit()
    assert [(row.date, row.close, row.adj_close, row.volume) for row in stored("ABC")] == [
        (FIRST + timedelta(days=1), 5.0, 5.0, 1000), (FIRST + timedelta(days=2), 5.0, 4.5, None)]

def test_upserted_times_compare_with_times_the_orm_wrote(app):
    # The upsert converts values itself: they must match what SQLAlchemy stores, or "newer" compares as text wrongly.
    newer, older = datetime(2026, 11, 20, 22, 0), datetime(2026, 11, 20, 21, 0)
    db.session.add(PriceBar(ticker="ABC", date=FIRST, close=30.0, adj_close=30.0, volume=1, fetched_at=newer))
    db.session.commit()
    store.upsert_bars(store.bar_rows("ABC", frame(2, 29.0), older))
    db.session.commit()
    assert [(row.close, row.fetched_at) for row in stored("ABC")] == [(30.0, newer), (29.0, older)]
    raw = db.session.execute(select(PriceBar.__table__.c.fetched_at.cast(String))).scalars().all()
    assert len(set(map(len, raw))) == 1  # one textual form for every stored time


def test_a_day_whose_last_bar_has_no_close_keeps_the_bar_that_has_one(app):
    bars = pd.concat([frame(2, 5.0), frame(1, float("nan"), start=FIRST + timedelta(days=1))])
    bars.iloc[0, 1] = float("nan")  # no adjusted close: the close stands in
    store.upsert_bars(store.bar_rows("ABC", bars, datetime(2026, 11, 20)))
    db.session.commit()
    assert [(row.date, row.close, row.adj_close) for row in stored("ABC")] == [
        (FIRST, 5.0, 5.0), (FIRST + timedelta(days=1), 5.0, 4.5)]


def test_awkward_values_come_back_exactly(app):
    """Quotes, backslashes, commas and braces in a ticker; floats to the last digit; no volume; microseconds."""
    fetched = datetime(2026, 11, 20, 22, 0, 0, 123456)
    odd = 'A"B\\C, {D}'
    closes = [0.1 + 0.2, 1e-7, 123456789.123456789, 2.0 / 3.0]
    rows = [(odd, FIRST + timedelta(days=i), close, close / 3, None if i == 1 else 10 ** 12 + i, fetched)
            for i, close in enumerate(closes)]
    assert store.upsert_bars(rows) == {odd}
    db.session.commit()
    assert [tuple(row) for row in stored(odd)] == [(day, close, adj, volume, when)
                                                   for _, day, close, adj, volume, when in rows]


def test_the_same_prices_again_change_nothing_and_a_corrected_bar_does(app):
    first = datetime(2026, 11, 20, 22, 0)
    both = store.bar_rows("ABC", frame(10, 20.0), first) + store.bar_rows("XYZ", frame(10, 5.0), first)
    assert store.upsert_bars(both) == {"ABC", "XYZ"}
    db.session.commit()
    later = first + timedelta(minutes=5)
    assert store.upsert_bars(store.bar_rows("ABC", frame(10, 20.0), later)) == set()  # a re-fetch of the same bars
    db.session.commit()
    assert {row.fetched_at for row in stored("ABC")} == {first}  # untouched: the cached charts stay valid
    corrected = frame(10, 20.0)
    corrected.iloc[-1, 0] = 20.5  # Yahoo corrected the last close
    assert store.upsert_bars(store.bar_rows("ABC", corrected, later) + store.bar_rows("XYZ", frame(10, 5.0), later)) \
        == {"ABC"}
    db.session.commit()
    assert [row.close for row in stored("ABC")][-2:] == [20.0, 20.5]
    assert store.upsert_bars(store.bar_rows("ABC", frame(11, 20.0), later)) == {"ABC"}  # a new day, and the old value


def test_changed_events_are_told_apart_from_the_same_events_again(app):
    day = date(2024, 6, 10)
    assert store.upsert_actions("ABC", [(day, 10.0)], [(day, 0.25)]) is True
    assert store.upsert_actions("ABC", [(day, 10.0)], [(day, 0.25)]) is False
    assert store.upsert_actions("ABC", [], [(day, 0.26)]) is True
