"""The defects found by importing real files as a new user would, each pinned by a test (issue 14)."""

from datetime import date
from decimal import Decimal as D
from pathlib import Path

from app.imports import service
from app.imports.reader import parse_text
from app.models import ImportBatch, Security
from tests.conftest import make_portfolio
from tests.test_imports_formats import TODAY, cash, held, import_fixture

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def import_text(portfolio, text, name="file.csv"):
    preview = service.preview(portfolio, text, name, today=TODAY)
    service.commit(portfolio, preview.batch, today=TODAY)
    return preview


def test_a_wealthfolio_drip_is_the_dividend_and_a_buy(owner):
    portfolio = make_portfolio(owner, trades=[(date(2024, 1, 2), "BUY", "VOO", 3, 430)])
    header = "date,symbol,instrumentType,quantity,activityType,unitPrice,currency,fee,amount,comment,subtype\n"
    import_text(portfolio, header + "2024-04-01,VOO,EQUITY,1,DIVIDEND,1.50,USD,0,1.50,,DRIP\n")
    assert held(portfolio.id) == {"VOO": 4}  # was 3: the buy was dropped
    assert cash(portfolio.id, "DIVIDEND") == {"USD": D("1.5")}
    # Wealthfolio's own sample: VTI's DRIP line alone makes 50 shares (was 0).
    sample, _ = import_fixture(owner, "wealthfolio-sample.csv")
    assert held(sample.id)["VTI"] == 50


def test_a_holdings_snapshot_keeps_each_tickers_latest_date_and_says_so(client, auth, owner):
    portfolio, preview = import_fixture(owner, "wealthfolio-holdings.csv")
    assert held(portfolio.id)["AAPL"] == 55  # was 105: both dates summed
    assert any("latest date" in note for note in preview.parsed.notes)
    assert {r.line: r.reason for r in preview.rows if r.skipped}[2] == "earlier snapshot"
    auth.login()
    other = make_portfolio(owner, name="Other")
    page = client.post(f"/portfolios/{other.id}/import", content_type="multipart/form-data", data={
        "file": ((FIXTURES / "wealthfolio-holdings.csv").open("rb"), "holdings.csv")}).get_data(as_text=True)
    assert "for each ticker the quantity on its latest date is kept" in page and "4 earlier lines left out" in page


def test_a_revolut_export_is_read_as_revolut_and_its_split_adds_shares(owner):
    portfolio = make_portfolio(owner)
    text = ("Date,Ticker,Type,Quantity,Price per share,Total Amount,Currency,FX Rate\n"
            "2022-03-01T14:30:00.000Z,TSLA,BUY - MARKET,0.08215962,$871.44,$71.60,USD,1.1\n"
            "2022-08-25T08:27:46.419568Z,TSLA,STOCK SPLIT,0.16431924,,$0,USD,0.0947\n")
    preview = import_text(portfolio, text)
    assert preview.format.name == "revolut"
    split = next(r for r in preview.rows if r.type == "SPLIT")
    assert split.quantity == 3  # 3-for-1, not a reverse split of ratio 0.164
    assert held(portfolio.id) == {"TSLA": D("0.24647886")}


def test_a_split_row_that_adds_no_shares_or_takes_more_than_held_is_refused_not_stored(owner):
    portfolio = make_portfolio(owner, trades=[(date(2024, 1, 2), "BUY", "QQQ", 2, 400)])
    header = "Date,Ticker,Type,Quantity,Price per share,Total Amount,Currency,FX Rate\n"
    text = header + ("2024-03-01T08:00:00.000Z,XYZ,STOCK SPLIT,-0.5,,$0,USD,1\n"  # nothing held: no BUY of -0.5
                     "2024-03-02T08:00:00.000Z,QQQ,STOCK SPLIT,0,,$0,USD,1\n"
                     "2024-03-03T08:00:00.000Z,QQQ,STOCK SPLIT,-2,,$0,USD,1\n")  # would leave a ratio of 0
    preview = service.preview(portfolio, text, "revolut.csv", today=TODAY)
    assert preview.format.name == "revolut"
    problems = {row.line: " ".join(str(p) for p in row.problems) for row in preview.rows}
    assert "none are held" in problems[2]
    assert "adds no shares" in problems[3]
    assert "only 2 are held" in problems[4]
    assert [row.status for row in preview.rows] == ["problem"] * 3
    assert preview.batch is None  # nothing to confirm
    assert held(portfolio.id) == {"QQQ": 2}


def test_schwab_actions_folio_did_not_know_are_read(owner):
    portfolio = make_portfolio(owner, trades=[(date(2024, 1, 2), "BUY", "VTI", 10, 230),
                                             (date(2024, 1, 2), "BUY", "SCHD", 10, 75)])
    lines = [
        '"Date","Action","Symbol","Description","Quantity","Price","Fees & Comm","Amount"',
        '"03/01/2024","Advisor Fee","","ADVISORY FEE","","","","-$25.00"',
        '"03/04/2024","Special Non Qual Div","VTI","VANGUARD TOTAL","","","","$4.10"',
        '"03/05/2024","Long Term Cap Gain Reinvest","VTI","VANGUARD TOTAL","","","","$2.00"',
        '"03/05/2024","Short Term Cap Gain Reinvest","VTI","VANGUARD TOTAL","","","","$1.00"',
        '"03/06/2024","NRA Withholding","VTI","VANGUARD TOTAL","","","","-$0.60"',
        '"03/07/2024","NRA Tax Adj","VTI","VANGUARD TOTAL","","","","-$0.15"',
        '"03/08/2024","Stock Div Dist","SCHD","SCHWAB US DIVIDEND","2","","",""',
        '"03/11/2024","Security Transfer","AAPL","APPLE INC","5","$150.00","",""',
        '"03/12/2024","Journaled Shares","MSFT","MICROSOFT","3","","",""',
        '"03/13/2024","Conversion","VTI","VANGUARD TOTAL","-2","$240.00","",""',
    ]
    preview = service.preview(portfolio, "\n".join(lines) + "\n", "schwab.csv", today=TODAY)
    by_line = {row.line: row for row in preview.rows}
    assert not any("not a Schwab action" in str(p) for r in preview.rows for p in r.problems)
    assert (by_line[2].type, by_line[2].ticker, by_line[2].price) == ("FEE", "", D(25))  # the account's own fee
    assert [by_line[n].type for n in (3, 4, 5)] == ["DIVIDEND"] * 3
    assert [(by_line[n].type, by_line[n].price) for n in (6, 7)] == [("FEE", D("0.6")), ("FEE", D("0.15"))]
    assert (by_line[8].type, by_line[8].quantity) == ("SPLIT", D("1.2"))  # 2 added to 10 held
    assert (by_line[9].type, by_line[9].quantity, by_line[9].price) == ("BUY", D(5), D(150))
    assert "no cost basis" in str(by_line[10].problems[0])  # flagged for the person
    assert (by_line[11].type, by_line[11].quantity) == ("SELL", D(2))


def test_an_ibkr_file_with_isins_only_keeps_them_to_resolve_and_skips_currency_conversions(owner):
    portfolio, preview = import_fixture(owner, "ibkr-isin.csv")
    assert held(portfolio.id) == {"US9220427424": 323, "CH0111762537": 7}
    security = Security.query.filter_by(ticker="US9220427424").one()
    assert (security.isin, security.to_resolve, security.exchange) == ("US9220427424", True, "US")
    assert dict(preview.left_out) == {"currency conversion": 3}


def test_a_yahoo_export_with_transaction_types_reads_its_sales(owner):
    portfolio, _ = import_fixture(owner, "yahoo-transactions.csv")
    assert held(portfolio.id)["AAPL"] == 3  # BUY 5 and SELL 2, was 7


def test_a_value_that_reads_differently_under_the_files_mark_is_a_row_error():
    text = "date,type,ticker,quantity,price\n2024-01-02,BUY,AAPL,10,185.50\n2024-01-03,BUY,AAPL,1,\"1.234,50\"\n"
    rows = parse_text(text, today=TODAY).rows
    assert rows[0].valid
    assert (rows[1].line, [str(p) for p in rows[1].problems]) == (3, [
        "price: “1.234,50” reads as 1.2345 with a decimal point but as 1234.5 with a decimal comma, and this file "
        "uses decimal points: write it the way the file's other numbers are written."])


def test_the_cli_prints_each_row_left_out_and_the_counts_per_reason(runner, owner, tmp_path):
    portfolio = make_portfolio(owner)
    path = tmp_path / "revolut.csv"
    path.write_bytes((FIXTURES / "revolut.csv").read_bytes())
    result = runner.invoke(args=["import-transactions", str(path), "--portfolio", str(portfolio.id)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  line 2: left out (withdrawal): Cash Withdrawal: a cash movement (withdrawal), not a holding." in lines
    assert "  line 3: left out (deposit): Cash Top-Up: a cash movement (deposit), not a holding." in lines
    assert any(line.startswith("  line 13: Quantity: “0,76672417” reads as") for line in lines)
    counts = lines[lines.index("Not added, by reason:") + 1:]
    assert "       2  internal transfer" in counts and "       2  with a problem" in counts
    assert "       1  deposit" in counts and "       1  cash transfer" in counts
    assert ImportBatch.query.one().status == "committed"
