"""The mapping step, end to end in the test client: a file no format knows, its columns chosen, previewed,
imported; the mapping remembered for the next file with that header (in the browser and the CLI).

broker-fr.csv is afadil/wealthfolio's `docs/test-data/ai-import-european-broker.csv`, a French broker statement.
"""

from decimal import Decimal as D
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from app.models import ColumnMapping, ImportBatch, Transaction
from tests.conftest import make_portfolio, make_user
from tests.test_imports_flow import ACTION, confirm, confirm_fields, mapping_fields, upload
from tests.test_imports_formats import cash, held

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
FRENCH = (FIXTURES / "broker-fr.csv").read_bytes()


@pytest.fixture
def signed_in(auth, owner):
    auth.login()
    return owner


def chosen(fields):
    """{field: value} of a mapping form's selects."""
    return {k: v[0] for k, v in fields.items() if k.startswith(("role_", "type_")) or k in ("mark", "order")}


def type_fields(html):
    """{type value as the file writes it: its field name} on a mapping page."""
    soup = BeautifulSoup(html, "html.parser")
    return {label.get_text(strip=True): label["for"] for label in soup.select("table.types label")}


def test_a_file_no_format_knows_is_mapped_previewed_and_imported(client, signed_in):
    portfolio = make_portfolio(signed_in, name="Compte-titres")
    page = upload(client, portfolio.id, FRENCH, "releve.csv")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "does not recognize this file" in html
    assert Transaction.query.count() == 0 and ImportBatch.query.one().status == "preview"
    fields = mapping_fields(html)
    # Each column guessed from its name (the ISIN column from its values), each type from its words.
    assert {k: v for k, v in chosen(fields).items() if k.startswith("role_")} == {
        "role_date": "0", "role_type": "2", "role_ticker": "", "role_isin": "3", "role_name": "4",
        "role_quantity": "5", "role_price": "6", "role_amount": "7", "role_fees": "8", "role_currency": "9",
        "role_note": ""}
    types = type_fields(html)
    assert list(types) == ["Achat", "Dividende", "Vente", "Versement", "Prelevement", "Interet"]
    assert [fields[types[v]][0] for v in types] == ["BUY", "DIVIDEND", "SELL", "SKIP", "SKIP", "SKIP"]
    assert "15/01/2024 · 20/01/2024 · 01/02/2024" in html  # the first values beside each choice

    action = fields.pop(ACTION)[0]
    fields["order"] = ["dmy"]
    first = client.post(action, data={**fields, "show": "Show the first rows"}).get_data(as_text=True)
    assert "The first rows with these choices" in first and "2024-01-15" in first
    assert "ISIN: empty; an ISIN is needed." in first  # Cloudflare has none
    assert ImportBatch.query.one().format == ""  # nothing decided yet

    preview = client.post(action, data={**fields, "submit": "Preview the import"}).get_data(as_text=True)
    assert "Read as <strong>your column mapping</strong>" in preview
    assert "6 to add" in preview and "2 with problems" in preview and "5 left out" in preview
    assert confirm(client, portfolio.id, confirm_fields(preview)).status_code == 302
    assert held(portfolio.id) == {"US0378331005": 15, "US88160R1014": 5, "US02079K3059": 3}
    assert cash(portfolio.id, "DIVIDEND") == {"EUR": D("107.5")}
    apple = Transaction.query.filter_by(ticker="US0378331005", type="BUY").one()
    assert (D(apple.quantity), D(apple.price), D(apple.fees), apple.currency) == (D(25), D("172.5"), D("0.99"), "EUR")
    assert ImportBatch.query.one().format == "mapped" and "your mapping" in client.get(
        f"/portfolios/{portfolio.id}/import").get_data(as_text=True)


def test_the_mapping_is_saved_and_offered_for_the_next_file_with_that_header(client, signed_in, runner, tmp_path):
    portfolio = make_portfolio(signed_in)
    html = upload(client, portfolio.id, FRENCH, "janvier.csv").get_data(as_text=True)
    fields = mapping_fields(html)
    action = fields.pop(ACTION)[0]
    types = type_fields(html)
    fields.update({"order": ["dmy"], "mark": [","], types["Prelevement"]: ["FEE"]})  # the owner's own choices
    client.post(action, data={**fields, "submit": "Preview the import"})
    assert ColumnMapping.query.filter_by(user_id=signed_in.id).count() == 1

    other = make_portfolio(signed_in, name="Other")
    later = FRENCH.replace(b"15/01/2024;17/01/2024;Achat", b"16/01/2024;18/01/2024;Achat")
    html = upload(client, other.id, later, "fevrier.csv").get_data(as_text=True)
    assert "This is the mapping you saved for files with this header" in html
    offered = mapping_fields(html)
    assert (offered["order"], offered["mark"], offered[type_fields(html)["Prelevement"]]) == (["dmy"], [","],
                                                                                                ["FEE"])
    # The command line reads a file with that header the same way, for the same owner.
    path = tmp_path / "mars.csv"
    path.write_bytes(later)
    result = runner.invoke(args=["import-transactions", str(path), "--portfolio", str(other.id)])
    assert result.exit_code == 0, result.output
    assert "Read with the column mapping saved on" in result.output and "your column mapping" in result.output
    assert cash(other.id, "DIVIDEND") == {"EUR": D("107.5")}
    assert cash(other.id, "FEE") == {"EUR": D(1200)}  # the withdrawal, as this owner mapped it: an account fee


def test_a_mapping_that_cannot_read_the_file_says_what_is_missing(client, signed_in):
    portfolio = make_portfolio(signed_in)
    fields = mapping_fields(upload(client, portfolio.id, FRENCH).get_data(as_text=True))
    action = fields.pop(ACTION)[0]
    fields.update({"role_date": [""], "role_isin": [""], "role_price": ["5"]})  # the quantity's column twice
    resp = client.post(action, data={**fields, "submit": "Preview the import"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Choose the column that holds the date." in page and "Choose the column of the ticker, or of the ISIN." \
        in page and "A column can serve one purpose only." in page
    assert Transaction.query.count() == 0 and ImportBatch.query.one().format == ""
    resp = client.post(action, data={**fields, "role_date": ["99"]})  # not one of the file's columns
    assert resp.status_code == 400 and "The form was incomplete" in resp.get_data(as_text=True)


def test_the_cli_without_a_saved_mapping_says_how_to_make_one(runner, owner, tmp_path):
    portfolio = make_portfolio(owner)
    path = tmp_path / "releve.csv"
    path.write_bytes(FRENCH)
    result = runner.invoke(args=["import-transactions", str(path), "--portfolio", str(portfolio.id)])
    assert result.exit_code != 0 and "import the file once in the browser" in result.output
    assert ImportBatch.query.count() == 0


def test_a_strangers_kept_file_cannot_be_mapped(client, auth, owner):
    portfolio = make_portfolio(owner)
    auth.login()
    fields = mapping_fields(upload(client, portfolio.id, FRENCH).get_data(as_text=True))
    auth.logout()
    make_user("stranger@example.com")
    auth.login("stranger@example.com")
    own = make_portfolio(type(owner).query.filter_by(email="stranger@example.com").one(), name="Mine")
    batch = ImportBatch.query.one()
    assert client.get(fields[ACTION][0]).status_code == 404
    assert client.get(f"/portfolios/{own.id}/import/{batch.id}/map").status_code == 404
    assert client.get(f"/portfolios/{own.id}/import/{batch.id}").status_code == 404
    assert client.post(f"/portfolios/{own.id}/import/{batch.id}/confirm").status_code == 404


def test_choosing_another_type_column_asks_again_what_its_values_mean(client, signed_in):
    portfolio = make_portfolio(signed_in)
    html = upload(client, portfolio.id, FRENCH).get_data(as_text=True)
    fields = mapping_fields(html)
    action = fields.pop(ACTION)[0]
    fields.update({"role_type": ["4"], "role_name": [""], "order": ["dmy"]})  # Libelle, by mistake
    page = client.post(action, data={**fields, "submit": "Preview the import"}).get_data(as_text=True)
    assert "The type column changed" in page and Transaction.query.count() == 0
    again = mapping_fields(page)
    assert (again["role_type"], again["order"]) == (["4"], ["dmy"])  # the person's choices are kept
    assert list(type_fields(page))[:2] == ["Apple Inc.", "Cloudflare"]  # the new column's values, asked anew
    assert ImportBatch.query.one().format == ""


def test_a_file_read_as_a_snapshot_can_be_read_as_purchases_on_the_mapping_step(client, signed_in):
    """`date,symbol,quantity,price` is Wealthfolio's holdings file and also a plain list of buys: the two cannot be
    told apart, so the preview of the snapshot offers the mapping step, where the same file reads as buys."""
    portfolio = make_portfolio(signed_in)
    text = "date,symbol,quantity,price,currency\n2024-01-02,AAPL,10,180,USD\n2024-03-01,AAPL,5,175,USD\n"
    preview = upload(client, portfolio.id, text, "buys.csv").get_data(as_text=True)
    assert "1 to add" in preview and "latest date" in preview  # read as a snapshot: AAPL 5
    link = BeautifulSoup(preview, "html.parser").find("a", string=lambda t: t and "choose the columns yourself" in t)
    page = client.get(link["href"])
    assert page.status_code == 200
    fields = mapping_fields(page.get_data(as_text=True))
    action = fields.pop(ACTION)[0]
    mapped = client.post(action, data={**fields, "submit": "Preview the import"}).get_data(as_text=True)
    assert "Read as <strong>your column mapping</strong>" in mapped and "2 to add" in mapped
    assert confirm(client, portfolio.id, confirm_fields(mapped)).status_code == 302
    assert held(portfolio.id) == {"AAPL": 15}
