"""Checks that need the portfolio: rows already in it, sells of more than was held, split ratios."""

from collections import Counter
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from app.analytics.holdings import ZERO, Holding, HoldingsError, Trade, apply_trade, sort_key
from app.formatting import plain
from app.imports.rows import Problem
from app.imports.values import LIMIT, PLACES

# New rows sort after the transactions already saved on the same day.
NEW_ORDER = 10**12
MAX_PASSES = 20
ZERO_COST = "Shares added by a split or stock dividend while none were held: a buy at no cost."


def _q(value):
    return Decimal(value or 0).quantize(PLACES, rounding=ROUND_HALF_UP)


def fingerprint(item):
    """Return what makes two transactions the same: a split by its ticker and day, others by every value."""
    if item.type == "SPLIT":
        return (item.trade_date, "SPLIT", item.ticker)
    return (item.trade_date, item.type, item.ticker, _q(item.quantity), _q(item.price), _q(item.fees), item.currency)


def mark_duplicates(rows, existing):
    """Mark the rows that are already in the portfolio, one existing transaction for each."""
    counts = Counter(fingerprint(t) for t in existing)
    for row in rows:
        if row.valid:
            keys = [fingerprint(row)]
            if row.split_added is not None:  # it may have gone in as a buy at no cost
                keys.append(fingerprint(replace(row, type="BUY", quantity=row.split_added, price=ZERO, fees=ZERO)))
            key = next((k for k in keys if counts[k] > 0), None)
            if key is not None:
                row.duplicate = True
                counts[key] -= 1


def check_holdings(rows, existing):
    """Walk every transaction in date order: work out split ratios, flag oversells; return a file-level problem."""
    # Only the tickers the new rows touch can change; the others were consistent before.
    touched = {row.ticker for row in rows if row.status == "new"}
    existing = [t for t in existing if t.ticker in touched]
    for _ in range(MAX_PASSES):
        blamed = _walk(rows, existing)
        if blamed is None:
            return None
        if isinstance(blamed, str):
            return blamed
    return "The new rows conflict with the transactions already in the portfolio: import fewer rows at a time."


def _walk(rows, existing):
    """One pass; return None when all is well, a row it blamed (and flagged), or a message."""
    trades = [(t, None) for t in existing]  # Trades (portfolios.service.trades_of)
    trades += [(_trade(row, NEW_ORDER + i), row) for i, row in enumerate(rows) if row.status == "new"]
    trades.sort(key=lambda pair: sort_key(pair[0]))
    holdings, last_sell = {}, {}
    for trade, row in trades:
        holding = holdings.get(trade.ticker)
        if holding is None:
            holding = holdings[trade.ticker] = Holding(ticker=trade.ticker, currency=trade.currency)
        if row is not None and row.split_added is not None:
            trade = _split_ratio(row, trade, holding)
            if trade is None:
                continue
        try:
            apply_trade(holding, trade)
        except HoldingsError as exc:
            if row is not None:
                row.problems.append(Problem(row.quantity_column, str(exc)))
                continue
            culprit = last_sell.get(trade.ticker)
            if culprit is None:
                return f"The portfolio's transactions do not add up: {exc}"
            culprit.problems.append(Problem(culprit.quantity_column, f"With this sale, a later one fails: {exc}"))
            return culprit
        if row is not None and trade.type == "SELL":
            last_sell[trade.ticker] = row
    return None


def _trade(row, order):
    """Return the Trade for a new row (a split still waiting for its ratio counts as 0 until worked out)."""
    kind = "SPLIT" if row.split_added is not None else row.type  # until its ratio (or a buy) is worked out
    return Trade(ticker=row.ticker, type=kind, trade_date=row.trade_date, quantity=row.quantity or ZERO,
                 price=row.price, fees=row.fees, currency=row.currency, order=order)


def _split_ratio(row, trade, holding):
    """Turn shares added by a split or a stock dividend into the ratio, from what was held then; with nothing
    held, into a buy at no cost (the file does not say what it split). None (and a problem) when it cannot."""
    held = holding.quantity
    if held <= 0:
        if row.split_added <= 0:
            row.problems.append(Problem(row.quantity_column, "This split takes shares away, but none are held "
                                                             "before it: check the rows before this one."))
            return None
        row.type, row.quantity, row.price = "BUY", row.split_added, ZERO
        if ZERO_COST not in (row.note or ""):
            row.note = f"{row.note} · {ZERO_COST}" if row.note else ZERO_COST
        return replace(trade, type="BUY", quantity=row.split_added, price=ZERO, fees=ZERO)
    ratio = ((held + row.split_added) / held).quantize(PLACES, rounding=ROUND_HALF_UP)
    if ratio <= 0:
        row.problems.append(Problem(row.quantity_column, f"This split takes away {plain(-row.split_added)} shares, "
                                                         f"but only {plain(held)} are held before it."))
        return None
    if ratio >= LIMIT:
        row.problems.append(Problem(row.quantity_column, "The split ratio this gives is too large."))
        return None
    row.type, row.quantity, row.price = "SPLIT", ratio, ZERO
    return replace(trade, type="SPLIT", quantity=ratio)
