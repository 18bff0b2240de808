"""Time the Income and Allocation pages and their JSON for a large portfolio, from the database only.

Run: .venv/bin/python bench/income.py [HOLDINGS] [RUNS]   (default 500 holdings, 5 runs)
Synthetic data on a temporary SQLite database (BENCH_DATABASE_URL for PostgreSQL): HOLDINGS tickers (a tenth
in euros, a tenth in pence), 10 trades each over 5 years, quarterly dividends for all of them (20 each),
a profile each (every tenth an ETF with 11 sector weightings), 30 days of bars and the FX pairs. Prints the
median and the slowest of RUNS for each service and each page. A measurement, not a pass/fail test.
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("YF_DISABLE_CURL_CFFI", "1")

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import CorporateAction, FundSector, Portfolio, PriceBar, Security, Transaction, User  # noqa: E402
from app.portfolios.allocation import allocation_report  # noqa: E402
from app.portfolios.income import income_report  # noqa: E402
from app.portfolios.realized import realized_report  # noqa: E402
from app.prices import get_price_service  # noqa: E402
from app.prices.demo import DEMO_FUND_SECTORS  # noqa: E402

TODAY = date.today()
SECTORS = ["Technology", "Healthcare", "Energy", "Industrials", "Utilities", "Financial Services"]


def currency_of(i):
    return "EUR" if i % 10 == 3 else ("GBp" if i % 10 == 7 else "USD")


def seed(holdings, rng):
    """The user, the portfolio and every row the pages read."""
    user = User(email="bench@example.com")
    user.set_password("bench-password")
    portfolio = Portfolio(owner=user, name="Bench", base_currency="USD")
    db.session.add_all([user, portfolio])
    db.session.flush()
    first = TODAY - timedelta(days=5 * 365)
    days = pd.bdate_range(TODAY - timedelta(days=45), TODAY)
    securities, trades, actions, bars = [], [], [], []
    for i in range(holdings):
        ticker = f"B{i:04d}" + (".DE" if currency_of(i) == "EUR" else (".L" if currency_of(i) == "GBp" else ""))
        etf = i % 10 == 0
        securities.append(Security(ticker=ticker, name=f"{ticker} plc", currency=currency_of(i),
                                   kind="etf" if etf else "equity", quote_type="ETF" if etf else "EQUITY",
                                   sector=None if etf else SECTORS[i % len(SECTORS)], country="United States",
                                   dividend_rate=2.0 if i % 2 else None, profile_at=pd.Timestamp.now().to_pydatetime(),
                                   fetched_at=pd.Timestamp.now().to_pydatetime(), history_from=first, bars_until=TODAY))
        if etf:
            db.session.add_all(FundSector(ticker=ticker, sector=s, weight=w) for s, w in DEMO_FUND_SECTORS.items())
        price = float(rng.uniform(20, 300))
        for k, day in enumerate(sorted(rng.choice(5 * 365, 10, replace=False))):
            kind = "SELL" if k in (4, 8) else "BUY"
            trades.append(Transaction(portfolio=portfolio, ticker=ticker, type=kind,
                                      trade_date=first + timedelta(days=int(day)), quantity=Decimal(5 if kind == "SELL"
                                                                                                    else 10),
                                      price=Decimal(str(round(price, 2))), fees=Decimal(1),
                                      currency="GBP" if currency_of(i) == "GBp" else currency_of(i)))
        for q in range(20):
            actions.append(CorporateAction(ticker=ticker, date=TODAY - timedelta(days=91 * q + 10), kind="DIVIDEND",
                                           value=round(price * 0.005, 4)))
        bars += [PriceBar(ticker=ticker, date=d.date(), close=price, adj_close=price, volume=1000) for d in days]
    for pair, rate in (("EURUSD=X", 1.1), ("GBPUSD=X", 1.27)):
        securities.append(Security(ticker=pair, currency="USD", kind="fx", history_from=first, bars_until=TODAY))
        bars += [PriceBar(ticker=pair, date=d.date(), close=rate, adj_close=rate, volume=0)
                 for d in pd.bdate_range(first, TODAY)]
    db.session.add_all(securities + trades + actions + bars)
    db.session.commit()
    return portfolio.id


def timed(label, fn, runs):
    """Run fn `runs` times after one warm-up call; print the median and the slowest in ms."""
    fn()
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - began)
    print(f"{label:<44} median {statistics.median(seconds) * 1000:8.1f} ms   slowest {max(seconds) * 1000:8.1f} ms")


def main():
    holdings = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    folder = tempfile.mkdtemp(prefix="folio-bench-income-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"TESTING": True, "SCHEDULER_ENABLED": False, "CACHE_TYPE": "SimpleCache",
                      "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "SESSION_COOKIE_SECURE": False, "FORCE_HTTPS": False},
                     environ={"SECRET_KEY": "b" * 32, "DATABASE_URL": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        portfolio_id = seed(holdings, np.random.default_rng(7))
        portfolio = db.session.get(Portfolio, portfolio_id)
        service = get_price_service(app)
        print(f"{holdings} holdings, {holdings * 10} trades, {holdings * 20} dividends on {url.split(':')[0]}")
        timed("income_report", lambda: income_report(portfolio, service), runs)
        timed("allocation_report", lambda: allocation_report(portfolio, service), runs)
        timed("realized_report", lambda: realized_report(portfolio), runs)
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.com", "password": "bench-password"})
        for path in (f"/portfolios/{portfolio_id}/income", f"/api/portfolios/{portfolio_id}/income",
                     f"/portfolios/{portfolio_id}/allocation", f"/api/portfolios/{portfolio_id}/allocation",
                     f"/portfolios/{portfolio_id}"):
            timed(f"GET {path}", lambda path=path: client.get(path), runs)
        db.session.remove()
        if url.startswith("postgres"):
            db.drop_all()


if __name__ == "__main__":
    main()
