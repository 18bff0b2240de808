"""The price tables: upsert daily bars and events, read them back as DataFrames."""

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Date, DateTime, Float, and_, bindparam, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import CorporateAction, PriceBar, Security, utcnow


def insert_for(table):
    """An INSERT that knows this database's ON CONFLICT (PostgreSQL or SQLite)."""
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


BAR_COLUMNS = ("ticker", "date", "close", "adj_close", "volume", "fetched_at")


def bar_rows(ticker, bars, fetched_at):
    """One ticker's bars as (ticker, date, close, adj_close, volume, fetched_at) tuples, days without a close out.

    One row per day (a multi-row upsert may not touch a row twice): the last bar of a day with a close
    wins. A missing adjusted close falls back to the close. Plain numpy: pandas' normalize() infers the
    index's frequency each time, which cost more than the rest of this function.
    """
    close = bars["close"].to_numpy(dtype="float64")
    valid = np.flatnonzero(np.isfinite(close))
    if not len(valid):
        return []
    index = pd.DatetimeIndex(bars.index)
    if index.tz is not None:
        index = index.tz_localize(None)  # the exchange's wall time, as the bars' days are meant
    days = index.to_numpy()[valid].astype("datetime64[D]")
    if len(days) > 1 and (days[1:] >= days[:-1]).all():
        last_of_day = np.append(days[1:] != days[:-1], True)
    else:  # unsorted: keep each day's last bar in the given order
        last_of_day = ~pd.Index(days).duplicated(keep="last")
    rows, days = valid[last_of_day], days[last_of_day]
    close = close[rows]
    adjusted = bars["adj_close"].to_numpy(dtype="float64")[rows]
    adjusted = np.where(np.isfinite(adjusted), adjusted, close)
    volume = bars["volume"].to_numpy(dtype="float64")[rows]
    volumes = [int(v) if ok else None for v, ok in zip(volume.tolist(), np.isfinite(volume).tolist(), strict=True)]
    return list(zip([ticker] * len(rows), days.astype(object).tolist(), close.tolist(), adjusted.tolist(), volumes,
                    [fetched_at] * len(rows), strict=True))


def upsert_bars(rows):
    """Write `bar_rows` tuples; return the tickers whose stored bars changed (a new day or a new value).

    A stored bar is replaced only by one fetched at the same time or later, and only when a value differs,
    so a re-fetch of the same prices changes nothing and leaves every cached computation valid.
    """
    if not rows:
        return set()
    table = PriceBar.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        statement, params = _json_insert(table, rows)
    else:
        statement, params = sqlite_insert(table), [dict(zip(BAR_COLUMNS, row, strict=True)) for row in rows]
    new = statement.excluded
    differs = or_(*(table.c[name].is_distinct_from(new[name]) for name in ("close", "adj_close", "volume")))
    statement = statement.on_conflict_do_update(
        index_elements=["ticker", "date"],
        set_={name: new[name] for name in ("close", "adj_close", "volume", "fetched_at")},
        where=and_(new.fetched_at >= table.c.fetched_at, differs),
    ).returning(table.c.ticker)
    return set(db.session.execute(statement, params).scalars())


def _json_insert(table, rows):
    """One INSERT from one JSON text for PostgreSQL: psycopg dumps array parameters element by element in
    Python, which cost the runner 1.9 ms of CPU per ticker against 0.7 ms for this (a year of bars)."""
    payload = json.dumps([[ticker, day.isoformat(), close, adjusted, volume]
                          for ticker, day, close, adjusted, volume, _ in rows], allow_nan=False)
    element = func.jsonb_array_elements(cast(bindparam("bars", payload), JSONB)).table_valued("value")
    value = element.render_derived().c.value
    fields = [value.op("->>")(i) for i in range(5)]
    columns = [fields[0], cast(fields[1], Date), cast(fields[2], Float), cast(fields[3], Float),
               cast(fields[4], BigInteger), literal(rows[0][5], DateTime)]  # one fetched_at a chunk
    return pg_insert(table).from_select(BAR_COLUMNS, select(*columns)), {}


def upsert_actions(ticker, splits, dividends):
    """Store split ratios and dividends per share by their ex-date (Yahoo's corrections win); True if any changed."""
    rows = [{"ticker": ticker, "date": d, "kind": "SPLIT", "value": float(v)} for d, v in splits]
    rows += [{"ticker": ticker, "date": d, "kind": "DIVIDEND", "value": float(v)} for d, v in dividends]
    if not rows:
        return False
    table = CorporateAction.__table__
    statement = insert_for(table)
    statement = statement.on_conflict_do_update(
        index_elements=["ticker", "date", "kind"], set_={"value": statement.excluded.value},
        where=table.c.value.is_distinct_from(statement.excluded.value),
    ).returning(table.c.ticker)
    return bool(db.session.execute(statement, rows).first())


def securities(tickers):
    """Return the Security rows for these tickers, by ticker."""
    if not tickers:
        return {}
    return {s.ticker: s for s in db.session.scalars(select(Security).where(Security.ticker.in_(list(tickers))))}


def ensure_securities(tickers):
    """Make sure every ticker has a Security row (two warm-ups may meet here), then return them by ticker."""
    if tickers:
        statement = insert_for(Security).values([{"ticker": t, "kind": "equity"} for t in dict.fromkeys(tickers)])
        db.session.execute(statement.on_conflict_do_nothing(index_elements=["ticker"]))
    return securities(tickers)


def latest_bars(tickers, count=2, today=None):
    """The last `count` bars of each ticker, newest first: recent bars first, older ones only where needed."""
    if not tickers:
        return {}
    today = today or date.today()
    found = _bars_since(tickers, today - timedelta(days=7 * count + 14), count)
    behind = [t for t in tickers if len(found.get(t, ())) < count]
    if behind:  # delisted, long suspended, or with too short a history: look further back, for these only
        newest = dict(db.session.execute(
            select(PriceBar.ticker, func.max(PriceBar.date)).where(PriceBar.ticker.in_(behind))
            .group_by(PriceBar.ticker)
        ).all())
        if newest:
            found.update(_bars_since(list(newest), min(newest.values()) - timedelta(days=7 * count + 14), count))
    return found


def _bars_since(tickers, cutoff, count):
    query = (
        select(PriceBar.ticker, PriceBar.date, PriceBar.close, PriceBar.fetched_at)
        .where(PriceBar.ticker.in_(list(tickers)), PriceBar.date >= cutoff)
        .order_by(PriceBar.ticker, PriceBar.date.desc())
    )
    found = {}
    for ticker, day, close, fetched_at in db.session.execute(query):
        rows = found.setdefault(ticker, [])
        if len(rows) < count:
            rows.append((day, close, fetched_at))
    return found


# Bars turned into Python rows at a time: a 500-ticker portfolio read whole took 275 MB as Python objects.
READ_BATCH = 20_000
EPOCH = date(1970, 1, 1)  # days are counted from it, as numpy's datetime64 counts them


def read_bars(tickers, start, end):
    """Closes and adjusted closes in [start, end] as two DataFrames (dates × tickers).

    Read straight into arrays: a large portfolio costs its two grids of floats, not a Python object per value.
    """
    columns = list(dict.fromkeys(tickers))
    read = _bar_arrays_postgres if db.session.get_bind().dialect.name == "postgresql" else _bar_arrays
    parts = read(columns, start, end) if columns else []
    if not parts:
        empty = pd.DataFrame(index=pd.DatetimeIndex([], name="date"), columns=columns, dtype=float)
        return empty, empty.copy()
    which, days, closes, adjusted = (np.concatenate(values) for values in zip(*parts, strict=True))
    index, row = np.unique(days, return_inverse=True)
    dates = pd.DatetimeIndex(index.astype("datetime64[D]").astype("datetime64[ns]"), name="date")
    grids = []
    for values in (closes, adjusted):
        grid = np.full((len(index), len(columns)), np.nan)
        grid[row, which] = values
        grids.append(pd.DataFrame(grid, index=dates, columns=pd.Index(columns, name="ticker"), copy=False))
    return grids[0], grids[1]


def _bar_arrays_postgres(columns, start, end):
    """Per ticker, its days (since 1970), closes and adjusted closes as three PostgreSQL arrays: one row each.

    Ten times less CPU than a row per bar (0.23 -> 0.02 s for 33 tickers over five years): the cold
    computation of a portfolio's charts is mostly this read. The arrays come in no particular order (the
    grid places each value by its day) but aligned, as one aggregation feeds each row to all three: sorting
    them took the server 35 ms instead of 23 for 35 tickers over five years.
    """
    day = PriceBar.date - EPOCH
    query = (
        select(PriceBar.ticker, func.array_agg(day), func.array_agg(PriceBar.close), func.array_agg(PriceBar.adj_close))
        .where(PriceBar.ticker.in_(columns), PriceBar.date >= start, PriceBar.date <= end)
        .group_by(PriceBar.ticker)
    )
    code = {ticker: i for i, ticker in enumerate(columns)}
    parts = []
    for ticker, days, closes, adjusted in db.session.connection().execute(query):
        parts.append((np.full(len(days), code[ticker]), np.array(days, np.int64), np.array(closes, float),
                      np.array(adjusted, float)))
    return parts


def _bar_arrays(columns, start, end):
    """The same from a row per bar, READ_BATCH rows at a time (SQLite)."""
    query = select(PriceBar.ticker, PriceBar.date, PriceBar.close, PriceBar.adj_close).where(
        PriceBar.ticker.in_(columns), PriceBar.date >= start, PriceBar.date <= end)
    code = {ticker: i for i, ticker in enumerate(columns)}
    parts = []
    # Core rows, not the ORM's: its per-row loading cost more than the query itself.
    for batch in db.session.connection().execute(query).partitions(READ_BATCH):
        names, days, closes, adjusted = zip(*batch, strict=True)
        parts.append((np.fromiter(map(code.__getitem__, names), np.int64, len(names)),
                      np.array(days, dtype="datetime64[D]").astype(np.int64), np.array(closes, float),
                      np.array(adjusted, float)))
    return parts


def split_events(tickers):
    """Every stored split of these tickers as (ticker, day, ratio) tuples: the dashboard needs no DataFrame."""
    if not tickers:
        return []
    query = select(CorporateAction.ticker, CorporateAction.date, CorporateAction.value).where(
        CorporateAction.ticker.in_(list(tickers)), CorporateAction.kind == "SPLIT")
    return [tuple(row) for row in db.session.execute(query)]


def read_actions(tickers, kinds=("SPLIT", "DIVIDEND")):
    """Splits (ticker, date, ratio) and dividends (ticker, date, amount) as two DataFrames (only `kinds` read)."""
    query = select(CorporateAction.ticker, CorporateAction.date, CorporateAction.kind, CorporateAction.value).where(
        CorporateAction.ticker.in_(list(tickers)), CorporateAction.kind.in_(kinds))
    frame = pd.DataFrame(db.session.execute(query).all(), columns=["ticker", "date", "kind", "value"])
    frame["date"] = pd.to_datetime(frame["date"])
    splits = frame[frame.kind == "SPLIT"].rename(columns={"value": "ratio"})[["ticker", "date", "ratio"]]
    dividends = frame[frame.kind == "DIVIDEND"].rename(columns={"value": "amount"})[["ticker", "date", "amount"]]
    return splits.reset_index(drop=True), dividends.reset_index(drop=True)


def mark_unknown(row, message):
    """Remember on the Security row that Yahoo does not know the ticker."""
    row.unknown_since = row.unknown_since or utcnow()
    row.last_error, row.last_error_at = message[:500], utcnow()


def portfolio_benchmarks():
    """Every benchmark some portfolio has chosen."""
    from app.models import Portfolio

    chosen = db.session.scalars(select(Portfolio.benchmarks).where(Portfolio.benchmarks.is_not(None)))
    return sorted({t for text in chosen for t in text.split(",") if t})


def currencies_in_use():
    """(base currency, currency) pairs the portfolios need converted: trade currencies and quote currencies."""
    from app.models import Portfolio, Transaction

    traded = select(Portfolio.base_currency, Transaction.currency).join(
        Transaction, Transaction.portfolio_id == Portfolio.id).distinct()
    quoted = select(Portfolio.base_currency, Security.currency).join(
        Transaction, Transaction.portfolio_id == Portfolio.id).join(
        Security, Security.ticker == Transaction.ticker).where(Security.currency.is_not(None)).distinct()
    return set(db.session.execute(traded).all()) | set(db.session.execute(quoted).all())


def held_tickers():
    """Every ticker held in any portfolio, most-held (by number of portfolios) first.

    Not account-level rows (no ticker) and not ISINs still waiting for their symbol (Yahoo has no chart of those).
    """
    from app.models import Transaction

    waiting = select(Security.ticker).where(Security.to_resolve.is_(True))
    query = (
        select(Transaction.ticker, func.count(func.distinct(Transaction.portfolio_id)).label("n"))
        .where(Transaction.ticker != "", Transaction.ticker.not_in(waiting))
        .group_by(Transaction.ticker)
        .order_by(func.count(func.distinct(Transaction.portfolio_id)).desc(), Transaction.ticker)
    )
    return [ticker for ticker, _ in db.session.execute(query)]
