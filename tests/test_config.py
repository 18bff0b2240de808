import pytest

import config

KEY = "k" * 32


def test_heroku_postgres_url_is_rewritten_for_psycopg_and_tls():
    url = config.database_url("postgres://u:p@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d1")
    assert url.startswith("postgresql+psycopg://u:p@ec2-1-2-3-4")
    assert url.endswith("?sslmode=require")


def test_local_postgres_gets_no_tls_and_keeps_its_query():
    assert config.database_url("postgres://postgres@127.0.0.1:5432/test") == (
        "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    assert "sslmode=disable" in config.database_url("postgresql://h.example.com/d?sslmode=disable")


def test_default_database_is_sqlite_under_instance():
    url = config.database_url(None)
    assert url.startswith("sqlite:///") and "instance" in url


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(SystemExit) as excinfo:
        config.from_env({})
    message = str(excinfo.value)
    assert "SECRET_KEY" in message and "\n" not in message


def test_development_runs_without_secret_and_with_plain_cookies():
    settings = config.from_env({"FLASK_DEBUG": "1"})
    assert settings["ENV_NAME"] == "development"
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_production_cookies_are_secure_httponly_samesite():
    settings = config.from_env({"SECRET_KEY": KEY})
    assert settings["ENV_NAME"] == "production"
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_heroku_rediss_url_accepts_self_signed_certificate():
    settings = config.from_env({"SECRET_KEY": KEY, "REDIS_URL": "rediss://:pw@ec2.example.com:6380"})
    assert settings["CACHE_TYPE"] == "app.extensions.GuardedRedisCache"
    assert settings["CACHE_OPTIONS"]["ssl_cert_reqs"] is None
    assert settings["CACHE_OPTIONS"]["socket_timeout"] <= 0.5  # a stalled Redis must not hold a page


def test_without_redis_the_cache_is_shared_by_files():
    settings = config.from_env({"SECRET_KEY": KEY})
    assert settings["CACHE_TYPE"] == "FileSystemCache"


def test_flags_and_lists_from_environment():
    settings = config.from_env({"SECRET_KEY": KEY, "ALLOW_SIGNUP": "false", "BENCHMARKS": " spy, qqq ,"})
    assert settings["ALLOW_SIGNUP"] is False
    assert settings["BENCHMARKS"] == ["SPY", "QQQ"]


def test_production_refuses_a_short_secret_key_in_one_line():
    with pytest.raises(SystemExit) as excinfo:
        config.from_env({"SECRET_KEY": "s" * 31})
    message = str(excinfo.value)
    assert "SECRET_KEY has 31 characters" in message and "at least 32" in message and "\n" not in message
    assert config.from_env({"SECRET_KEY": "s" * 32})["SECRET_KEY"] == "s" * 32
    assert config.from_env({"SECRET_KEY": "s", "FLASK_DEBUG": "1"})["SECRET_KEY"] == "s"


def test_remember_cookie_is_httponly_secure_lax_and_lasts_the_configured_days():
    settings = config.from_env({"SECRET_KEY": KEY, "REMEMBER_COOKIE_DAYS": "7"})
    assert settings["REMEMBER_COOKIE_HTTPONLY"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert settings["REMEMBER_COOKIE_DURATION"].days == 7
    assert config.from_env({"SECRET_KEY": KEY})["REMEMBER_COOKIE_DURATION"].days == 30


def test_postgres_gets_a_statement_timeout_below_gunicorns():
    options = config.from_env({"SECRET_KEY": KEY, "DATABASE_URL": "postgres://u@db.example.com/d"})
    connect_args = options["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert connect_args["options"] == "-c statement_timeout=15000"
    assert connect_args["connect_timeout"] == 5
    sqlite = config.from_env({"SECRET_KEY": KEY})["SQLALCHEMY_ENGINE_OPTIONS"]
    assert "connect_args" not in sqlite
