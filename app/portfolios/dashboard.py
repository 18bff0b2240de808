"""The dashboard's numbers, from the database and the price cache only: never a request to Yahoo.

A number is right or it is absent: a holding without a price has no value (and says why), and every
total says how many holdings it covers.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from app.analytics.fx import currency_unit, pair_ticker
from app.analytics.holdings import Trade, compute_holdings_leniently
from app.portfolios.service import trades_by_portfolio
from app.prices import market, store
from app.prices.breaker import OUTAGE_STATES

NO_PRICE_YET = "no price yet"
UNKNOWN_TICKER = "unknown ticker"
UNREACHABLE = "Yahoo unreachable"
LAST_TRY_FAILED = "last try failed"


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
    reason: str | None = None  # why there is no price, in words: "no price yet", "unknown ticker", …
    reason_since: str | None = None  # ISO time (UTC) the reason holds since, e.g. when Yahoo became unreachable
    # Imported by ISIN and not yet resolved to a symbol (the ticker is the ISIN); `isin_unknown` once Yahoo had none.
    isin: str | None = None
    isin_unknown: bool = False

    def as_dict(self):
        """A JSON-ready form of the row."""
        return dict(self.__dict__)


@dataclass
class Dashboard:
    """Totals and rows for one portfolio, plus how fresh the prices behind them are.

    `total_value`, `day_change` and the gains cover the priced holdings only (`priced` of `holdings`);
    they are None when no holding has a price. `total_cost` is the cost of every open holding.
    """

    base_currency: str
    rows: list = field(default_factory=list)
    total_value: float | None = None
    total_cost: float = 0.0
    priced_cost: float = 0.0
    day_change: float | None = None
    realized_gain: float = 0.0
    dividends: float = 0.0
    fees: float = 0.0
    priced: int = 0
    stale: int = 0
    missing: list = field(default_factory=list)
    unconverted: list = field(default_factory=list)
    cost_unconverted: list = field(default_factory=list)
    breaker: str = "closed"
    breaker_since: str | None = None
    # Stored transactions that do not add up (left out of the numbers), each said in words.
    problems: list = field(default_factory=list)

    @property
    def holdings(self):
        """How many open holdings the portfolio has."""
        return len(self.rows)

    @property
    def unreachable(self):
        """Whether the breaker says Yahoo is down."""
        return self.breaker in OUTAGE_STATES

    @property
    def complete(self):
        """Whether every open holding is in the totals."""
        return self.priced == len(self.rows)

    @property
    def missing_words(self):
        """Why the unpriced holdings have no price, for the status line: 'Yahoo Finance does not know MSFT …'."""
        by_reason = {}
        for row in self.rows:
            if row.ticker in self.missing:
                by_reason.setdefault(row.reason, []).append(row.ticker)
        unknown, failed = by_reason.pop(UNKNOWN_TICKER, []), by_reason.pop(LAST_TRY_FAILED, [])
        fetching = [t for tickers in by_reason.values() for t in tickers]
        parts = [f"Yahoo Finance does not know {', '.join(unknown)} (check the symbol)"] if unknown else []
        if failed:
            parts.append(f"the last try failed for {', '.join(failed)}")
        if fetching and parts:
            parts.append(f"{', '.join(fetching)} {'is' if len(fetching) == 1 else 'are'} being fetched")
        elif fetching:
            parts.append("it is being fetched" if len(fetching) == 1 else "they are being fetched")
        return "; ".join(parts) + "."

    @property
    def unrealized_gain(self):
        """Value minus cost of the priced holdings, in the base currency; None when none is priced."""
        return None if self.total_value is None else self.total_value - self.priced_cost

    @property
    def unrealized_gain_pct(self):
        """Unrealized gain as a fraction of the cost of the priced holdings."""
        gain = self.unrealized_gain
        return gain / self.priced_cost if gain is not None and self.priced_cost else None

    @property
    def closed_return(self):
        """Realized gains plus dividends minus fees: what is earned whatever today's prices are."""
        return self.realized_gain + self.dividends - self.fees

    @property
    def total_return(self):
        """Unrealized + realized + dividends − fees; None when open holdings exist and none is priced."""
        if self.rows and self.unrealized_gain is None:
            return None
        return (self.unrealized_gain or 0.0) + self.closed_return

    @property
    def day_change_pct(self):
        """The day's change as a fraction of yesterday's value."""
        if self.day_change is None or self.total_value is None:
            return None
        before = self.total_value - self.day_change
        return self.day_change / before if before else None

    def as_dict(self):
        """A JSON-ready form: totals and rows."""
        return {
            "base_currency": self.base_currency, "total_value": self.total_value, "total_cost": self.total_cost,
            "priced_cost": self.priced_cost, "unrealized_gain": self.unrealized_gain,
            "unrealized_gain_pct": self.unrealized_gain_pct, "realized_gain": self.realized_gain,
            "dividends": self.dividends, "fees": self.fees, "total_return": self.total_return,
            "day_change": self.day_change, "day_change_pct": self.day_change_pct, "holdings_count": self.holdings,
            "priced": self.priced, "stale": self.stale, "missing": self.missing, "unconverted": self.unconverted,
            "cost_unconverted": self.cost_unconverted, "breaker": self.breaker, "breaker_since": self.breaker_since,
            "problems": self.problems, "holdings": [row.as_dict() for row in self.rows],
        }


def split_trades(trades, split_rows):
    """Stored split events, (ticker, day, ratio), after each ticker's first trade, as SPLIT trades (unless the
    user entered one)."""
    entered = {(t.ticker, t.trade_date) for t in trades if t.type == "SPLIT"}
    first = {}
    for trade in trades:
        first[trade.ticker] = min(first.get(trade.ticker, trade.trade_date), trade.trade_date)
    extra = []
    for ticker, day, ratio in split_rows:
        if ticker in first and day > first[ticker] and (ticker, day) not in entered:
            extra.append(Trade(ticker=ticker, type="SPLIT", trade_date=day, quantity=Decimal(str(ratio))))
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


def breaker_info(price_service):
    """(state, since): the breaker's state and, while it is open, when it last changed (ISO, UTC)."""
    state = price_service.breaker_state()
    if state not in OUTAGE_STATES:
        return state, None
    return state, (price_service.stats.get("breaker") or {}).get("changed_at")


def build_dashboard(portfolio, price_service, now=None):
    """Holdings with prices, day change, gains and weights; totals in the base currency."""
    return build_dashboards([portfolio], price_service, now)[portfolio.id]


def build_dashboards(portfolios, price_service, now=None):
    """The dashboards of several portfolios from one read of trades, splits, securities and quotes."""
    now = now or market.utcnow()
    trades_by = trades_by_portfolio([p.id for p in portfolios])
    tickers = sorted({t.ticker for trades in trades_by.values() for t in trades})
    splits = store.split_events(tickers)
    securities = store.securities(tickers)
    prepared = {}
    for portfolio in portfolios:
        trades = trades_by.get(portfolio.id, [])
        own = {t.ticker for t in trades}
        if splits:
            trades = trades + split_trades(trades, [event for event in splits if event[0] in own])
        holdings, problems = compute_holdings_leniently(trades, portfolio.cost_method or "average")
        base_iso, _ = currency_unit(portfolio.base_currency)
        currencies = {ticker: quote_currency(securities.get(ticker), holding, base_iso)
                      for ticker, holding in holdings.items()}
        prepared[portfolio.id] = (holdings, currencies, base_iso, problems)
    # Prices convert at their quote currency, costs at the currency they were paid in.
    pairs = sorted({pair_ticker(iso, base_iso)
                    for holdings, currencies, base_iso, _ in prepared.values()
                    for iso in {currency_unit(c)[0] for c in
                                [*currencies.values(), *(h.currency for h in holdings.values())]}
                    if iso != base_iso})
    quotes = price_service.cached_quotes(tickers + pairs, now) if tickers else {}
    breaker, since = breaker_info(price_service)
    boards = {}
    for portfolio_id, (holdings, currencies, base_iso, problems) in prepared.items():
        board = Dashboard(base_currency=base_iso, breaker=breaker, breaker_since=since, problems=problems)
        for ticker, holding in holdings.items():
            add_cash(board, holding, quotes)
            if holding.is_open:
                board.rows.append(_row(ticker, holding, currencies[ticker], quotes, securities.get(ticker), board,
                                       now))
        finish(board)
        boards[portfolio_id] = board
    return boards


def quote_currency(security, holding, base_iso):
    """The currency a ticker is quoted in: what Yahoo said, else what it was bought in, else the base."""
    return (security.currency if security and security.currency else holding.currency) or base_iso


def add_cash(board, holding, quotes):
    """Add a holding's realized gain, dividends and fees to the totals, in the base currency."""
    rate = fx_rate(holding.currency, board.base_currency, quotes)
    if rate is None:
        if holding.realized_gain or holding.dividends or holding.fees:
            board.unconverted.append(holding.ticker)
        return
    board.realized_gain += float(holding.realized_gain) * rate
    board.dividends += float(holding.dividends) * rate
    board.fees += float(holding.fees) * rate


def finish(board):
    """Weights of the priced rows, and the order of the table: largest value first, unpriced last."""
    value = sum(row.value_base for row in board.rows if row.value_base is not None)
    for row in board.rows:
        if row.value_base is not None and value:
            row.weight = row.value_base / value
    board.rows.sort(key=lambda r: (r.value_base is None, -(r.value_base or 0), r.ticker))


def _row(ticker, holding, quote_currency, quotes, security, board, now):
    base_iso = board.base_currency
    iso, divisor = currency_unit(quote_currency)
    quote = quotes.get(ticker)
    row = HoldingRow(
        ticker=ticker, name=security.name if security else None, quantity=float(holding.quantity), currency=iso,
        average_cost=float(holding.average_cost), cost_basis=float(holding.cost_basis),
        realized_gain=float(holding.realized_gain),
    )
    cost_rate = fx_rate(holding.currency, base_iso, quotes)
    if cost_rate is None:
        board.cost_unconverted.append(ticker)
    else:
        row.cost_base = row.cost_basis * cost_rate
        board.total_cost += row.cost_base
    if security is not None and security.to_resolve:
        row.isin, row.isin_unknown = security.isin, security.unknown_since is not None
    if quote is None or quote.price is None:
        row.status, row.message = (quote.status, quote.message) if quote else ("missing", None)
        row.reason, row.reason_since = missing_reason(row, board)
        board.missing.append(ticker)
        return row
    row.status, row.as_of = quote.status, age_label(quote, now)
    row.message = quote.message
    row.price = quote.price / divisor
    row.market_value = row.price * row.quantity
    if quote.change is not None:
        row.day_change = quote.change / divisor * row.quantity
        row.day_change_pct = quote.change_pct
    rate = fx_rate(iso, base_iso, quotes)
    if rate is None or cost_rate is None:
        row.unrealized = row.market_value - row.cost_basis if currency_unit(holding.currency) == (iso, 1) else None
        row.unrealized_pct = row.unrealized / row.cost_basis if row.unrealized is not None and row.cost_basis else None
        board.unconverted.append(ticker)
        return row
    if currency_unit(holding.currency) != (iso, 1):
        # Paid in another currency (or in pence): show cost and gain in the quote currency.
        row.cost_basis = row.cost_basis * cost_rate / rate
        row.average_cost = row.average_cost * cost_rate / rate
    row.unrealized = row.market_value - row.cost_basis
    row.unrealized_pct = row.unrealized / row.cost_basis if row.cost_basis else None
    row.value_base = row.market_value * rate
    board.total_value = (board.total_value or 0.0) + row.value_base
    board.priced_cost += row.cost_base
    board.priced += 1
    board.stale += 1 if quote.status == "stale" else 0
    if row.day_change is not None:
        row.day_change_base = row.day_change * rate
        board.day_change = (board.day_change or 0.0) + row.day_change_base
    return row


def missing_reason(row, board):
    """Why a holding has no price, in words, and since when (ISO) where that is known."""
    reason = no_price_reason(row.status, row.message, board.unreachable)
    return reason, board.breaker_since if reason == UNREACHABLE else None


def no_price_reason(status, message, unreachable):
    """Why a ticker has no price, in the holdings table's words (the charts say the same)."""
    if status == "unknown":
        return UNKNOWN_TICKER
    if unreachable:
        return UNREACHABLE
    if message:
        return LAST_TRY_FAILED
    return NO_PRICE_YET


def fx_rate(currency, base_iso, quotes):
    """Base-currency value of one unit of `currency` (GBp is a hundredth of GBP), or None when unknown."""
    iso, divisor = currency_unit(currency, default=base_iso)
    if iso == base_iso:
        return 1.0 / divisor
    quote = quotes.get(pair_ticker(iso, base_iso))
    return quote.price / divisor if quote is not None and quote.price is not None else None
