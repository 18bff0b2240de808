"""One way to reach Redis, including Heroku's `rediss://` with its self-signed certificate."""

from functools import lru_cache

import redis

# A dead Redis must not hold a web request: give up quickly.
SOCKET_TIMEOUT = 2


@lru_cache(maxsize=8)
def redis_from_url(url):
    """Return a Redis client for this URL, one per process (clients pool their connections)."""
    options = {"socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": SOCKET_TIMEOUT}
    if url.startswith("rediss://"):
        options["ssl_cert_reqs"] = None
    return redis.Redis.from_url(url, **options)
