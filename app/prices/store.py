"""The price tables: upsert daily bars and events, read them back as DataFrames."""

from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import chain

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import CorporateAction, PriceBar, Security, utcnow


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


BAR_COLUMNS = ("ticker", "date", "close", "adj_close", "volume", "fetched_at")
# Rows per INSERT: a few big statements instead of one per row. The database then does the work in
# a handful of calls, each of which lets the fetching threads run (a row-by-row executemany hands
# the GIL back and forth thousands of times per chunk and crawls while the chunks parse).
BATCH_ROWS = 512


def bar_rows(ticker, bars, fetched_at):
    """One ticker's bars as (ticker, date, close, adj_close, volume, fetched_at) tuples, days without a close out.

    One row per day (a multi-row upsert may not touch a row twice): the last bar of a day with a close
    wins. A missing adjusted close falls back to the close. Plain numpy: pandas' normalize() infers the
    index's frequency each time, which cost more than the rest of this function.
    """
    close = bars["close"].to_numpy(dtype="float64")
    valid = np.flatnonzero(~np.isnan(close))
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
    adjusted = np.where(np.isnan(adjusted), close, adjusted)
    volume = bars["volume"].to_numpy(dtype="float64")[rows]
    volumes = [None if v != v else int(v) for v in volume.tolist()]  # NaN is the only value unequal to itself
    return list(zip([ticker] * len(rows), days.astype(object).tolist(), close.tolist(), adjusted.tolist(), volumes,
                    [fetched_at] * len(rows), strict=True))


def upsert_bars(rows):
    """Write bars by upsert: a bar already stored is replaced only by one fetched at the same time or later.

    `rows` are `bar_rows` tuples. PostgreSQL takes them all in one statement, as six arrays; SQLite
    as multi-row INSERTs of at most BATCH_ROWS rows, each distinct date and time converted once.
    """
    if not rows:
        return 0
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        connection.exec_driver_sql(PG_UNNEST_UPSERT, pg_array_literals(rows))
        return len(rows)
    prepared = _bind_values(rows, dialect)
    done = 0
    while done < len(prepared):
        size = _batch_size(len(prepared) - done)
        params = tuple(chain.from_iterable(prepared[done:done + size]))
        connection.exec_driver_sql(_bars_upsert_sql(dialect, size), params)
        done += size
    return len(rows)


# Six array parameters whatever the number of rows: psycopg parses a statement with thousands of
# placeholders again on every call, which cost more than the insert itself. Each array goes as the text
# of a PostgreSQL array literal (see pg_array_literals).
PG_UNNEST_UPSERT = """
INSERT INTO price_bars (ticker, date, close, adj_close, volume, fetched_at)
SELECT * FROM unnest(%s::text::varchar[], %s::text::date[], %s::text::double precision[],
                     %s::text::double precision[], %s::text::bigint[], %s::text::timestamp without time zone[])
ON CONFLICT (ticker, date) DO UPDATE
SET close = excluded.close, adj_close = excluded.adj_close, volume = excluded.volume, fetched_at = excluded.fetched_at
WHERE excluded.fetched_at >= price_bars.fetched_at
"""


def pg_array_literals(rows):
    """`bar_rows` tuples as six PostgreSQL array literals, `{...}`, one text per column.

    Adapted element by element, psycopg runs two regular expressions on each of the ~38,000 values of
    a chunk of 25 tickers (a quarter of a warm-up's CPU on PostgreSQL, in text or binary form alike);
    joined here, the same arrays cost a fifth of that. Floats go as `repr` (exact), dates and times in
    ISO form, a missing volume as NULL, tickers double-quoted with `\\` and `"` escaped.
    """
    tickers, days, closes, adjusted, volumes, fetched = zip(*rows, strict=True)
    return (_array(map(_quoted, tickers)), _array(map(date.isoformat, days)), _array(map(repr, closes)),
            _array(map(repr, adjusted)), _array("NULL" if v is None else str(v) for v in volumes),
            _array(map(datetime.isoformat, fetched)))


def _array(texts):
    return "{" + ",".join(texts) + "}"


def _quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _batch_size(remaining):
    """BATCH_ROWS, or the largest power of two that fits: few distinct statement sizes to compile and cache."""
    if remaining >= BATCH_ROWS:
        return BATCH_ROWS
    return 1 << (remaining.bit_length() - 1)


def _bind_values(rows, dialect):
    """Convert the values the way SQLAlchemy would for this database; each distinct date and time once."""
    columns = list(zip(*rows, strict=True))
    changed = False
    for position, name in enumerate(BAR_COLUMNS):
        column_type = PriceBar.__table__.c[name].type
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is None:
            continue
        changed = True
        if name in ("date", "fetched_at"):  # a few hundred distinct values over thousands of rows
            converted = {value: processor(value) for value in set(columns[position])}
            columns[position] = list(map(converted.__getitem__, columns[position]))
        else:
            columns[position] = list(map(processor, columns[position]))
    return list(zip(*columns, strict=True)) if changed else rows


@lru_cache(maxsize=64)
def _bars_upsert_sql(dialect, size):
    """The SQL of a `size`-row bar upsert with positional parameters, row after row (SQLite)."""
    table = PriceBar.__table__
    statement = sqlite_insert(table).values([dict.fromkeys(BAR_COLUMNS) for _ in range(size)])
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["ticker", "date"],
        set_={"close": excluded.close, "adj_close": excluded.adj_close, "volume": excluded.volume,
              "fetched_at": excluded.fetched_at},
        where=excluded.fetched_at >= table.c.fetched_at,
    )
    compiled = statement.compile(dialect=dialect)
    if list(compiled.positiontup or ()) != [f"{column}_m{i}" for i in range(size) for column in BAR_COLUMNS]:
        raise RuntimeError("unexpected parameter order in the bar upsert")
    return compiled.string


def upsert_actions(ticker, splits, dividends):
    """Store split ratios and dividends per share by their ex-date (Yahoo's corrections win)."""
    rows = [{"ticker": ticker, "date": d, "kind": "SPLIT", "value": float(v)} for d, v in splits]
    rows += [{"ticker": ticker, "date": d, "kind": "DIVIDEND", "value": float(v)} for d, v in dividends]
    if rows:
        statement = _insert(CorporateAction)
        statement = statement.on_conflict_do_update(
            index_elements=["ticker", "date", "kind"], set_={"value": statement.excluded.value}
        )
        db.session.execute(statement, rows)


def securities(tickers):
    """Return the Security rows for these tickers, by ticker."""
    if not tickers:
        return {}
    return {s.ticker: s for s in db.session.scalars(select(Security).where(Security.ticker.in_(list(tickers))))}


def ensure_securities(tickers):
    """Make sure every ticker has a Security row (two warm-ups may meet here), then return them by ticker."""
    if tickers:
        statement = _insert(Security).values([{"ticker": t, "kind": "equity"} for t in dict.fromkeys(tickers)])
        db.session.execute(statement.on_conflict_do_nothing(index_elements=["ticker"]))
    return securities(tickers)


def coverage(tickers):
    """First and last stored bar per ticker, in one query."""
    if not tickers:
        return {}
    query = (
        select(PriceBar.ticker, func.min(PriceBar.date), func.max(PriceBar.date))
        .where(PriceBar.ticker.in_(list(tickers)))
        .group_by(PriceBar.ticker)
    )
    return {ticker: (first, last) for ticker, first, last in db.session.execute(query)}


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


def read_bars(tickers, start, end):
    """Closes and adjusted closes in [start, end] as two DataFrames (dates × tickers)."""
    columns = list(dict.fromkeys(tickers))
    if not columns:
        empty = pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
        return empty, empty.copy()
    query = (
        select(PriceBar.ticker, PriceBar.date, PriceBar.close, PriceBar.adj_close)
        .where(PriceBar.ticker.in_(columns), PriceBar.date >= start, PriceBar.date <= end)
    )
    frame = pd.DataFrame(db.session.execute(query).all(), columns=["ticker", "date", "close", "adj_close"])
    frame["date"] = pd.to_datetime(frame["date"])
    closes = frame.pivot(index="date", columns="ticker", values="close").reindex(columns=columns).sort_index()
    adjusted = frame.pivot(index="date", columns="ticker", values="adj_close").reindex(columns=columns).sort_index()
    return closes.astype(float), adjusted.astype(float)


def read_actions(tickers):
    """Splits (ticker, date, ratio) and dividends (ticker, date, amount) as two DataFrames."""
    query = select(CorporateAction.ticker, CorporateAction.date, CorporateAction.kind, CorporateAction.value).where(
        CorporateAction.ticker.in_(list(tickers)))
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
    """Every ticker held in any portfolio, most-held (by number of portfolios) first."""
    from app.models import Transaction

    query = (
        select(Transaction.ticker, func.count(func.distinct(Transaction.portfolio_id)).label("n"))
        .group_by(Transaction.ticker)
        .order_by(func.count(func.distinct(Transaction.portfolio_id)).desc(), Transaction.ticker)
    )
    return [ticker for ticker, _ in db.session.execute(query)]
