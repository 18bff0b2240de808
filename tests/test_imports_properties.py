"""Property tests: no file, however odd, gives a 500 or leaves half an import behind."""

import csv
import io
import os
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.imports.detect import NeedsMapping
from app.imports.formats import FORMATS
from app.imports.reader import decode, parse_text
from app.imports.rows import ImportFailed
from app.imports.values import ValueProblem, parse_number
from app.models import ImportBatch, Transaction
from tests.conftest import make_portfolio
from tests.test_imports_flow import ACTION, confirm, confirm_fields, mapping_fields, upload

# IMPORT_EXAMPLES=5000 for a longer hunt; the defaults keep the suite quick.
SCALE = int(os.environ.get("IMPORT_EXAMPLES", 250)) / 250
PAGES = settings(max_examples=int(30 * SCALE), deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PARSER = settings(max_examples=int(250 * SCALE), deadline=None)

HEADER_NAMES = sorted({alias for fmt in FORMATS for aliases in fmt.columns.values() for alias in aliases})
CELLS = st.one_of(
    st.sampled_from(["BUY", "sell", "Dividend", "SPLIT", "FEE", "Reinvest Shares", "Stock Split", "Buy", "DEPOSIT",
                     "TRANSFER_IN", "YAHOO", "STK", "CASH", "EXECUTION", "SYMBOL_SUMMARY", "Total", "BUY (Ca.)"]),
    st.sampled_from(["AAPL", "brk.b", "BRK/B", "BRK B", "VOD.L", "$CASH-USD", "^GSPC", "", " ", "X" * 40]),
    st.sampled_from(["2024-01-02", "01/02/2024", "31.12.2023", "20240115", "08/14/2024 as of 08/13/2024",
                     "2024-02-30", "2999-01-01", "1850-01-01", "2024-01-02T10:00:00Z", "13/13/2013"]),
    st.sampled_from(["1", "0", "-5", "1,000", "1.234,56", "$1,234.56", "($12.00)", "1e5", "1e400", "NaN", "0.000000001",
                     "999999999999", "123456789012345", "12,5", "'=SUM(A1)", "@x", "USD", "EURO"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**13, max_value=10**13).map(str),
    st.text(max_size=12),
)


DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2025, 12, 31))
GOOD = {
    "date": DATES.map(str), "trade_date": DATES.map(lambda d: d.strftime("%Y%m%d")),
    "type": st.sampled_from(["BUY", "Buy", "buy", "SELL", "DIVIDEND", "Qualified Dividend", "Reinvest Shares", "FEE"]),
    "side": st.sampled_from(["BUY", "SELL"]),
    "ticker": st.sampled_from(["AAPL", "MSFT", "brk.b", "VOD.L", "SPY"]),
    "quantity": st.integers(1, 500).map(str),
    "price": st.decimals(min_value=1, max_value=5000, places=2).map(str),
    "fees": st.sampled_from(["", "0", "1.5", "$4.95"]),
    "amount": st.decimals(min_value=1, max_value=5000, places=2).map(str),
    "currency": st.sampled_from(["USD", "eur", ""]),
    "source": st.just("YAHOO"), "asset": st.just("STK"), "level": st.just("EXECUTION"),
    "instrument": st.just("EQUITY"),
}


@st.composite
def csv_files(draw):
    """A CSV file in one of the formats: a header of its names (or others), rows of good and odd cells."""
    fmt = draw(st.sampled_from(FORMATS))
    keys = [key for key in fmt.columns if key not in fmt.excluded]
    if draw(st.booleans()):  # drop some columns, add unknown ones, shuffle
        keys = [k for k in keys if draw(st.integers(0, 4))] + [None] * draw(st.integers(0, 3))
        keys = draw(st.permutations(keys))
    names = [fmt.columns[k][draw(st.integers(0, len(fmt.columns[k]) - 1))] if k else draw(st.sampled_from(HEADER_NAMES))
             for k in keys]
    odd = draw(st.sampled_from([0, 0, 0.05, 0.3, 1]))

    def cell(key):
        if key in GOOD and draw(st.floats(0, 1)) >= odd:
            return draw(GOOD[key])
        return draw(CELLS)

    rows = [[cell(k) for k in keys] for _ in range(draw(st.integers(0, 12)))]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";", "\t"])))
    for line in draw(st.lists(st.text(max_size=20), max_size=2)):  # preamble
        out.write(line.replace("\n", " ") + "\n")
    writer.writerow(names)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return out.getvalue().encode(encoding, errors="replace")


def read(data):
    try:
        return parse_text(decode(data))
    except (ImportFailed, NeedsMapping):
        return None


@PARSER
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_parse_or_fail_in_words(data):
    parsed = read(data)
    assert parsed is None or all(str(p) != "This line cannot be read." for r in parsed.rows for p in r.problems)


@PARSER
@given(csv_files())
def test_arbitrary_csv_parses_or_fails_in_words(data):
    parsed = read(data)
    event("read" if parsed is not None else "refused")
    if parsed is not None:
        event(f"{parsed.format.name}: {'some' if any(r.status == 'new' for r in parsed.rows) else 'no'} new rows")
        for row in parsed.rows:
            assert all(str(p) != "This line cannot be read." for p in row.problems)
            if row.status == "new":
                assert row.ticker and row.type and row.trade_date and row.quantity > 0
                assert len(row.currency) == 3 and (row.note is None or len(row.note) <= 500)


def committed():
    return ImportBatch.query.filter_by(status="committed")


def check_import(client, portfolio_id, data):
    """Upload, accept the mapping step's guesses if it comes, confirm whatever is offered; then check the outcome
    is all of a batch or nothing."""
    before = Transaction.query.filter_by(portfolio_id=portfolio_id).count()
    batches = committed().count()
    resp = upload(client, portfolio_id, data, "random.csv")
    assert resp.status_code in (200, 400), resp.status_code
    mapping = mapping_fields(resp.get_data(as_text=True)) if resp.status_code == 200 else None
    if mapping:
        event("mapping step")
        resp = client.post(mapping.pop(ACTION)[0], data={**mapping, "submit": "Preview the import"})
        assert resp.status_code in (200, 400), resp.status_code
    fields = confirm_fields(resp.get_data(as_text=True)) if resp.status_code == 200 else None
    if fields:
        assert confirm(client, portfolio_id, fields).status_code == 302
    after = Transaction.query.filter_by(portfolio_id=portfolio_id).count()
    if committed().count() == batches:
        event(f"nothing imported ({resp.status_code})")
        assert after == before
    else:
        event("imported")
        batch = committed().order_by(ImportBatch.id.desc()).first()
        assert batch.imported_count > 0 and after == before + batch.imported_count
        assert Transaction.query.filter_by(import_batch_id=batch.id).count() == batch.imported_count


@PAGES
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_never_give_a_500_nor_a_partial_import(client, auth, owner, data):
    auth.login()
    check_import(client, make_portfolio(owner, name="P").id, data)


@PAGES
@given(data=csv_files())
def test_arbitrary_csv_never_gives_a_500_nor_a_partial_import(client, auth, owner, data):
    auth.login()
    check_import(client, make_portfolio(owner, name="P").id, data)


def written(value, mark, grouped):
    """A Decimal as a file with this decimal mark writes it, with or without thousands separators."""
    sign, text = ("-" if value < 0 else ""), f"{abs(value):f}"
    whole, _, fraction = text.partition(".")
    if grouped:
        thousands = "," if mark == "." else "."
        whole = f"{int(whole):,}".replace(",", thousands)
    return sign + whole + (mark + fraction if fraction else "")


@PARSER
@given(value=st.decimals(min_value=-10**11, max_value=10**11, places=4, allow_nan=False),
       mark=st.sampled_from([".", ","]), grouped=st.booleans())
def test_a_number_written_with_the_files_mark_reads_as_itself(value, mark, grouped):
    assert parse_number(written(value, mark, grouped), mark) == value


@PARSER
@given(value=st.decimals(min_value=1000, max_value=10**11, places=2, allow_nan=False).filter(lambda v: v % 1),
       mark=st.sampled_from([".", ","]))
def test_a_number_written_with_the_other_mark_is_refused_not_misread(value, mark):
    other = "," if mark == "." else "."
    text = written(value, other, grouped=True)  # both separators, in the other order: never read silently
    with pytest.raises(ValueProblem, match="decimal"):
        parse_number(text, mark)
