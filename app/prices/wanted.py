"""Tickers pages need and the database lacks: a small queue from the web processes to the price runner.

In Redis when REDIS_URL is set (a page then writes nothing to the database), otherwise in the
`wanted_tickers` table; a Redis that fails falls back to the table. Each ticker is queued once with
the earliest day any page wanted. The runner removes an entry only after it has fetched it, so a
runner that dies mid-fetch leaves the queue to the next one.
"""

import logging
import time
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import redis
from sqlalchemy import and_, case, delete, or_, select

from app.extensions import db
from app.models import WantedTicker, utcnow
from app.prices.store import insert_for
from config import redis_options

log = logging.getLogger(__name__)
REST = 5.0  # seconds Redis is left alone after a failure (a stalled one would cost every call its timeout)
KEY = "folio:wanted"  # hash: ticker → earliest start (ISO date)
TIMES_KEY = "folio:wanted:at"  # sorted set: ticker → when first asked (Unix seconds)

# Keep the earliest start per ticker, and the time it was first asked for.
ADD = """
for i = 1, #ARGV - 1, 2 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  if (not current) or current > ARGV[i + 1] then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
  redis.call('ZADD', KEYS[2], 'NX', ARGV[#ARGV], ARGV[i])
end
"""
# Remove what was fetched, unless a page has since asked for an earlier start.
REMOVE = """
for i = 1, #ARGV, 2 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  if current and current >= ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('ZREM', KEYS[2], ARGV[i])
  end
end
"""


@lru_cache(maxsize=4)
def redis_client(url):
    """One client per process and URL (clients pool their connections)."""
    return redis.Redis.from_url(url, **redis_options(url))


class WantedTickers:
    """The queue: `add` from pages, `peek` and `remove` from the runner, `summary` for the status page."""

    def __init__(self, redis_url=None):
        self._redis = redis_client(redis_url) if redis_url else None
        self._resting_until = 0.0

    @property
    def redis(self):
        """The Redis client, or None when there is none or it failed a moment ago."""
        return self._redis if time.monotonic() >= self._resting_until else None

    def _failed(self, doing, exc):
        self._resting_until = time.monotonic() + REST
        log.warning("wanted tickers: Redis failed while %s (%s); the database table stands in", doing, exc)

    def add(self, tickers, start):
        """Queue tickers wanted from `start` on (each once, with the earliest start asked for)."""
        tickers = list(dict.fromkeys(tickers))
        if not tickers:
            return
        if self.redis is not None:
            try:
                args = [value for t in tickers for value in (t, start.isoformat())] + [time.time()]
                self.redis.eval(ADD, 2, KEY, TIMES_KEY, *args)
                return
            except redis.RedisError as exc:
                self._failed("adding", exc)
        table = WantedTicker.__table__
        statement = insert_for(table).values([{"ticker": t, "start": start, "requested_at": utcnow()} for t in tickers])
        earlier = statement.excluded.start < table.c.start
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["ticker"], set_={"start": case((earlier, statement.excluded.start), else_=table.c.start)}))
        db.session.commit()

    def peek(self):
        """Every queued ticker with its start, oldest request first (Redis and the table together)."""
        found = {}
        if self.redis is not None:
            try:
                order = [t.decode() for t in self.redis.zrange(TIMES_KEY, 0, -1)]
                starts = {k.decode(): date.fromisoformat(v.decode()) for k, v in self.redis.hgetall(KEY).items()}
                found = {t: starts[t] for t in order if t in starts}
                found.update({t: s for t, s in starts.items() if t not in found})
            except redis.RedisError as exc:
                self._failed("reading", exc)
        rows = db.session.execute(select(WantedTicker.ticker, WantedTicker.start).order_by(WantedTicker.requested_at))
        for ticker, start in rows:
            found[ticker] = min(start, found.get(ticker, start))
        return found

    def remove(self, taken):
        """Drop what was fetched (`taken`: ticker → start), unless an earlier start has been asked for since."""
        if not taken:
            return
        if self.redis is not None:
            try:
                self.redis.eval(REMOVE, 2, KEY, TIMES_KEY, *[v for t, s in taken.items() for v in (t, s.isoformat())])
            except redis.RedisError as exc:
                self._failed("removing", exc)
        db.session.execute(delete(WantedTicker).where(or_(
            *(and_(WantedTicker.ticker == t, WantedTicker.start >= s) for t, s in taken.items()))))
        db.session.commit()

    def summary(self, now=None):
        """(how many tickers wait, how long the oldest has waited in seconds or None)."""
        now = now or utcnow()
        count, oldest = 0, None
        if self.redis is not None:
            try:
                count = self.redis.hlen(KEY)
                first = self.redis.zrange(TIMES_KEY, 0, 0, withscores=True)
                oldest = datetime.fromtimestamp(first[0][1], UTC).replace(tzinfo=None) if first else None
            except redis.RedisError as exc:
                self._failed("counting", exc)
        rows = db.session.execute(select(WantedTicker.requested_at)).scalars().all()
        count += len(rows)
        if rows:
            oldest = min([oldest or rows[0], *rows])
        return count, (now - oldest) / timedelta(seconds=1) if oldest else None

