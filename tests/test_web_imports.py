"""A web process never loads yfinance: only the price runner fetches (and only it pays yfinance's memory)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PAGES = r"""
import json, sys
from datetime import date
from app import create_app
from app.extensions import db
from app.models import Portfolio, Transaction, User

app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "PRICE_SOURCE": "yahoo", "CACHE_TYPE": "SimpleCache",
                  "SESSION_COOKIE_SECURE": False, "FORCE_HTTPS": False},
                 environ={"SECRET_KEY": "w" * 32, "DATABASE_URL": sys.argv[1]})
with app.app_context():
    db.create_all()
    user = User(email="web@example.com")
    user.set_password("correct-horse")
    portfolio = Portfolio(owner=user, name="Web")
    db.session.add_all([user, portfolio, Transaction(portfolio=portfolio, ticker="AAPL", type="BUY", quantity=1,
                                                     price=100, trade_date=date(2025, 1, 2))])
    db.session.commit()
    pid = portfolio.id
client = app.test_client()
client.post("/login", data={"email": "web@example.com", "password": "correct-horse"})
codes = [client.get(path).status_code for path in (
    "/portfolios", f"/portfolios/{pid}", f"/api/chart-data/{pid}?range=1Y", f"/portfolios/{pid}/compare",
    f"/api/portfolios/{pid}/performance?range=1Y", f"/api/portfolios/{pid}/holdings", f"/portfolios/{pid}/income",
    f"/portfolios/{pid}/allocation", f"/portfolios/{pid}/transactions", f"/portfolios/{pid}/import")]
print(json.dumps({"codes": codes, "loaded": sorted(m for m in sys.modules if m.split(".")[0] in
                                                   ("yfinance", "curl_cffi", "multitasking", "peewee"))}))
"""


def test_serving_every_page_loads_no_yfinance(tmp_path):
    out = subprocess.run([sys.executable, "-c", PAGES, f"sqlite:///{tmp_path / 'web.sqlite3'}"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert all(code in (200, 202) for code in result["codes"]), result["codes"]
    assert result["loaded"] == []
