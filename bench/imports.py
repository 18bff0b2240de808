"""Time a 20,000-row import: parse, preview (the file kept on the server) and commit, through the service and the pages.

Run: .venv/bin/python bench/imports.py [ROWS]   (DATABASE_URL=postgres://… to run it on PostgreSQL)
Prints seconds for each step; it is a measurement, not a pass/fail test.
"""

import csv
import io
import os
import random
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.imports import service  # noqa: E402
from app.imports.reader import parse_text  # noqa: E402
from app.models import ImportBatch, Portfolio, Transaction, User  # noqa: E402
from config import database_url  # noqa: E402

TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "BRK.B", "JPM", "V", "VTI", "SPY", "QQQ", "SCHD",
           "VOD.L", "SAP.DE", "ASML.AS", "TSM", "AMD", "NFLX", "COST"]


def make_file(rows, seed=1):
    """Return a realistic Folio CSV: buys, some sells that never oversell, dividends and fees."""
    rng = random.Random(seed)
    held = dict.fromkeys(TICKERS, 0)
    start = date(2005, 1, 3)
    lines = ["date,type,ticker,quantity,price,fees,currency,note"]
    for i in range(rows):
        day = start + timedelta(days=i * 7000 // rows)
        ticker = rng.choice(TICKERS)
        roll = rng.random()
        if roll < 0.15 and held[ticker] > 1:
            qty = rng.randint(1, held[ticker])
            held[ticker] -= qty
            fees = rng.choice(["0", "0.99", "4.95"])
            lines.append(f"{day},SELL,{ticker},{qty},{rng.uniform(20, 900):.2f},{fees},USD,")
        elif roll < 0.25:
            lines.append(f"{day},DIVIDEND,{ticker},1,{rng.uniform(1, 80):.2f},0,USD,Dividend {i}")
        elif roll < 0.27:
            lines.append(f"{day},FEE,{ticker},1,{rng.uniform(1, 9):.2f},0,USD,Custody")
        else:
            qty = rng.randint(1, 50)
            held[ticker] += qty
            lines.append(f'{day},BUY,{ticker},{qty},{rng.uniform(20, 900):.2f},0,USD,"Lot {i}, limit"')
    return "\n".join(lines) + "\n"


def unknown_layout(text):
    """The same rows under a header no format knows, separated by semicolons, with French type names."""
    names = {"BUY": "Achat", "SELL": "Vente", "DIVIDEND": "Dividende", "FEE": "Frais"}
    lines = ["Date;Operation;Symbole;Quantite;Cours;Frais;Devise;Libelle"]
    for cells in csv.reader(io.StringIO(text.split("\n", 1)[1])):
        if cells:
            cells[1] = names[cells[1]]
            lines.append(";".join(cell.replace(";", ",") for cell in cells))
    return "\n".join(lines) + "\n"


@contextmanager
def timed(label, results):
    start = time.perf_counter()
    yield
    results.append((label, time.perf_counter() - start))


@contextmanager
def throwaway_database():
    """Yield the URL of a new database: a SQLite file, or with DATABASE_URL a PostgreSQL database dropped after."""
    raw = os.environ.get("DATABASE_URL", "")
    if not raw.startswith(("postgres://", "postgresql")):
        yield f"sqlite:///{tempfile.mkdtemp(prefix='folio-bench-')}/bench.sqlite3"
        return
    base = database_url(raw)
    name = f"folio_bench_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main(rows=20000):
    """Build a throwaway database, import a `rows`-row file, print the seconds each step took."""
    with throwaway_database() as url:
        run(url, rows)


def run(url, rows):
    """Time each step of importing a `rows`-row file into the database at `url`."""
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False, "SCHEDULER_ENABLED": False, "CACHE_TYPE": "SimpleCache",
         "SESSION_COOKIE_SECURE": False, "IMPORT_MAX_ROWS": max(rows, 20000)},
        environ={"SECRET_KEY": "b" * 32, "DATABASE_URL": url, "FLASK_DEBUG": "1"},
    )
    text = make_file(rows)
    results = []
    with app.app_context():
        db.create_all()
        user = User(email=f"bench-{time.time_ns()}@example.com")
        user.set_password("bench-password")
        first, second = Portfolio(owner=user, name="Bench A"), Portfolio(owner=user, name="Bench B")
        db.session.add_all([user, first, second])
        db.session.commit()
        email, second_id = user.email, second.id
        with timed("parse only", results):
            parse_text(text, max_rows=rows)
        with timed("service preview (and keep the file)", results):
            preview = service.preview(first, text, "bench.csv")
        assert preview.counts["new"] == rows, preview.counts
        with timed("service commit (re-parses and re-checks)", results):
            service.commit(first, preview.batch)
        with timed("preview again: all 20,000 already there", results):
            again = service.preview(first, text, "bench.csv")
        assert again.counts["duplicate"] == rows
        third = Portfolio(owner=user, name="Bench C")
        db.session.add(third)
        db.session.commit()
        foreign = unknown_layout(text)
        with timed("mapping step: keep the file, guess the columns", results):
            try:
                service.preview(third, foreign, "releve.csv")
            except service.MappingNeeded as need:
                kept = need.batch
                step = service.mapping_step(kept, user.id)
        with timed("service preview with that column mapping", results):
            mapped = service.preview_mapped(third, kept, step.mapping, user.id)
        assert mapped.counts["new"] == rows, mapped.counts
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "bench-password"})
    with timed("page: upload + preview (HTTP)", results):
        resp = client.post(f"/portfolios/{second_id}/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(text.encode()), "bench.csv")})
    assert resp.status_code == 200, resp.status_code
    html = resp.get_data(as_text=True)
    actions = [part.split('"', 1)[0] for part in html.split('action="')[1:]]
    action = next(url for url in actions if url.endswith("/confirm"))
    fields = {"file_hash": html.split('name="file_hash" type="hidden" value="')[1].split('"')[0]}
    with timed("page: confirm (HTTP, the kept file's id)", results):
        resp = client.post(action, data=fields)
    assert resp.status_code == 302, resp.status_code
    with app.app_context():
        saved = Transaction.query.filter_by(portfolio_id=second_id).count()
        batch = ImportBatch.query.filter_by(portfolio_id=second_id).one()
        assert saved == rows == batch.imported_count, (saved, batch.imported_count)
        with timed("undo", results):
            service.undo(batch)
        db.session.remove()
        db.engine.dispose()
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"{rows:,} rows, {len(text.encode()) / 1e6:.2f} MB, {backend}")
    for label, seconds in results:
        print(f"  {label:<50} {seconds:6.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
