"""Flask extensions, made unbound here and bound in `create_app`."""

import logging
import sqlite3
import time

from flask_caching import Cache
from flask_caching.backends.rediscache import RedisCache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from redis.exceptions import RedisError
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# Named constraints so that Alembic can drop them on every database, SQLite included.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
cache = Cache()
compress = Compress()
limiter = Limiter(key_func=get_remote_address)


@event.listens_for(Engine, "connect")
def enforce_sqlite_foreign_keys(dbapi_connection, connection_record):
    """SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked on each connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


class GuardedRedisCache(RedisCache):
    """Flask-Caching's RedisCache where Redis being away or slow is a miss, never an error for the page.

    Chosen by `CACHE_TYPE = "app.extensions.GuardedRedisCache"`. After a failure the cache is not asked
    for REST seconds (a stalled Redis would otherwise cost every call its timeout); failures are logged
    at most once every WARN_EVERY seconds, so an outage does not flood the logs.
    """

    WARN_EVERY = 60.0
    REST = 5.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._warned_at = -self.WARN_EVERY
        self._missed = 0
        self._resting_until = 0.0

    def _guard(self, method, default, *args, **kwargs):
        if time.monotonic() < self._resting_until:
            self._missed += 1
            return default() if callable(default) else default
        try:
            return getattr(super(), method)(*args, **kwargs)
        except (RedisError, OSError) as exc:
            self._resting_until = time.monotonic() + self.REST
            self._warn(method, exc)
            return default() if callable(default) else default

    def _warn(self, method, exc):
        now = time.monotonic()
        self._missed += 1
        if now - self._warned_at >= self.WARN_EVERY:
            log.warning("cache unavailable (%s: %s), %d calls answered as misses; pages read the database",
                        method, exc, self._missed)
            self._warned_at, self._missed = now, 0

    def get(self, key):
        return self._guard("get", None, key)

    def get_many(self, *keys):
        return self._guard("get_many", lambda: [None] * len(keys), *keys)

    def has(self, key):
        return self._guard("has", False, key)

    def set(self, key, value, timeout=None):
        return self._guard("set", False, key, value, timeout)

    def add(self, key, value, timeout=None):
        return self._guard("add", False, key, value, timeout)

    def set_many(self, mapping, timeout=None):
        return self._guard("set_many", list, mapping, timeout)

    def delete(self, key):
        return self._guard("delete", False, key)

    def delete_many(self, *keys):
        return self._guard("delete_many", list, *keys)

    def inc(self, key, delta=1):
        return self._guard("inc", None, key, delta)

    def dec(self, key, delta=1):
        return self._guard("dec", None, key, delta)

    def clear(self):
        return self._guard("clear", False)
