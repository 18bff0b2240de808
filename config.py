"""Configuration read from the environment, in one place."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}
TRUTHY = {"1", "true", "yes", "on"}


class ConfigError(SystemExit):
    """A configuration problem that stops the app from starting, with a one-line message."""


def env_bool(environ, name, default=False):
    """Read a boolean flag such as `ALLOW_SIGNUP=false`."""
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in TRUTHY


def env_list(environ, name, default):
    """Read a comma-separated list such as `BENCHMARKS=SPY,QQQ,VTI`."""
    raw = environ.get(name, default)
    return [item.strip().upper() for item in raw.split(",") if item.strip()]


def database_url(raw):
    """Normalise a database URL: Heroku's `postgres://` becomes psycopg 3's form, remote hosts get TLS."""
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'portfolio.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            raw = "postgresql+psycopg://" + raw[len(prefix):]
    if not raw.startswith("postgresql"):
        return raw
    parts = urlsplit(raw)
    query = dict(parse_qsl(parts.query))
    if (parts.hostname or "") not in LOCAL_HOSTS:
        query.setdefault("sslmode", "require")
    return urlunsplit(parts._replace(query=urlencode(query)))


# Heroku Postgres closes idle connections; recycle ours before it does (seconds).
POOL_RECYCLE = 300
# A database that does not answer the connection must fail the request, not hold it (seconds).
DB_CONNECT_TIMEOUT = 5
# The server ends a statement running longer than this, well below gunicorn's 25 s timeout (seconds).
DB_STATEMENT_TIMEOUT = 15
# The shortest SECRET_KEY production accepts: 32 characters of randomness resist offline guessing of cookies.
MIN_SECRET_LENGTH = 32


def engine_options(raw_url, statement_timeout=DB_STATEMENT_TIMEOUT):
    """Pool settings: ping a connection before reusing it, recycle old ones, give up connecting quickly."""
    options = {"pool_pre_ping": True, "pool_recycle": POOL_RECYCLE}
    if raw_url and raw_url.startswith(("postgres://", "postgresql")):
        options["connect_args"] = {
            "connect_timeout": DB_CONNECT_TIMEOUT,
            "options": f"-c statement_timeout={int(statement_timeout * 1000)}",
        }
    return options


# A Redis that does not answer within this is away: the page goes on without it (seconds).
REDIS_TIMEOUT = 0.5


def redis_options(redis_url):
    """Client options for Redis: short timeouts, and Heroku's self-signed certificate on `rediss://`."""
    options = {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}
    if redis_url.startswith("rediss://"):
        options["ssl_cert_reqs"] = None
    return options


def cache_settings(redis_url, cache_dir):
    """Pick the flask-caching backend: Redis when there is one, else a file cache all local workers share."""
    if redis_url:
        return {"CACHE_TYPE": "app.extensions.GuardedRedisCache", "CACHE_REDIS_URL": redis_url,
                "CACHE_OPTIONS": redis_options(redis_url)}
    return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(cache_dir), "CACHE_THRESHOLD": 20000}


def limiter_settings(redis_url, environ):
    """Flask-Limiter: counters in Redis when there is one (shared by every worker), else in memory.

    A storage error never fails a request: the counters fall back to memory until Redis answers again.
    """
    options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    if redis_url and redis_url.startswith("rediss://"):
        options["ssl_cert_reqs"] = None
    return {
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": options if redis_url else {},
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "folio-limits",
        "SIGNIN_LIMIT_PER_ACCOUNT": environ.get("SIGNIN_LIMIT_PER_ACCOUNT", "5/minute;30/hour"),
        "SIGNIN_LIMIT_PER_ADDRESS": environ.get("SIGNIN_LIMIT_PER_ADDRESS", "20/minute;200/hour"),
        "SIGNUP_LIMIT_PER_ADDRESS": environ.get("SIGNUP_LIMIT_PER_ADDRESS", "5/minute;20/hour"),
    }


def ops_settings(environ):
    """Metrics history, the status dashboard and the alerts' thresholds (see app/ops/)."""
    return {
        "METRICS_RETENTION_DAYS": float(environ.get("METRICS_RETENTION_DAYS", 7)),
        "METRICS_SAMPLE_SECONDS": float(environ.get("METRICS_SAMPLE_SECONDS", 60)),
        "METRICS_TOKEN": environ.get("METRICS_TOKEN") or None,
        "DYNO_MEMORY_MB": float(environ.get("DYNO_MEMORY_MB", 512)),
        "ALERT_WINDOW_MINUTES": float(environ.get("ALERT_WINDOW_MINUTES", 15)),
        "ALERT_MIN_REQUESTS": int(environ.get("ALERT_MIN_REQUESTS", 20)),
        "ALERT_HIT_RATE_MIN": float(environ.get("ALERT_HIT_RATE_MIN", 0.80)),
        "ALERT_PAGE_P95_SECONDS": float(environ.get("ALERT_PAGE_P95_SECONDS", 1.0)),
        "ALERT_ERROR_RATE_MAX": float(environ.get("ALERT_ERROR_RATE_MAX", 0.01)),
        "ALERT_BREAKER_OPEN_MINUTES": float(environ.get("ALERT_BREAKER_OPEN_MINUTES", 15)),
        "ALERT_WARMUP_MISSED_CYCLES": float(environ.get("ALERT_WARMUP_MISSED_CYCLES", 2)),
        "ALERT_MEMORY_FRACTION": float(environ.get("ALERT_MEMORY_FRACTION", 0.85)),
        "ALERT_WANTED_AGE_SECONDS": float(environ.get("ALERT_WANTED_AGE_SECONDS", 300)),
        "ALERT_RUNNER_SILENT_MINUTES": float(environ.get("ALERT_RUNNER_SILENT_MINUTES", 5)),
    }


def is_development(environ):
    """Development only when asked for; production is the default."""
    return env_bool(environ, "FLASK_DEBUG") or environ.get("APP_ENV", "").lower() == "development"


def from_env(environ=None):
    """Build the app's settings from the environment (`os.environ` by default)."""
    environ = os.environ if environ is None else environ
    development = is_development(environ)
    secret = environ.get("SECRET_KEY", "")
    if not secret:
        if not development:
            raise ConfigError(
                "SECRET_KEY is not set: production refuses to start without it "
                "(set SECRET_KEY, or FLASK_DEBUG=1 for local development)."
            )
        secret = "dev-only-insecure-key"  # noqa: S105 - development only, never production
    elif len(secret) < MIN_SECRET_LENGTH and not development:
        raise ConfigError(
            f"SECRET_KEY has {len(secret)} characters: production needs at least {MIN_SECRET_LENGTH} "
            "(make one with: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    redis_url = environ.get("REDIS_URL") or None
    settings = {
        "ENV_NAME": "development" if development else "production",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(environ.get("DATABASE_URL")),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(
            environ.get("DATABASE_URL"), float(environ.get("DB_STATEMENT_TIMEOUT", DB_STATEMENT_TIMEOUT))
        ),
        # In a web request, the longest wait for any one answer from PostgreSQL before the page is a 503 (seconds).
        "DB_ANSWER_TIMEOUT": float(environ.get("DB_ANSWER_TIMEOUT", 5)),
        "REDIS_URL": redis_url,
        "ALLOW_SIGNUP": env_bool(environ, "ALLOW_SIGNUP", True),
        "MAX_CONTENT_LENGTH": int(environ.get("MAX_CONTENT_LENGTH", 5 * 1024 * 1024)),
        "IMPORT_MAX_ROWS": int(environ.get("IMPORT_MAX_ROWS", 20000)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(environ.get("REMEMBER_COOKIE_DAYS", 30))),
        "PREFERRED_URL_SCHEME": "http" if development else "https",
        "FORCE_HTTPS": env_bool(environ, "FORCE_HTTPS", not development),
        "WTF_CSRF_TIME_LIMIT": None,
        "BENCHMARKS": env_list(environ, "BENCHMARKS", "SPY,QQQ,VTI"),
        "PRICE_SOURCE": environ.get("PRICE_SOURCE", "yahoo").strip().lower(),
        "PRICE_CHUNK_SIZE": int(environ.get("PRICE_CHUNK_SIZE", 10)),
        "PRICE_MAX_WORKERS": int(environ.get("PRICE_MAX_WORKERS", 8)),
        "PRICE_MAX_REQUESTS_PER_MINUTE": int(environ.get("PRICE_MAX_REQUESTS_PER_MINUTE", 300)),
        "PRICE_RATE_LIMIT_PAUSE": float(environ.get("PRICE_RATE_LIMIT_PAUSE", 30)),
        "PRICE_TIMEOUT": float(environ.get("PRICE_TIMEOUT", 10)),
        "PROFILE_BATCH": int(environ.get("PROFILE_BATCH", 3)),
        "QUOTE_TTL_OPEN": int(environ.get("QUOTE_TTL_OPEN", 60)),
        "QUOTE_STALE_GRACE": int(environ.get("QUOTE_STALE_GRACE", 600)),
        "YF_CACHE_DIR": environ.get("YF_CACHE_DIR", str(INSTANCE_DIR / "yfinance-cache")),
        "CHART_COLD_COMPUTATIONS": int(environ.get("CHART_COLD_COMPUTATIONS", 2)),
        "CHART_REFILL_SECONDS": float(environ.get("CHART_REFILL_SECONDS", 20)),
        "SCHEDULER_ENABLED": env_bool(environ, "SCHEDULER_ENABLED", True),
        "RISK_FREE_RATE": float(environ.get("RISK_FREE_RATE", 0)),
        "LOG_LEVEL": environ.get("LOG_LEVEL", "INFO").upper(),
    }
    settings.update(cache_settings(redis_url, environ.get("CACHE_DIR") or INSTANCE_DIR / "cache"))
    settings.update(limiter_settings(redis_url, environ))
    settings.update(ops_settings(environ))
    return settings
