"""Importing through the pages and the CLI: preview, confirm, duplicates, undo, export, limits, CSRF, ownership."""

import base64
import io
import random
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.imports import service
from app.models import ImportBatch, Transaction
from tests.conftest import make_portfolio, make_user

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
HEADER = "date,type,ticker,quantity,price,fees,currency,note\n"
ACTION = "__action__"


def upload(client, portfolio_id, data, filename="trades.csv", fmt=""):
    """Post a file to the import page; return the response (the preview, or the form with an error)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return client.post(f"/portfolios/{portfolio_id}/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), filename), "format": fmt})


def confirm_fields(html):
    """Return the confirm form's fields (its URL under ACTION) from a preview page, or None when it offers none."""
    form = BeautifulSoup(html, "html.parser").find("form", action=lambda a: a and a.endswith("/confirm"))
    if form is None:
        return None
    fields = {ACTION: [form["action"]]}
    for field in form.find_all("input"):
        fields.setdefault(field["name"], []).append(field.get("value", ""))
    return fields


def mapping_fields(html):
    """Return the mapping step's fields as the page fills them in (its URL under ACTION), or None."""
    form = BeautifulSoup(html, "html.parser").find("form", id="mapping")
    if form is None:
        return None
    fields = {ACTION: [form["action"]]}
    for field in form.find_all("input", type="hidden"):
        fields[field["name"]] = [field.get("value", "")]
    for select in form.find_all("select"):
        chosen = select.find("option", selected=True) or select.find("option")
        fields[select["name"]] = [chosen.get("value", "") if chosen else ""]
    return fields


def confirm(client, portfolio_id, fields):
    """Post the confirm form to the URL it names; return the response."""
    data = {k: v for k, v in fields.items() if k != ACTION}
    return client.post(fields[ACTION][0], data=data)


def import_file(client, portfolio_id, data, filename="trades.csv", fmt=""):
    """Upload, then confirm what the preview offers; return the confirm response."""
    preview = upload(client, portfolio_id, data, filename, fmt)
    assert preview.status_code == 200, preview.data[:2000]
    fields = confirm_fields(preview.get_data(as_text=True))
    assert fields is not None, "the preview offered nothing to confirm"
    return confirm(client, portfolio_id, fields)


def rows_of(portfolio_id):
    """Return the portfolio's transactions as comparable tuples."""
    return sorted(
        (t.trade_date, t.type, t.ticker, D(t.quantity).normalize(), D(t.price).normalize(),
         D(t.fees).normalize(), t.currency, t.note)
        for t in Transaction.query.filter_by(portfolio_id=portfolio_id)
    )


@pytest.fixture
def signed_in(auth, owner):
    auth.login()
    return owner


@pytest.fixture
def empty(signed_in):
    return make_portfolio(signed_in, name="Empty")


def test_import_page_has_the_form_the_tab_and_the_export_link(client, signed_in, portfolio):
    page = client.get(f"/portfolios/{portfolio.id}/import").get_data(as_text=True)
    assert 'class="active">Import</a>' in page and 'type="file"' in page
    assert f"/portfolios/{portfolio.id}/export.csv" in page and "No imports yet" in page
    assert "Import</a>" in client.get(f"/portfolios/{portfolio.id}").get_data(as_text=True)


def test_preview_shows_rows_and_problems_and_adds_nothing(client, empty):
    text = HEADER + "2024-01-02,BUY,aapl,10,185.5,1,USD,first\n2024-01-03,BUY,MSFT,ten,400,0,USD,\n"
    resp = upload(client, empty.id, text)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Folio CSV" in page and "AAPL" in page and "$185.50" in page
    assert "Quantity: “ten” is not a number." in page or "quantity: “ten” is not a number." in page
    assert "1 to add" in page and "1 with problems" in page
    # The file waits on the server for its confirmation; the form carries only the CSRF token.
    assert Transaction.query.count() == 0 and ImportBatch.query.one().status == "preview"
    fields = confirm_fields(page)
    assert set(fields) <= {ACTION, "csrf_token", "file_hash"}
    assert fields["file_hash"] == [ImportBatch.query.one().file_hash]
    assert fields[ACTION] == [f"/portfolios/{empty.id}/import/{ImportBatch.query.one().id}/confirm"]


def test_schwab_file_previews_then_commits_in_one_go(client, empty):
    resp = import_file(client, empty.id, (FIXTURES / "schwab.csv").read_bytes(), "Individual_XXX123_Transactions.csv")
    assert resp.status_code == 302
    batch = ImportBatch.query.one()
    assert (batch.filename, batch.format, batch.status) == ("Individual_XXX123_Transactions.csv", "schwab", "committed")
    assert (batch.row_count, batch.imported_count, batch.skipped_count) == (15, 12, 3)
    assert len(batch.file_hash) == 64
    assert Transaction.query.filter_by(import_batch_id=batch.id).count() == 12
    split = Transaction.query.filter_by(type="SPLIT").one()
    assert (split.ticker, D(split.quantity)) == ("NVDA", D(10))  # 90 shares added to 10 held: 10-for-1
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Imported 12 transactions" in page and "Individual_XXX123_Transactions.csv" in page


@pytest.mark.parametrize("name", ["folio.csv", "positions.csv", "yahoo.csv", "ibkr.csv", "ghostfolio.csv",
                                  "wealthfolio.csv"])
def test_every_fixture_imports_and_a_second_import_adds_nothing(client, empty, name):
    assert import_file(client, empty.id, (FIXTURES / name).read_bytes(), name).status_code == 302
    first = rows_of(empty.id)
    assert first and ImportBatch.query.count() == 1
    again = upload(client, empty.id, (FIXTURES / name).read_bytes(), name)
    page = again.get_data(as_text=True)
    assert "This same file was imported" in page and "Nothing to import" in page
    assert confirm_fields(page) is None
    assert rows_of(empty.id) == first


def test_rows_already_in_the_portfolio_are_marked_and_left_out(client, signed_in, portfolio):
    # The portfolio fixture holds a BUY of 10 AAPL at 185 on 2024-01-02.
    text = HEADER + "2024-01-02,BUY,AAPL,10,185,0,USD,\n2024-07-01,BUY,AAPL,1,200,0,USD,\n"
    page = upload(client, portfolio.id, text).get_data(as_text=True)
    assert "already there" in page and "1 already in the portfolio" in page and "1 to add" in page
    before = Transaction.query.count()
    confirm(client, portfolio.id, confirm_fields(page))
    assert Transaction.query.count() == before + 1


def test_a_sell_of_more_than_was_held_is_flagged_on_its_row(client, signed_in, portfolio):
    # 12 AAPL held after the fixture's trades; the file sells 5, then 8 more.
    text = HEADER + "2024-07-01,SELL,AAPL,5,200,0,USD,\n2024-07-02,SELL,AAPL,8,200,0,USD,\n"
    page = upload(client, portfolio.id, text).get_data(as_text=True)
    assert "Cannot sell 8 AAPL on 2024-07-02: only 7 held then." in page
    assert "1 to add" in page and "1 with problems" in page


def test_a_sell_that_breaks_a_later_existing_sell_is_blamed(client, signed_in, owner):
    target = make_portfolio(owner, name="T", trades=[(date(2024, 1, 2), "BUY", "AAPL", 10, 100),
                                                     (date(2024, 6, 1), "SELL", "AAPL", 8, 120)])
    page = upload(client, target.id, HEADER + "2024-03-01,SELL,AAPL,5,110,0,USD,\n").get_data(as_text=True)
    assert "With this sale, a later one fails" in page and confirm_fields(page) is None


def test_undo_removes_that_import_and_nothing_else(client, signed_in, portfolio):
    manual = Transaction.query.filter_by(portfolio_id=portfolio.id).count()
    import_file(client, portfolio.id, HEADER + "2024-07-01,BUY,NVDA,2,120,0,USD,\n", "one.csv")
    import_file(client, portfolio.id, HEADER + "2024-07-02,BUY,AMD,3,160,0,USD,\n", "two.csv")
    first, second = ImportBatch.query.order_by(ImportBatch.id).all()
    resp = client.post(f"/portfolios/{portfolio.id}/imports/{first.id}/undo")
    assert resp.status_code == 302
    assert {t.ticker for t in Transaction.query.filter_by(portfolio_id=portfolio.id)} == {"AAPL", "MSFT", "AMD"}
    assert Transaction.query.count() == manual + 1
    db.session.expire_all()
    assert (db.session.get(ImportBatch, first.id).status, db.session.get(ImportBatch, second.id).status) == (
        "undone", "committed")
    page = client.get(f"/portfolios/{portfolio.id}/import").get_data(as_text=True)
    assert "undone" in page and "one.csv" in page
    client.post(f"/portfolios/{portfolio.id}/imports/{first.id}/undo")
    assert "already undone" in client.get(f"/portfolios/{portfolio.id}/import").get_data(as_text=True)
    # The same file can come back in after an undo.
    import_file(client, portfolio.id, HEADER + "2024-07-01,BUY,NVDA,2,120,0,USD,\n", "one.csv")
    assert Transaction.query.filter_by(ticker="NVDA").count() == 1


def test_undo_is_refused_when_later_sells_need_the_rows(client, signed_in, empty):
    import_file(client, empty.id, HEADER + "2024-07-01,BUY,NVDA,2,120,0,USD,\n")
    db.session.add(Transaction(portfolio_id=empty.id, ticker="NVDA", type="SELL", trade_date=date(2024, 8, 1),
                               quantity=D(2), price=D(130), fees=D(0), currency="USD"))
    db.session.commit()
    batch = ImportBatch.query.one()
    client.post(f"/portfolios/{empty.id}/imports/{batch.id}/undo")
    assert Transaction.query.count() == 2 and ImportBatch.query.one().status == "committed"
    assert "Not undone" in client.get(f"/portfolios/{empty.id}/import").get_data(as_text=True)


def test_export_neutralizes_formulas_and_reimports_unchanged(client, signed_in, portfolio):
    for note in ("=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)", "plain, with comma"):
        db.session.add(Transaction(portfolio_id=portfolio.id, ticker="MSFT", type="DIVIDEND", note=note,
                                   trade_date=date(2024, 5, 16), quantity=D(1), price=D("3.0"), fees=D(0),
                                   currency="USD"))
    db.session.commit()
    resp = client.get(f"/portfolios/{portfolio.id}/export.csv")
    body = resp.get_data(as_text=True)
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    assert body.startswith("\ufeffdate,type,ticker,quantity,price,fees,currency,note\r\n")
    assert '\'=HYPERLINK(""http://evil"")' in body and "'+1+1" in body and "'-2" in body and "'@SUM(A1)" in body
    assert "2024-01-02,BUY,AAPL,10,185,0,USD," in body
    before = rows_of(portfolio.id)
    # Into the same portfolio: every row is already there.
    page = upload(client, portfolio.id, resp.data, "export.csv").get_data(as_text=True)
    assert confirm_fields(page) is None and f"{len(before)} already in the portfolio" in page
    # Into an empty one: the same transactions, notes and all.
    other = make_portfolio(portfolio.owner, name="Copy")
    import_file(client, other.id, resp.data, "export.csv")
    assert rows_of(other.id) == before


def test_pasted_text_imports_too(client, empty):
    resp = client.post(f"/portfolios/{empty.id}/import", data={"text": "symbol,quantity,price\nVTI,3,250\n"})
    page = resp.get_data(as_text=True)
    assert "pasted text" in page and "Positions snapshot" in page
    confirm(client, empty.id, confirm_fields(page))
    assert ImportBatch.query.one().filename == "pasted text"
    assert Transaction.query.one().trade_date == date.today()


def test_nothing_chosen_or_an_unknown_file_answers_in_words(client, empty):
    resp = client.post(f"/portfolios/{empty.id}/import", data={})
    assert resp.status_code == 400 and "Choose a file, or paste its text." in resp.get_data(as_text=True)
    resp = upload(client, empty.id, "name,age\nbob,4\n")
    assert resp.status_code == 400 and "does not recognize this file" in resp.get_data(as_text=True)


def test_a_confirmation_imports_its_kept_file_once(client, empty):
    fields = confirm_fields(upload(client, empty.id, HEADER + "2024-07-01,BUY,NVDA,2,120,0,USD,\n").data.decode())
    assert confirm(client, empty.id, fields).status_code == 302
    again = confirm(client, empty.id, fields)  # a double click, or the back button
    assert "already imported" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert Transaction.query.count() == 1 and ImportBatch.query.one().status == "committed"
    assert ImportBatch.query.one().content is None  # the kept text goes once it is imported
    assert client.post(f"/portfolios/{empty.id}/import/999/confirm").status_code == 404


def test_a_preview_left_for_a_day_is_dropped(client, empty):
    fields = confirm_fields(upload(client, empty.id, HEADER + "2024-07-01,BUY,NVDA,2,120,0,USD,\n").data.decode())
    stale = ImportBatch.query.one()
    stale.created_at -= service.PREVIEW_LIFETIME + timedelta(minutes=1)
    db.session.commit()
    fresh = HEADER + "2024-07-02,BUY,AMD,1,150,0,USD,\n"
    upload(client, empty.id, fresh)
    db.session.expire_all()
    assert [b.file_hash for b in ImportBatch.query.filter_by(status="preview")] == [service.file_hash(fresh)]
    # SQLite may give the new preview the old one's id: the hash the form carries tells them apart.
    resp = confirm(client, empty.id, fields)
    assert resp.status_code in (302, 404) and Transaction.query.count() == 0


def test_a_failure_while_saving_leaves_nothing_behind(client, empty, monkeypatch):
    fields = confirm_fields(upload(client, empty.id, HEADER + "2024-07-01,BUY,NVDA,2,120,0,USD,\n"
                                   "2024-07-02,BUY,AMD,1,150,0,USD,\n").data.decode())
    real = db.session.execute

    def failing(statement, *args, **kwargs):
        if args and isinstance(args[0], list):  # the bulk insert of the rows, after the batch was claimed
            raise OperationalError("INSERT", {}, Exception("disk full"))
        return real(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", failing)
    resp = confirm(client, empty.id, fields)
    monkeypatch.undo()
    assert "could not be saved" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert Transaction.query.count() == 0 and ImportBatch.query.one().status == "preview"
    # The kept file is still there: confirming again imports it.
    assert confirm(client, empty.id, fields).status_code == 302 and Transaction.query.count() == 2


def test_a_long_file_is_confirmed_by_its_id_alone(app_factory):
    # Before, the file travelled back in the form: a form limit just above Werkzeug's 64 KB chunk broke it.
    app = app_factory(MAX_FORM_MEMORY_SIZE=70_000)
    client = app.test_client()
    with app.app_context():
        owner = make_user()
        target = make_portfolio(owner)
        client.post("/login", data={"email": owner.email, "password": "correct-horse"})
        rng = random.Random(7)
        lines = [f"2024-0{1 + i % 9}-1{i % 10},BUY,T{i:05d},{i + 1},{10 + i % 97}.{i % 100:02d},0,USD,"
                 f"{base64.b64encode(rng.randbytes(24)).decode()}" for i in range(3000)]
        preview = upload(client, target.id, HEADER + "\n".join(lines))
        fields = confirm_fields(preview.get_data(as_text=True))
        assert set(fields) <= {ACTION, "csrf_token", "file_hash"}
        confirm(client, target.id, fields)
        assert Transaction.query.count() == 3000


def test_upload_size_limit_answers_413_in_words(app_factory):
    app = app_factory(MAX_CONTENT_LENGTH=2048)
    client = app.test_client()
    with app.app_context():
        owner = make_user()
        target = make_portfolio(owner)
        client.post("/login", data={"email": owner.email, "password": "correct-horse"})
        resp = upload(client, target.id, HEADER + "2024-01-02,BUY,AAPL,1,1,0,USD,\n" * 200)
        assert resp.status_code == 413 and "The file is too large: the limit is 2 KB." in resp.get_data(as_text=True)
        assert Transaction.query.count() == 0


def test_pasted_text_over_the_form_limit_answers_413_in_words(app_factory):
    app = app_factory(MAX_FORM_MEMORY_SIZE=1000)
    client = app.test_client()
    with app.app_context():
        owner = make_user()
        target = make_portfolio(owner)
        client.post("/login", data={"email": owner.email, "password": "correct-horse"})
        resp = client.post(f"/portfolios/{target.id}/import", content_type="multipart/form-data",
                           data={"text": HEADER + "2024-01-02,BUY,AAPL,1,1,0,USD,\n" * 100})
        assert resp.status_code == 413 and "upload that instead" in resp.get_data(as_text=True)


def test_row_limit_answers_in_words(app_factory):
    app = app_factory(IMPORT_MAX_ROWS=3)
    client = app.test_client()
    with app.app_context():
        owner = make_user()
        target = make_portfolio(owner)
        client.post("/login", data={"email": owner.email, "password": "correct-horse"})
        resp = upload(client, target.id, HEADER + "2024-01-02,BUY,AAPL,1,1,0,USD,\n" * 4)
        assert resp.status_code == 400 and "more than 3 rows" in resp.get_data(as_text=True)


def csrf_token(page):
    return BeautifulSoup(page, "html.parser").find("input", {"name": "csrf_token"})["value"]


def test_csrf_is_required(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():  # requests run outside it: Flask-WTF keeps the token in `g`, per request
        target_id = make_portfolio(make_user()).id
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"  # the test client speaks HTTPS here
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "owner@example.com", "password": "correct-horse", "csrf_token": token})
    text = HEADER + "2024-01-02,BUY,AAPL,1,1,0,USD,\n"
    assert upload(client, target_id, text).status_code == 400
    token = csrf_token(client.get(f"/portfolios/{target_id}/import").get_data(as_text=True))
    resp = client.post(f"/portfolios/{target_id}/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(text.encode()), "a.csv"), "csrf_token": token})
    fields = confirm_fields(resp.get_data(as_text=True))
    assert fields["csrf_token"][0]
    assert client.post(fields[ACTION][0]).status_code == 400  # no token
    assert confirm(client, target_id, fields).status_code == 302
    with app.app_context():
        assert Transaction.query.count() == 1


def test_a_stranger_cannot_preview_confirm_undo_or_export(client, auth, owner):
    target = make_portfolio(owner)
    text = HEADER + "2024-07-01,BUY,NVDA,2,120,0,USD,\n"
    auth.login()
    fields = confirm_fields(upload(client, target.id, text).data.decode())
    confirm(client, target.id, fields)
    batch = ImportBatch.query.one()
    auth.logout()
    make_user("stranger@example.com")
    auth.login("stranger@example.com")
    own = make_portfolio(db.session.get(type(owner), 2), name="Mine")
    assert upload(client, target.id, text).status_code == 404
    assert confirm(client, target.id, fields).status_code == 404
    assert client.post(f"/portfolios/{target.id}/imports/{batch.id}/undo").status_code == 404
    assert client.post(f"/portfolios/{own.id}/imports/{batch.id}/undo").status_code == 404
    assert client.get(f"/portfolios/{target.id}/export.csv").status_code == 404
    assert ImportBatch.query.one().status == "committed" and Transaction.query.count() == 1


def test_cli_dry_run_then_import(runner, owner, portfolio, tmp_path):
    path = tmp_path / "trades.csv"
    path.write_text(HEADER + "2024-07-01,BUY,NVDA,2,120,0,USD,\n2024-07-02,BUY,AMD,x,150,0,USD,\n")
    dry = runner.invoke(args=["import-transactions", str(path), "--portfolio", str(portfolio.id), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 to add" in dry.output and "line 3: quantity: “x” is not a number." in dry.output
    assert "Dry run" in dry.output and ImportBatch.query.count() == 0
    real = runner.invoke(args=["import-transactions", str(path), "--portfolio", str(portfolio.id),
                               "--format", "folio"])
    assert real.exit_code == 0, real.output
    assert "Imported 1 transactions" in real.output and ImportBatch.query.one().imported_count == 1
    again = runner.invoke(args=["import-transactions", str(path), "--portfolio", str(portfolio.id)])
    assert again.exit_code != 0 and "Nothing could be imported" in again.output


def test_cli_fails_clearly(runner, owner, portfolio, tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    junk = runner.invoke(args=["import-transactions", str(path), "--portfolio", str(portfolio.id)])
    assert junk.exit_code != 0 and "not a text file" in junk.output
    missing = runner.invoke(args=["import-transactions", str(path), "--portfolio", "999"])
    assert missing.exit_code != 0 and "No portfolio with id 999" in missing.output
    path.write_text(HEADER + "2024-07-01,BUY,NVDA,0,120,0,USD,\n")
    bad = runner.invoke(args=["import-transactions", str(path), "--portfolio", str(portfolio.id)])
    assert bad.exit_code != 0 and "must be greater than zero" in bad.output
