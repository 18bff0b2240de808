"""Recognizing a file refuses to guess: each known header is one format's only, and types must be the format's."""

from pathlib import Path

import pytest

from app.imports.detect import Header, NeedsMapping, find_header
from app.imports.formats import FORMATS
from app.imports.formats.base import Format, normalize_header
from app.imports.reader import choose, decode, parse_text
from app.imports.rows import Record

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
OWN = {
    "folio.csv": "folio", "positions.csv": "positions", "yahoo.csv": "yahoo", "yahoo-transactions.csv": "yahoo",
    "schwab.csv": "schwab", "ibkr.csv": "ibkr", "ibkr-isin.csv": "ibkr", "ghostfolio.csv": "ghostfolio",
    "wealthfolio.csv": "wealthfolio", "wealthfolio-sample.csv": "wealthfolio", "wealthfolio-holdings.csv": "positions",
    "trading212.csv": "trading212", "revolut.csv": "revolut", "freetrade.csv": "freetrade", "fidelity.csv": "fidelity",
    "fidelity-all-accounts.csv": "fidelity", "vanguard.csv": "vanguard", "degiro-transactions.csv": "degiro",
    "degiro-transacties.csv": "degiro", "degiro-account.csv": "degiro-account",
}


def header_of(name):
    return find_header(decode((FIXTURES / name).read_bytes()).split("\n"))


def test_every_format_has_a_fixture():
    assert {fmt.name for fmt in FORMATS} == set(OWN.values())


@pytest.mark.parametrize("name", sorted(OWN))
def test_each_header_is_accepted_by_its_own_format_only(name):
    header = header_of(name)
    assert [fmt.name for fmt, _ in header.matches] == [OWN[name]]


@pytest.mark.parametrize("other", FORMATS, ids=lambda fmt: fmt.name)
@pytest.mark.parametrize("name", sorted(OWN))
def test_no_format_accepts_another_formats_header(name, other):
    header = header_of(name)
    if other.name != OWN[name]:
        assert other.match(header.names) is None


def test_revolut_is_not_taken_for_folios_own_csv():
    header = "Date,Ticker,Type,Quantity,Price per share,Total Amount,Currency,FX Rate"
    names = [normalize_header(cell) for cell in header.split(",")]
    assert FORMATS[0].name == "folio" and FORMATS[0].match(names) is None
    assert parse_text((FIXTURES / "revolut.csv").read_text()).format.name == "revolut"


def test_a_file_whose_types_are_not_ours_goes_to_the_mapping_step():
    text = ("date,type,ticker,quantity,price\n2024-01-02,BUY - MARKET,AAPL,1,100\n2024-01-03,CASH TOP-UP,,,\n"
            "2024-01-04,STOCK SPLIT,TSLA,0.16,\n")
    with pytest.raises(NeedsMapping, match="types .*“BUY - MARKET”, “CASH TOP-UP”.* are not ones Folio") as caught:
        parse_text(text)
    assert caught.value.header.index == 0
    # A typo among our own types is still our file: that one row gets a problem.
    typo = "date,type,ticker,quantity,price\n" + "2024-01-02,BUY,AAPL,1,100\n" * 4 + "2024-01-03,SWAP,AAPL,1,100\n"
    rows = parse_text(typo).rows
    assert [r.line for r in rows if r.problems] == [6]


def test_a_header_no_format_knows_goes_to_the_mapping_step_with_its_header_line():
    text = decode((FIXTURES / "broker-fr.csv").read_bytes())
    with pytest.raises(NeedsMapping, match="does not recognize this file") as caught:
        parse_text(text)
    assert caught.value.header.index == 3 and caught.value.header.separator == ";"
    assert caught.value.header.cells[:3] == ["Date d'operation", "Date de valeur", "Operation"]


class Twin(Format):
    name, label = "twin", "Twin"
    columns = {"date": ("date",), "ticker": ("ticker",), "quantity": ("quantity",)}
    required = ("date", "ticker", "quantity")
    type_column = None


def test_two_formats_explaining_a_header_equally_well_are_neither_sure():
    first, second = Twin(), Twin()
    second.label = "Other twin"
    names = ["date", "ticker", "quantity"]
    header = Header(0, ",", names, names, [(first, first.match(names)), (second, second.match(names))])
    with pytest.raises(NeedsMapping, match="fits both Twin and Other twin"):
        choose(header, [Record(2, ["2024-01-02", "AAPL", "1"], None)])
