"""Each format's fixture, imported into an empty portfolio, gives the holdings and cash computed by hand.

Real broker files are listed with their sources in tests/fixtures/imports/SOURCES.md (dickwolff/Export-To-
Ghostfolio `samples/`, redstreet/beancount_reds_importers, afadil/wealthfolio); the others are written from
each broker's documented layout.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from app.analytics.holdings import compute_holdings
from app.imports import service
from app.models import Security
from app.portfolios.service import trades_of, transactions_of
from tests.conftest import make_portfolio

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
TODAY = date(2026, 1, 15)


def import_fixture(owner, name, currency="USD"):
    """Preview and commit a fixture into a new portfolio; return (portfolio, preview)."""
    portfolio = make_portfolio(owner, name=name)
    portfolio.base_currency = currency
    text = service.read_bytes((FIXTURES / name).read_bytes())
    preview = service.preview(portfolio, text, name, today=TODAY)
    service.commit(portfolio, preview.batch, today=TODAY)
    return portfolio, preview


def held(portfolio_id):
    """{ticker: quantity} of the open positions."""
    return {t: h.quantity.normalize() for t, h in compute_holdings(trades_of(portfolio_id)).items() if h.is_open}


def cash(portfolio_id, kind):
    """{currency: total} of the portfolio's DIVIDEND (net of their fees) or FEE rows."""
    totals = defaultdict(D)
    for t in transactions_of(portfolio_id):
        if t.type == kind:
            totals[t.currency] += D(t.quantity) * D(t.price) + (-1 if kind == "DIVIDEND" else 1) * D(t.fees)
    return {currency: total.quantize(D("1e-6")).normalize() for currency, total in totals.items()}


def d(values):
    return {key: D(value) for key, value in values.items()}


CASES = [
    # fixture, format, holdings, dividends, fees, lines with problems
    ("folio.csv", "folio", {"AAPL": 7, "BRK-B": 5, "MSFT": 5, "NVDA": 20, "VOD.L": 100},
     {"USD": "2.4"}, {"USD": "4.5"}, set()),
    ("positions.csv", "positions", {"SAP.DE": 12, "ALV.DE": 5, "IWDA.AS": "40.5", "MC.PA": 2}, {}, {}, set()),
    ("yahoo.csv", "yahoo", {"AAPL": 15, "BRK-B": 3, "SPY": "2.5"}, {}, {}, set()),
    ("yahoo-transactions.csv", "yahoo", {"AAPL": 3, "SWDA.MI": 12}, {}, {"USD": "10.68"}, set()),
    ("schwab.csv", "schwab", {"AAPL": 995, "SCHD": "100.5123", "NVDA": 100, "TSM": 20, "BRK-B": 3},
     {"USD": "56.86"}, {"USD": "1.2"}, set()),
    ("ibkr.csv", "ibkr", {"AAPL": 30, "BRK-B": 10, "VOD.L": 1000, "IE00B4L5Y983": 12}, {}, {}, set()),
    ("ibkr-isin.csv", "ibkr", {"CH0111762537": 7, "US9220427424": 323}, {}, {}, set()),
    ("ghostfolio.csv", "ghostfolio", {"MSFT": 3, "AAPL": 8}, {"USD": "3.1"}, {"USD": "2.5"}, set()),
    ("wealthfolio.csv", "wealthfolio", {"VTI": 20, "NVDA": 20, "AMZN": 4}, {"USD": "18.46"}, {"USD": "3"}, set()),
    ("wealthfolio-sample.csv", "wealthfolio", {"AAPL": 5, "MSFT": 5, "GOOGL": 2, "TD.TO": 20, "VTI": 50},
     {"USD": "64.9"}, {"USD": "175"}, set()),
    ("wealthfolio-holdings.csv", "positions", {"AAPL": 55, "MSFT": 30, "VOO": 25, "TD.TO": 100}, {}, {}, set()),
    # ASTR is sold with nothing bought in the file; the stock distribution line is shifted by a column.
    ("trading212.csv", "trading212", {"CSCO": "0.029053", "VICI": "0.041014", "ASTS": "0.29764"},
     {"USD": "0.046631", "GBX": "17.674081"}, {"USD": "15.02"}, {6, 11}),
    # MA is sold with nothing bought; TSLA's split adds shares to none held (a buy at no cost); "0,76672417".
    ("revolut.csv", "revolut", {"O": "1.63453043", "TSLA": "0.72649598"}, {"USD": "0.08"}, {"USD": "0.01"}, {5, 13}),
    ("freetrade.csv", "freetrade", {"ATST.L": 421, "VWRL.L": 10, "NVDA": "4.1056135"},
     {"GBP": "26.6914", "USD": "8.920834"}, {}, set()),
    ("fidelity.csv", "fidelity", {"FZIPX": "48.195"}, {"USD": "600.03"}, {}, {13}),
    ("fidelity-all-accounts.csv", "fidelity", {"BND": "9.598", "VTEB": "73.459", "WM": 18},
     {"USD": "7544.49"}, {"USD": "32.93"}, {17, 21}),
    ("vanguard.csv", "vanguard", {"VTI": "14.5", "AAPL": 8, "NVDA": 50}, {"USD": "30.24"}, {"USD": "20"}, {20, 22}),
    ("degiro-transactions.csv", "degiro", {"US92538J1060": 72, "IE00B4L5Y983": 1015, "GB00BPQY8M80": 40},
     {}, {}, {8}),
    ("degiro-transacties.csv", "degiro", {"US9256521090": 1, "IE00B3RBWM25": 2, "CA0641491075": 2}, {}, {}, set()),
    # The sample mixes decimal marks: the lines written with points are refused, naming both readings.
    ("degiro-account.csv", "degiro-account", {}, {"USD": "1.61"}, {"USD": "0.25"}, {44, 45, 46, 47, 50, 51, 56, 57}),
]


@pytest.mark.parametrize(("name", "fmt", "holdings", "dividends", "fees", "problems"), CASES,
                         ids=[case[0] for case in CASES])
def test_fixture_imports_to_the_holdings_and_cash_worked_out_by_hand(owner, name, fmt, holdings, dividends, fees,
                                                                     problems):
    portfolio, preview = import_fixture(owner, name, "EUR" if name == "positions.csv" else "USD")
    assert preview.format.name == fmt
    assert held(portfolio.id) == d(holdings)
    assert cash(portfolio.id, "DIVIDEND") == d(dividends)
    assert cash(portfolio.id, "FEE") == d(fees)
    assert {row.line for row in preview.rows if row.problems} == problems


def test_isin_only_holdings_are_kept_under_their_isin_marked_to_resolve(owner):
    portfolio, preview = import_fixture(owner, "degiro-transactions.csv")
    assert preview.pending_isins == ["GB00BPQY8M80", "IE00B4L5Y983", "US92538J1060"]
    vertex = Security.query.filter_by(ticker="US92538J1060").one()
    assert (vertex.isin, vertex.to_resolve, vertex.name) == ("US92538J1060", True, "VERTEX INC CLASS A")
    # The listing and currency the file names, for the runner to prefer.
    assert (vertex.exchange, vertex.currency) == ("US", "USD")
    aviva = Security.query.filter_by(ticker="GB00BPQY8M80").one()
    assert (aviva.exchange, aviva.currency) == (".L", "GBX")


def test_degiro_fees_are_converted_to_the_price_currency_at_the_lines_rate(owner):
    portfolio, _ = import_fixture(owner, "degiro-transactions.csv")
    rows = {(t.trade_date, D(t.quantity).normalize()): t for t in transactions_of(portfolio.id)}
    first = rows[(date(2024, 5, 28), D(101))]
    assert (first.currency, D(first.price), D(first.fees)) == ("USD", D("12.6"), D("3.180515"))  # 2.93 EUR × 1.0855
    aviva = rows[(date(2024, 4, 2), D(40))]
    assert (aviva.currency, D(aviva.fees)) == ("GBX", D("469.7456"))  # (0.58 + 4.90) EUR × 85.72 GBX per EUR
