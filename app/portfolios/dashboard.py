"""The dashboard's numbers, from the database and the price cache only: never a request to Yahoo."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.analytics.fx import currency_unit, pair_ticker
from app.analytics.holdings import Trade, compute_holdings
from app.portfolios.service import trades_of
from app.prices import market, store


@dataclass
class HoldingRow:
    """One line of the holdings table, in the holding's own currency and in the base currency."""

    ticker: str
    name: str | None
    quantity: float
    currency: str
    average_cost: float
    cost_basis: float
    realized_gain: float
    price: float | None = None
    day_change: float | None = None
    day_change_pct: float | None = None
    market_value: float | None = None
    unrealized: float | None = None
    unrealized_pct: float | None = None
    weight: float | None = None
    value_base: float | None = None
    day_change_base: float | None = None
    cost_base: float | None = None
    status: str = "missing"
    as_of: str | None = None
    message: str | None = None
    # Imported by ISIN and not yet resolved to a symbol (the ticker is the ISIN); `isin_unknown` once Yahoo had none.
    isin: str | None = None
    isin_unknown: bool = False

    def as_dict(self):
        """A JSON-ready form of the row."""
        return dict(self.__dict__)


@dataclass
class Dashboard:
    """Totals and rows for one portfolio, plus how fresh the prices behind them are."""

    base_currency: str
    rows: list = field(default_factory=list)
    total_value: float = 0.0
    total_cost: float = 0.0
    day_change: float = 0.0
    realized_gain: float = 0.0
    dividends: float = 0.0
    priced: int = 0
    stale: int = 0
    missing: list = field(default_factory=list)
    unconverted: list = field(default_factory=list)
    breaker: str = "closed"

    @property
    def total_gain(self):
        """Unrealized gain of the priced holdings, in the base currency."""
        return self.total_value - self.total_cost

    @property
    def total_gain_pct(self):
        """Unrealized gain as a fraction of the cost of the priced holdings."""
        return self.total_gain / self.total_cost if self.total_cost else None

    @property
    def day_change_pct(self):
        """The day's change as a fraction of yesterday's value."""
        before = self.total_value - self.day_change
        return self.day_change / before if before else None

    def as_dict(self):
        """A JSON-ready form: totals and rows."""
        return {
            "base_currency": self.base_currency, "total_value": self.total_value, "total_cost": self.total_cost,
            "total_gain": self.total_gain, "total_gain_pct": self.total_gain_pct, "day_change": self.day_change,
            "day_change_pct": self.day_change_pct, "realized_gain": self.realized_gain, "dividends": self.dividends,
            "priced": self.priced, "stale": self.stale, "missing": self.missing, "unconverted": self.unconverted,
            "breaker": self.breaker, "holdings": [row.as_dict() for row in self.rows],
        }


def split_trades(trades, split_rows):
    """Stored split events after each ticker's first trade, as SPLIT trades (unless the user entered one)."""
    entered = {(t.ticker, t.trade_date) for t in trades if t.type == "SPLIT"}
    first = {}
    for trade in trades:
        first[trade.ticker] = min(first.get(trade.ticker, trade.trade_date), trade.trade_date)
    extra = []
    for row in split_rows.itertuples(index=False):
        day = row.date.date()
        if row.ticker in first and day > first[row.ticker] and (row.ticker, day) not in entered:
            extra.append(Trade(ticker=row.ticker, type="SPLIT", trade_date=day, quantity=Decimal(str(row.ratio))))
    return extra


def age_label(quote, now):
    """Say how old a price is: 'as of 15:42' while trading, 'close Fri 20 Nov', or 'stale since Fri 16:00'."""
    if quote.as_of is None:
        return None
    label = market.session_label(quote.ticker, quote.as_of)
    if quote.status == "stale":
        return f"stale since {label}"
    if market.is_open(quote.ticker, quote.as_of):
        return f"as of {label.split(' ')[-1]}"
    return f"close {quote.market_date:%a %-d %b}" if quote.market_date else f"as of {label}"


def build_dashboard(portfolio, price_service, now=None):
    """Holdings with prices, day change, gains and weights; totals in the base currency."""
    now = now or market.utcnow()
    trades = trades_of(portfolio.id)
    tickers = sorted({t.ticker for t in trades})
    splits, _ = store.read_actions(tickers) if tickers else (None, None)
    if splits is not None and len(splits):
        trades += split_trades(trades, splits[splits["ticker"].isin(tickers)])
    holdings = compute_holdings(trades)
    base_iso, _ = currency_unit(portfolio.base_currency)
    securities = store.securities(tickers)
    currencies = {}
    for ticker, holding in holdings.items():
        security = securities.get(ticker)
        currencies[ticker] = (security.currency if security and security.currency else holding.currency) or base_iso
    # Prices convert at their quote currency, costs at the currency they were paid in.
    used = list(currencies.values()) + [h.currency for h in holdings.values()]
    pairs = sorted({pair_ticker(currency_unit(c)[0], base_iso) for c in used if currency_unit(c)[0] != base_iso})
    quotes = price_service.cached_quotes(tickers + pairs, now) if tickers else {}
    board = Dashboard(base_currency=base_iso, breaker=price_service.breaker_state())
    for ticker, holding in holdings.items():
        board.realized_gain += float(holding.realized_gain)
        board.dividends += float(holding.dividends)
        if not holding.is_open:
            continue
        board.rows.append(_row(ticker, holding, currencies[ticker], quotes, securities.get(ticker), base_iso, board,
                               now))
    for row in board.rows:
        if row.value_base is not None and board.total_value:
            row.weight = row.value_base / board.total_value
    board.rows.sort(key=lambda r: (r.value_base is None, -(r.value_base or 0)))
    return board


def _row(ticker, holding, quote_currency, quotes, security, base_iso, board, now):
    iso, divisor = currency_unit(quote_currency)
    quote = quotes.get(ticker)
    row = HoldingRow(
        ticker=ticker, name=security.name if security else None, quantity=float(holding.quantity), currency=iso,
        average_cost=float(holding.average_cost), cost_basis=float(holding.cost_basis),
        realized_gain=float(holding.realized_gain),
    )
    if security is not None and security.to_resolve:
        row.isin, row.isin_unknown = security.isin, security.unknown_since is not None
    if quote is None or quote.price is None:
        row.status, row.message = (quote.status, quote.message) if quote else ("missing", None)
        board.missing.append(ticker)
        return row
    row.status, row.as_of = quote.status, age_label(quote, now)
    row.message = quote.message
    row.price = quote.price / divisor
    row.market_value = row.price * row.quantity
    row.unrealized = row.market_value - row.cost_basis
    row.unrealized_pct = row.unrealized / row.cost_basis if row.cost_basis else None
    if quote.change is not None:
        row.day_change = quote.change / divisor * row.quantity
        row.day_change_pct = quote.change_pct
    rate, cost_rate = fx_rate(iso, base_iso, quotes), fx_rate(holding.currency, base_iso, quotes)
    if rate is None or cost_rate is None:
        board.unconverted.append(ticker)
        return row
    if currency_unit(holding.currency)[0] != iso or currency_unit(holding.currency)[1] != 1:
        # Paid in another currency (or in pence): show cost and gain in the quote currency.
        row.cost_basis = row.cost_basis * cost_rate / rate
        row.average_cost = row.average_cost * cost_rate / rate
        row.unrealized = row.market_value - row.cost_basis
        row.unrealized_pct = row.unrealized / row.cost_basis if row.cost_basis else None
    row.value_base = row.market_value * rate
    row.cost_base = row.cost_basis * rate
    row.day_change_base = (row.day_change or 0.0) * rate
    board.total_value += row.value_base
    board.total_cost += row.cost_base
    board.day_change += row.day_change_base
    board.priced += 1
    board.stale += 1 if quote.status == "stale" else 0
    return row


def fx_rate(currency, base_iso, quotes):
    """Base-currency value of one unit of `currency` (GBp is a hundredth of GBP), or None when unknown."""
    iso, divisor = currency_unit(currency, default=base_iso)
    if iso == base_iso:
        return 1.0 / divisor
    quote = quotes.get(pair_ticker(iso, base_iso))
    return quote.price / divisor if quote is not None and quote.price is not None else None


def first_trade_date(trades):
    """The earliest trade date, or today when there are none."""
    return min((t.trade_date for t in trades), default=date.today())
