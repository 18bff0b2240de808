"""A portfolio's dividend income, from the database and the price cache only: received, the last 12 months
with yields per holding, and the next 12 months expected. Never a request to Yahoo.
"""

from datetime import timedelta

import pandas as pd

from app.analytics.fx import FxMissingError, currency_unit, fx_pairs_needed
from app.analytics.income import (
    ENTERED,
    YAHOO,
    in_base,
    income_events,
    monthly_totals,
    trailing_totals,
    unentered,
    yearly_totals,
)
from app.analytics.projection import Payer, monthly_projection, per_share_history, project
from app.portfolios.charts import priced_columns, ticker_currencies
from app.portfolios.dashboard import build_dashboard, fx_rate
from app.portfolios.realized import realized_report
from app.portfolios.service import trades_of
from app.prices import market, store

PAYMENTS_SHOWN = 100  # the latest payments in the answer; the CSV asks for every one


def month_range(first, last):
    """Every month from `first` to `last` ('YYYY-MM'), both included."""
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def _money(value):
    return round(float(value), 2)


def income_report(portfolio, price_service, now=None, every_payment=False):
    """The Income page's numbers as a JSON-ready dict (see README: `/api/portfolios/<id>/income`).

    `payments` holds the latest PAYMENTS_SHOWN payments, or with `every_payment` all of them.
    """
    now = now or market.utcnow()
    today = now.date()
    base = currency_unit(portfolio.base_currency)[0]
    trades = trades_of(portfolio.id)
    payload = {"status": "ready", "message": None, "currency": base, "as_of": today.isoformat(), "received": [],
               "received_by_year": [], "trailing_12m": 0.0, "yield_on_cost": None, "yield_on_value": None,
               "holdings": [], "projected": [], "projected_by_month": [], "projected_12m_total": 0.0,
               "upcoming": [], "payments": [], "payments_count": 0, "notes": []}
    if not trades:
        return {**payload, "status": "empty", "message": "No transactions yet: add one and its dividends show here."}
    tickers = sorted({t.ticker for t in trades if t.ticker})
    known = store.securities(tickers)
    currencies = ticker_currencies(tickers, trades, base, known)
    splits, dividends = store.read_actions(tickers)
    events = income_events(trades, dividends, splits, currencies, base, end=today)
    pairs = fx_pairs_needed(list(currencies.values()) + [t.currency for t in trades if t.currency], base)
    first = min([t.trade_date for t in trades] + [d.date() for d in events["date"]])
    fx = priced_columns(store.read_bars(pairs, first, today)[0], pairs) if pairs else None
    try:
        events = in_base(events, fx, base)
    except FxMissingError as exc:
        price_service.want(exc.pairs, first)
        return {**payload, "status": "warming",
                "message": f"No exchange rate yet for {', '.join(exc.pairs)}: the income appears once it is fetched."}
    board = build_dashboard(portfolio, price_service, now)
    quotes = price_service.cached_quotes(pairs, now, count=False) if pairs else {}  # the board counted them
    held = {row.ticker: row for row in board.rows}
    history = per_share_history(events, dividends[dividends["ticker"].isin(list(held))], currencies)
    codes = set(history["currency"].dropna()) | set(currencies.values())
    rates = {code: rate for code in codes if (rate := fx_rate(code, base, quotes)) is not None}
    payers = [Payer(t, row.quantity, known[t].dividend_rate if t in known else None,
                    known[t].ex_dividend_date if t in known else None) for t, row in held.items()]
    projection = project(payers, history, rates, today)
    fill(payload, events, projection, held, today, known, None if every_payment else PAYMENTS_SHOWN)
    for ticker, (count, last) in sorted(unentered(events, dividends, trades, splits, currencies, base, today).items()):
        payload["notes"].append(
            f"{ticker}: Yahoo lists {count} dividend{'s' if count != 1 else ''} since the last one you entered "
            f"({last:%-d %b %Y}); they are not counted, because you enter {ticker}'s dividends yourself.")
    return payload


def income_page(portfolio, price_service, now=None):
    """What the Income page shows: the income report and the realized gains report."""
    return income_report(portfolio, price_service, now), realized_report(portfolio, now)


def fill(payload, events, projection, held, today, known, shown):
    """Put the received, trailing, per-holding and projected figures, and the latest `shown` payments, in."""
    monthly = monthly_totals(events)
    if len(monthly):
        months = month_range(monthly["month"].min(), today.strftime("%Y-%m"))
        table = monthly.pivot_table(index="month", columns="source", values="amount", aggfunc="sum").reindex(months)
        table = table.fillna(0.0)
        payload["received"] = [{"month": m, "amount": _money(table.loc[m].sum()),
                                "entered": _money(table.loc[m].get(ENTERED, 0.0)),
                                "yahoo": _money(table.loc[m].get(YAHOO, 0.0))} for m in months]
    payload["received_by_year"] = [{"year": y, "amount": _money(a)} for y, a in yearly_totals(events).items()]
    trailing = trailing_totals(events, today)
    payload["trailing_12m"] = _money(sum(trailing.values()))
    expected = {}
    for entry in projection.entries:
        expected[entry.ticker] = expected.get(entry.ticker, 0.0) + entry.amount
    rows, cost, value, paid_open = [], 0.0, 0.0, 0.0
    for ticker in sorted(set(held) | set(trailing), key=lambda t: (-trailing.get(t, 0.0), t)):
        row = held.get(ticker)
        amount = trailing.get(ticker, 0.0)
        entry = {"ticker": ticker or "(account)", "name": known[ticker].name if ticker in known else None,
                 "held": row is not None, "trailing_12m": _money(amount),
                 "projected_12m": _money(expected.get(ticker, 0.0)), "yield_on_cost": None, "yield_on_value": None}
        if row is not None:
            if row.cost_base:
                entry["yield_on_cost"] = round(amount / row.cost_base, 6)
                cost += row.cost_base
            if row.value_base:
                entry["yield_on_value"] = round(amount / row.value_base, 6)
                value += row.value_base
            paid_open += amount
        if row is not None or amount:
            rows.append(entry)
    payload["holdings"] = rows
    payload["yield_on_cost"] = round(paid_open / cost, 6) if cost else None
    payload["yield_on_value"] = round(paid_open / value, 6) if value else None
    project_into(payload, projection, today)
    payload["payments"] = [
        {"date": e.date.strftime("%Y-%m-%d"), "ticker": e.ticker or "(account)", "source": e.source,
         "shares": round(float(e.shares), 6),
         "per_share": None if pd.isna(e.per_share) else round(float(e.per_share), 6),
         "currency": e.currency, "amount": round(float(e.amount), 4), "amount_base": _money(e.amount_base)}
        for e in events.iloc[::-1].iloc[:shown].itertuples(index=False)]
    payload["payments_count"] = len(events)


def project_into(payload, projection, today):
    """The projection's months, total, upcoming payments and its notes."""
    payload["projected"] = [{**m, "amount": _money(m["amount"])} for m in monthly_projection(projection.entries)]
    months = month_range(today.strftime("%Y-%m"), (today + timedelta(days=365)).strftime("%Y-%m"))
    sums = {}
    for m in payload["projected"]:
        sums[m["month"]] = sums.get(m["month"], 0.0) + m["amount"]
    payload["projected_by_month"] = [{"month": m, "amount": _money(sums.get(m, 0.0))} for m in months]
    payload["projected_12m_total"] = _money(projection.total)
    payload["upcoming"] = [
        {"date": e.date.isoformat(), "ticker": e.ticker, "per_share": round(e.per_share, 6), "currency": e.currency,
         "shares": round(e.shares, 6), "amount": _money(e.amount), "basis": e.basis, "announced": e.announced}
        for e in projection.entries]
    notes = payload["notes"]
    for ticker, day, per_share, currency in projection.specials:
        notes.append(f"{ticker} paid a special dividend of {per_share:g} {currency} a share on {day:%-d %b %Y}: "
                     f"it is left out of the projection.")
    for ticker, last in projection.stopped:
        notes.append(f"{ticker} has paid no dividend since {last:%-d %b %Y}: nothing is expected from it.")
    notes.extend(projection.notes)

