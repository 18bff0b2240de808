"""Time the Compare metrics: 100 holdings × 5 years of daily prices × 3 benchmarks.

Run: .venv/bin/python bench/analytics.py [RUNS]
Synthetic data: 100 tickers (80 USD, 12 EUR, 8 GBp) over 5 years of trading days with holidays and
missing days, 5 splits, quarterly Yahoo dividends for 60 tickers, imported dividend rows for 10,
about 2,000 trades with fees, FX pairs, and SPY, QQQ, VTI adjusted closes. One run = portfolio_daily
+ twr_index + performance_table (MAX) + shadow_portfolio for each ETF. Prints the median and p95 in
ms of wall time (target: under 200 ms), and of this process's CPU time, which is what the wall time
comes to on a machine nothing else is using. A measurement, not a pass/fail test.
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.analytics.benchmarks import shadow_portfolio  # noqa: E402
from app.analytics.fx import fx_pairs_needed, to_base  # noqa: E402
from app.analytics.performance import performance_table  # noqa: E402
from app.analytics.ranges import range_bounds  # noqa: E402
from app.analytics.returns import twr_index  # noqa: E402
from tests.valuations import daily_of  # noqa: E402

HOLDINGS, YEARS, BENCHMARKS = 100, 5, ("SPY", "QQQ", "VTI")


def make_data(seed=42):
    """Return the synthetic inputs, shaped exactly as the API passes them."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2020-01-02", periods=252 * YEARS + 45)
    days = days.delete(rng.choice(len(days), 45, replace=False))  # exchange holidays
    tickers = [f"T{i:03d}" for i in range(HOLDINGS)]
    currencies = {t: "USD" for t in tickers[:80]} | {t: "EUR" for t in tickers[80:92]}
    currencies |= {t: "GBp" for t in tickers[92:]}
    walks = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, (len(days), HOLDINGS)), axis=0))
    walks[:, 92:] *= 30  # pence
    closes = pd.DataFrame(walks, index=days, columns=tickers)
    closes = closes.mask(rng.random(closes.shape) < 0.003)  # days a ticker did not trade
    closes.iloc[:200, 95:] = np.nan  # five listings that begin later
    fx = pd.DataFrame({"EURUSD=X": 1.1 + np.cumsum(rng.normal(0, 0.003, len(days))),
                       "GBPUSD=X": 1.3 + np.cumsum(rng.normal(0, 0.003, len(days)))}, index=days)
    assert sorted(fx.columns) == fx_pairs_needed(currencies, "USD")
    bench = pd.DataFrame(400 * np.exp(np.cumsum(rng.normal(0.0004, 0.012, (len(days), 3)), axis=0)),
                         index=days, columns=list(BENCHMARKS))

    splits = pd.DataFrame({"ticker": tickers[:5], "date": days[rng.choice(len(days), 5)], "ratio": [2, 3, 4, 10, 2.0]})
    quarterly = days[::63]
    dividends = pd.DataFrame([(t, d, float(rng.uniform(0.2, 1.0))) for t in tickers[:60] for d in quarterly],
                             columns=["ticker", "date", "amount"])

    rows = []
    for j, ticker in enumerate(tickers):
        start = int(rng.integers(0, 300)) + (200 if j >= 95 else 0)
        held = 0.0
        for i in np.sort(rng.choice(np.arange(start, len(days)), 20, replace=False)):
            price = closes[ticker].iloc[: i + 1].ffill().iloc[-1]
            price = price if np.isfinite(price) else 100.0
            if held == 0 or rng.random() < 0.7:
                qty = float(rng.integers(1, 50))
                held += qty
                rows.append((ticker, "BUY", days[i], qty, price, 1.0, currencies[ticker]))
            else:
                qty = float(rng.integers(1, int(held) + 1))
                held -= qty
                rows.append((ticker, "SELL", days[i], qty, price, 1.0, currencies[ticker]))
        if 60 <= j < 70:
            rows += [(ticker, "DIVIDEND", d, 1.0, 5.0, 0.0, currencies[ticker]) for d in quarterly[2:]]
    rows += [("", "FEE", d, 1.0, 10.0, 0.0, "USD") for d in days[::21]]
    trades = pd.DataFrame(rows, columns=["ticker", "type", "trade_date", "quantity", "price", "fees", "currency"])
    return trades, closes, splits, dividends, currencies, fx, bench


def one_run(data):
    """The work behind one Compare page: valuation, growth of 100, the table, three shadow portfolios."""
    trades, closes, splits, dividends, currencies, fx, bench = data
    marks = [time.perf_counter()]
    daily = daily_of(trades, closes, splits, dividends, currencies, fx, "USD")
    marks.append(time.perf_counter())
    twr_index(daily)
    marks.append(time.perf_counter())
    start, end = range_bounds("MAX", daily.index[-1], daily.index[0])
    table = performance_table(daily, bench, start, end)
    marks.append(time.perf_counter())
    for ticker in bench.columns:
        shadow_portfolio(daily, bench[ticker])
    marks.append(time.perf_counter())
    assert table["portfolio"]["twr"] is not None
    return np.diff(marks) * 1000, len(daily)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    data = make_data()
    trades, closes, _, _, currencies, fx, bench = data
    to_base(bench, dict.fromkeys(bench.columns, "USD"), fx, "USD")  # what a non-USD portfolio would do
    one_run(data)  # warm-up: imports, first allocations
    parts, cpu, days = [], [], 0
    for _ in range(runs):
        started = time.process_time()
        split, days = one_run(data)
        cpu.append((time.process_time() - started) * 1000)
        parts.append(split)
    parts = np.array(parts)
    total = parts.sum(axis=1)
    p95 = float(np.percentile(total, 95))
    print(f"{HOLDINGS} holdings, {days} days, {len(trades)} trades, {len(bench.columns)} benchmarks, {runs} runs")
    for name, column in zip(("portfolio_daily", "twr_index", "performance_table", "shadow x3"), parts.T, strict=True):
        print(f"  {name:18s} median {statistics.median(column):7.1f} ms")
    print(f"total: median {statistics.median(total):.1f} ms, p95 {p95:.1f} ms (target < 200 ms)")
    # CPU time of this process: what the wall time would be on an idle machine.
    print(f"cpu:   median {statistics.median(cpu):.1f} ms, p95 {float(np.percentile(cpu, 95)):.1f} ms")


if __name__ == "__main__":
    main()
