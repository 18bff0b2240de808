"""What the benchmarks that boot gunicorn share: a free port, a throwaway PostgreSQL database."""

import socket
import uuid

import sqlalchemy
from sqlalchemy.engine import make_url

from config import database_url as normalise


def free_port():
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database(base, prefix="folio_bench"):
    """A new empty database beside `base`: (admin engine, its name, its URL); drop it with the engine after."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = sqlalchemy.create_engine(normalise(base), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return engine, name, make_url(normalise(base)).set(database=name).render_as_string(hide_password=False)
