import pytest

import config


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
    settings = config.from_env({"SECRET_KEY": "x"})
    assert settings["ENV_NAME"] == "production"
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_heroku_rediss_url_accepts_self_signed_certificate():
    settings = config.from_env({"SECRET_KEY": "x", "REDIS_URL": "rediss://:pw@ec2.example.com:6380"})
    assert settings["CACHE_TYPE"] == "app.extensions.GuardedRedisCache"
    assert settings["CACHE_OPTIONS"]["ssl_cert_reqs"] is None
    assert settings["CACHE_OPTIONS"]["socket_timeout"] <= 0.5  # a stalled Redis must not hold a page


def test_without_redis_the_cache_is_shared_by_files():
    settings = config.from_env({"SECRET_KEY": "x"})
    assert settings["CACHE_TYPE"] == "FileSystemCache"


def test_flags_and_lists_from_environment():
    settings = config.from_env({"SECRET_KEY": "x", "ALLOW_SIGNUP": "false", "BENCHMARKS": " spy, qqq ,"})
    assert settings["ALLOW_SIGNUP"] is False
    assert settings["BENCHMARKS"] == ["SPY", "QQQ"]
