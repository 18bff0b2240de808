"""Each format's parser on its fixture file, and the awkward cases every format must survive."""

from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest

from app.imports.reader import decode, parse_text
from app.imports.rows import ImportFailed
from app.imports.values import ValueProblem, date_order, decimal_mark, parse_date, parse_number

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
TODAY = date(2026, 1, 15)


def parse_fixture(name, **kwargs):
    return parse_text(decode((FIXTURES / name).read_bytes()), today=TODAY, **kwargs)


def summary(parsed):
    """(line, type, ticker, quantity, price, fees, currency, date) of the rows to import; skipped lines apart."""
    rows = [
        (r.line, r.type, r.ticker, r.quantity.normalize() if r.quantity is not None else None,
         r.price.normalize(), r.fees.normalize(), r.currency, r.trade_date)
        for r in parsed.rows if r.valid
    ]
    skipped = {r.line for r in parsed.rows if r.skipped}
    return rows, skipped


def test_folio_fixture_with_aliases_bom_crlf_and_quoted_newlines():
    parsed = parse_fixture("folio.csv")
    rows, skipped = summary(parsed)
    assert parsed.format.name == "folio" and not skipped
    assert [r for r in parsed.rows if r.problems] == []
    assert rows[0] == (2, "BUY", "AAPL", D(10), D("125.07"), D(1), "USD", date(2023, 1, 3))
    assert rows[1][2:4] == ("BRK-B", D(4)) and rows[1][6] == "USD"
    by_line = {r.line: r for r in parsed.rows}
    assert by_line[4].note == "Bought after\nearnings"
    # A quoted line break makes the next record start two lines further down; the blank line is skipped.
    assert by_line[7].type == "DIVIDEND" and by_line[7].price == D("2.4")
    assert by_line[8].note == "=SUM(A1)"  # our export's neutralized formula, read back as written
    assert (by_line[10].type, by_line[10].quantity) == ("SPLIT", D(10))
    assert (by_line[12].ticker, by_line[12].currency) == ("VOD.L", "GBP")
    assert by_line[13].ticker == "BRK-B" and by_line[13].note == "-minus note"


def test_positions_fixture_latin1_semicolons_decimal_commas_preamble_and_totals():
    parsed = parse_fixture("positions.csv", currency="EUR")
    rows, skipped = summary(parsed)
    assert (parsed.format.name, parsed.separator, parsed.mark, parsed.header_line) == ("positions", ";", ",", 4)
    assert skipped == {9, 10}  # the cash line and the total line
    assert rows == [
        (5, "BUY", "SAP.DE", D(12), D("154.53"), D(0), "EUR", date(2023, 5, 2)),
        (6, "BUY", "ALV.DE", D(5), D("220.5"), D(0), "EUR", TODAY),  # no date: today
        (7, "BUY", "IWDA.AS", D("40.5"), D("80.02"), D(0), "EUR", date(2024, 1, 11)),
        (8, "BUY", "MC.PA", D(2), D(749), D(0), "EUR", date(2024, 3, 20)),
    ]
    assert parsed.rows[3].note == "LVMH Moët Hennessy"


def test_yahoo_fixture_lots_and_watchlist_lines():
    parsed = parse_fixture("yahoo.csv")
    rows, skipped = summary(parsed)
    assert parsed.format.name == "yahoo"
    assert skipped == {6, 7}
    assert rows[0] == (2, "BUY", "AAPL", D(10), D("125.07"), D("4.95"), "USD", date(2023, 1, 3))
    assert [r[2] for r in rows] == ["AAPL", "AAPL", "BRK-B", "SPY"]
    assert rows[3][3] == D("2.5")
    assert parsed.rows[0].note == "Bought at open, first lot"


def test_schwab_fixture_title_line_dollars_as_of_dates_and_actions():
    parsed = parse_fixture("schwab.csv")
    assert (parsed.format.name, parsed.header_line) == ("schwab", 2)
    by_line = {r.line: r for r in parsed.rows}
    assert [r for r in parsed.rows if r.problems] == []
    assert {r.line for r in parsed.rows if r.skipped} == {6, 13, 17}  # interest, transfer, total
    assert (by_line[3].type, by_line[3].quantity, by_line[3].price) == ("DIVIDEND", D(1), D("3.75"))
    assert (by_line[4].type, by_line[4].trade_date, by_line[4].quantity) == ("BUY", date(2024, 8, 9), D("0.5123"))
    assert (by_line[5].type, by_line[5].price) == ("DIVIDEND", D("41.11"))
    assert (by_line[7].type, by_line[7].split_added) == ("SPLIT", D(90))
    assert (by_line[8].type, by_line[8].quantity, by_line[8].fees) == ("SELL", D(5), D("0.03"))
    assert (by_line[9].type, by_line[9].price) == ("FEE", D("1.2"))
    assert by_line[10].ticker == "BRK-B"
    assert (by_line[16].quantity, by_line[16].price) == (D(1000), D("185.64"))


def test_ibkr_fixture_sections_sells_exchanges_and_ignored_lines():
    parsed = parse_fixture("ibkr.csv")
    rows, skipped = summary(parsed)
    assert parsed.format.name == "ibkr"
    assert skipped == {5, 6}  # forex and a summary line; the repeated header on line 7 is not a row
    assert rows == [
        (2, "BUY", "AAPL", D(50), D("185.64"), D(1), "USD", date(2024, 1, 2)),
        (3, "BUY", "BRK-B", D(10), D("363.2"), D(1), "USD", date(2024, 1, 5)),
        (4, "SELL", "AAPL", D(20), D("191.04"), D("1.0162"), "USD", date(2024, 5, 20)),
        (8, "BUY", "VOD.L", D(1000), D("0.6912"), D(3), "GBP", date(2024, 3, 1)),
        (9, "BUY", "IE00B4L5Y983", D(12), D("88.5"), D("1.25"), "EUR", date(2024, 3, 4)),
    ]


def test_ghostfolio_fixture_day_first_dates_fee_only_and_interest():
    parsed = parse_fixture("ghostfolio.csv")
    rows, skipped = summary(parsed)
    assert parsed.format.name == "ghostfolio" and skipped == {7}
    assert [(r[1], r[7]) for r in rows] == [
        ("BUY", date(2021, 9, 1)), ("DIVIDEND", date(2021, 9, 16)), ("BUY", date(2022, 3, 2)),
        ("SELL", date(2022, 11, 15)), ("FEE", date(2022, 12, 1)),
    ]
    assert rows[4][3:6] == (D(1), D("2.5"), D(0))
    assert parsed.rows[0].note == "My first order 🤓"


def test_wealthfolio_fixture_cash_lines_amounts_and_split():
    parsed = parse_fixture("wealthfolio.csv")
    rows, skipped = summary(parsed)
    assert parsed.format.name == "wealthfolio" and skipped == {2, 10}
    kinds = {r[0]: r[1:4] for r in rows}
    assert kinds[5] == ("DIVIDEND", "VTI", D(1)) and parsed.rows[3].price == D("18.46")
    assert kinds[6] == ("FEE", "VTI", D(1)) and parsed.rows[4].price == D(3)
    assert kinds[7] == ("BUY", "AMZN", D(4))
    assert kinds[8] == ("SPLIT", "NVDA", D(10))
    assert kinds[9] == ("SELL", "NVDA", D(10))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("folio.csv", "folio"), ("positions.csv", "positions"), ("yahoo.csv", "yahoo"), ("schwab.csv", "schwab"),
     ("ibkr.csv", "ibkr"), ("ghostfolio.csv", "ghostfolio"), ("wealthfolio.csv", "wealthfolio")],
)
def test_each_fixture_is_recognized_from_its_header(name, expected):
    assert parse_fixture(name).format.name == expected


def test_the_format_can_be_chosen_and_a_wrong_choice_says_what_it_expected():
    text = "Date,Code,Currency,Price,Quantity,Action,Fee,Note\n01-02-2024,AAPL,USD,10,1,buy,0,\n"
    assert parse_text(text, today=TODAY).format.name == "folio"  # no DataSource: read as our own format
    ghostfolio = "Date,Code,DataSource,Currency,Price,Quantity,Action,Fee,Note\n"
    assert parse_text(ghostfolio + "01-02-2024,AAPL,YAHOO,USD,10,1,buy,0,\n", "ghostfolio", today=TODAY).rows[
        0].trade_date == date(2024, 2, 1)
    with pytest.raises(ImportFailed, match="No Charles Schwab transactions header"):
        parse_text(text, "schwab", today=TODAY)
    with pytest.raises(ImportFailed, match="not a format Folio reads"):
        parse_text(text, "quicken", today=TODAY)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"])
@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_every_encoding_and_separator(encoding, separator):
    lines = [["date", "type", "ticker", "quantity", "price", "fees", "currency", "note"],
             ["2024-01-02", "BUY", "AAPL", "10", "185.5", "1", "USD", "Café crème, ½ lot"]]
    text = "\r\n".join(separator.join(f'"{c}"' if "," in c else c for c in line) for line in lines)
    row = parse_text(decode(text.encode(encoding)), today=TODAY).rows[0]
    assert row.valid and (row.ticker, row.quantity, row.price) == ("AAPL", D(10), D("185.5"))
    assert row.note == "Café crème, ½ lot"


def test_decimal_commas_with_thousands_points():
    text = "date;type;ticker;quantity;price;fees\n02.01.2024;BUY;SAP.DE;1.500;142,36;4,90\n03.01.2024;BUY;SAP.DE;2;0,5;"
    rows = parse_text(text, today=TODAY).rows
    assert [(r.trade_date, r.quantity, r.price, r.fees) for r in rows] == [
        (date(2024, 1, 2), D(1500), D("142.36"), D("4.9")), (date(2024, 1, 3), D(2), D("0.5"), D(0))]


def test_quoted_separators_and_a_quoted_decimal_comma_in_a_comma_file():
    text = 'date,type,ticker,quantity,price,note\n2024-01-02,BUY,AAPL,"1.000","185,50","a, b; c"\n'
    row = parse_text(text, today=TODAY).rows[0]
    assert (row.quantity, row.price, row.note) == (D(1000), D("185.5"), "a, b; c")


def test_row_problems_name_the_line_and_the_column():
    future = (TODAY + timedelta(days=3)).isoformat()
    text = "\n".join([
        "Date,Type,Ticker,Quantity,Price,Fees,Currency,Note",
        "2024-13-45,BUY,AAPL,1,10,0,USD,",
        f"{future},BUY,AAPL,1,10,0,USD,",
        "2024-01-02,BUY,,1,10,0,USD,",
        "2024-01-02,BUY,AAPL,0,10,0,USD,",
        "2024-01-02,SELL,AAPL,-2,10,0,USD,",
        "2024-01-02,BUY,AAPL,1,ten,0,USD,",
        "2024-01-02,SWAP,AAPL,1,10,0,USD,",
        "2024-01-02,BUY,AA PL,1,10,0,USD,",
        "2024-01-02,BUY,AAPL,1,10,-1,DOLLARS,",
        "2024-01-02,SPLIT,AAPL,0,0,0,USD,",
    ])
    problems = {r.line: [str(p) for p in r.problems] for r in parse_text(text, today=TODAY).rows}
    assert problems[2] == ["Date: “2024-13-45” is not a date."]
    assert problems[3] == [f"Date: {future} is in the future."]
    assert problems[4] == ["Ticker: empty; a ticker is needed."]
    assert problems[5] == ["Quantity: the quantity must be greater than zero."]
    assert problems[6] == ["Quantity: the quantity must be greater than zero."]
    assert problems[7] == ["Price: “ten” is not a number."]
    assert problems[8] == ["Type: “SWAP” is not a known type: use SPLIT, BUY, DIVIDEND, FEE, SELL."]
    assert problems[9][0].startswith("Ticker: “AA PL” is not a ticker")
    assert problems[10] == ["Fees: fees cannot be negative.",
                            "Currency: “DOLLARS” is not a currency: use a 3-letter code such as USD."]
    assert problems[11] == ["Quantity: the split ratio must be greater than zero."]


def test_unrecognized_empty_and_binary_files_fail_in_words():
    with pytest.raises(ImportFailed, match="does not recognize this file"):
        parse_text("name,age\nbob,4\n")
    with pytest.raises(ImportFailed, match="empty"):
        parse_text(decode(b""))
    with pytest.raises(ImportFailed, match="Excel workbook"):
        decode(b"PK\x03\x04rest-of-a-zip")
    with pytest.raises(ImportFailed, match="not a text file"):
        decode(b"\x00\x01\x02\x03binary\x00\x00")


def test_row_limit_is_enforced_with_a_clear_message():
    text = "date,type,ticker,quantity,price\n" + "2024-01-02,BUY,AAPL,1,1\n" * 6
    assert len(parse_text(text, max_rows=6, today=TODAY).rows) == 6
    with pytest.raises(ImportFailed, match="more than 5 rows"):
        parse_text(text, max_rows=5, today=TODAY)


@pytest.mark.parametrize(
    ("text", "mark", "expected"),
    [("$1,234.56", ".", "1234.56"), ("-$1,234.56", ".", "-1234.56"), ("($12.00)", ".", "-12"),
     ("1.234,56 €", ",", "1234.56"), ("12,5", ",", "12.5"), ("USD 5", ".", "5"), ("1'234.50", ".", "1234.5"),
     ("1 234,5", ",", "1234.5"), ("1.5E+3", ".", "1500"), (".5", ".", "0.5")],
)
def test_numbers_as_brokers_write_them(text, mark, expected):
    assert parse_number(text, mark) == D(expected)


@pytest.mark.parametrize("text", ["abc", "1.2.3x", "NaN", "Infinity", "--1", "1e999", "12-"])
def test_what_is_not_a_number(text):
    with pytest.raises(ValueProblem):
        parse_number(text)


def test_decimal_mark_and_date_order_are_guessed_from_the_file():
    assert decimal_mark(["1.234,56", "12"]) == ","
    assert decimal_mark(["1,234.56"]) == "."
    assert decimal_mark(["12,50", "3,1"]) == ","
    assert decimal_mark(["1,234"], fallback=",") == ","
    assert date_order(["01/02/2024", "25/02/2024"]) == "dmy"
    assert date_order(["02/25/2024"]) == "mdy"
    assert date_order(["01.02.2024"]) == "dmy"
    assert parse_date("08/14/2024") == date(2024, 8, 14)
    assert parse_date("14.08.24", "dmy") == date(2024, 8, 14)
    assert parse_date("20240814") == date(2024, 8, 14)
    assert parse_date("2024-08-14T13:30:00.000Z") == date(2024, 8, 14)
    assert parse_date("20240814;093000") == date(2024, 8, 14)
