"""The sample portfolio that `make run` seeds: well-known tickers, a few years of trades."""

import random
from datetime import date, timedelta
from decimal import Decimal

from app.auth import accounts
from app.extensions import db
from app.models import Portfolio, Transaction
from app.prices.demo import ANCHORS, END, START, anchor_price

# Quarterly dividend per share, roughly.
DIVIDENDS = {"KO": 0.46, "JNJ": 1.19, "PG": 0.95, "XOM": 0.91, "PEP": 1.27, "JPM": 1.15}
# NVDA split 10:1 on 2024-06-10: the sample buys it only afterwards.
LATE_START = {"NVDA": date(2024, 7, 1)}


def sample_transactions(rng=None):
    """Return the sample trades as dicts, oldest first, deterministic."""
    rng = rng or random.Random(42)
    rows = []
    for index, ticker in enumerate(ANCHORS):
        day = LATE_START.get(ticker, START + timedelta(days=index * 3))
        budget = rng.choice([2000, 3000, 5000])
        while day < END:
            price = round(anchor_price(ticker, day) * rng.uniform(0.98, 1.02), 2)
            quantity = max(1, int(budget / price))
            rows.append(dict(ticker=ticker, type="BUY", trade_date=day, quantity=quantity, price=price, fees=1))
            day += timedelta(days=rng.choice([120, 180, 240]))
            budget = rng.choice([1000, 1500, 2500])
        if ticker in DIVIDENDS:
            held = sum(r["quantity"] for r in rows if r["ticker"] == ticker and r["trade_date"] < date(2025, 6, 1))
            rows.append(dict(ticker=ticker, type="DIVIDEND", trade_date=date(2025, 6, 15), quantity=held,
                             price=DIVIDENDS[ticker], fees=0))
    for ticker in ("PEP", "HD"):
        first_lot = next(r for r in rows if r["ticker"] == ticker)
        day = date(2025, 3, 3)
        rows.append(dict(ticker=ticker, type="SELL", trade_date=day, quantity=max(1, first_lot["quantity"] // 2),
                         price=round(anchor_price(ticker, day), 2), fees=1))
    return sorted(rows, key=lambda r: (r["trade_date"], r["ticker"]))


def seed_sample(email, password):
    """Create the sample user (an admin, so that `make run` shows the Prices page) and portfolio unless the user exists.

    Return (created, portfolio).
    """
    user = accounts.find_user(email)
    if user is not None:
        return False, user.portfolios[0] if user.portfolios else None
    user = accounts.create_user(email, password, admin=True)
    portfolio = Portfolio(owner=user, name="Sample: US large caps", base_currency="USD")
    db.session.add(portfolio)
    for row in sample_transactions():
        values = {**row, "quantity": Decimal(str(row["quantity"])), "price": Decimal(str(row["price"])),
                  "fees": Decimal(str(row["fees"]))}
        db.session.add(Transaction(portfolio=portfolio, currency="USD", **values))
    db.session.commit()
    return True, portfolio
