"""The committed migrations build the schema the models describe, and come down again."""

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.conftest import make_config

pytestmark = pytest.mark.once


def tables(engine):
    return set(sqlalchemy.inspect(engine).get_table_names()) - {"alembic_version"}


def walk_migrations(url, tmp_path):
    app = create_app(make_config(tmp_path), environ={"SECRET_KEY": "k" * 32, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        assert tables(db.engine) == set(db.metadata.tables)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        assert tables(db.engine) == set()
        upgrade()
        assert tables(db.engine) == set(db.metadata.tables)
        db.engine.dispose()


def test_migrations_on_sqlite(tmp_path):
    walk_migrations(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path)


def test_migrations_on_postgres(postgres_database, tmp_path):
    walk_migrations(postgres_database, tmp_path)


def test_existing_accounts_get_their_own_session_token_and_are_not_admins(tmp_path):
    url = f"sqlite:///{tmp_path / 'tokens.sqlite3'}"
    app = create_app(make_config(tmp_path), environ={"SECRET_KEY": "k" * 32, "DATABASE_URL": url})
    with app.app_context():
        upgrade(revision="88d34df81026")
        with db.engine.begin() as conn:
            for email in ("a@example.com", "b@example.com"):
                insert = "INSERT INTO users (email, password_hash, created_at) VALUES (:e, 'x', '2026-01-01')"
                conn.execute(sqlalchemy.text(insert), {"e": email})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sqlalchemy.text("SELECT session_token, is_admin FROM users")).all()
        assert len({token for token, _ in rows}) == 2 and all(len(token) >= 40 for token, _ in rows)
        assert not any(admin for _, admin in rows)
        db.engine.dispose()
