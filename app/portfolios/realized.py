"""Realized gains of a portfolio per tax (calendar) year, by its cost method, from the database only."""

from dataclasses import dataclass, field

from app.analytics.fx import FxMissingError, currency_unit, fx_pairs_needed
from app.analytics.lots import by_tax_year, realized_sales
from app.portfolios.charts import priced_columns
from app.portfolios.dashboard import split_trades
from app.portfolios.service import trades_of
from app.prices import market, store

METHOD_NAMES = {"average": "average cost", "fifo": "FIFO (first in, first out)"}


@dataclass
class RealizedReport:
    """Every sale (a row per holding period) and the totals per year, in the base currency."""

    method: str
    currency: str
    sales: list = field(default_factory=list)
    years: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    fx_missing: list = field(default_factory=list)

    @property
    def method_name(self):
        """The cost method in words."""
        return METHOD_NAMES.get(self.method, self.method)


def realized_report(portfolio, now=None):
    """The RealizedReport of a portfolio by its cost method (its stored splits applied to the lots)."""
    today = (now or market.utcnow()).date()
    base = currency_unit(portfolio.base_currency)[0]
    method = portfolio.cost_method or "average"
    report = RealizedReport(method=method, currency=base)
    trades = trades_of(portfolio.id)
    if not trades:
        return report
    tickers = sorted({t.ticker for t in trades if t.ticker})
    trades = trades + split_trades(trades, store.split_events(tickers))
    pairs = fx_pairs_needed([t.currency for t in trades if t.currency], base)
    first = min(t.trade_date for t in trades)
    fx = priced_columns(store.read_bars(pairs, first, today)[0], pairs) if pairs else None
    try:
        report.sales, report.problems = realized_sales(trades, method, fx, base)
    except FxMissingError as exc:
        report.fx_missing = list(exc.pairs)
        return report
    report.years = by_tax_year(report.sales)
    return report

