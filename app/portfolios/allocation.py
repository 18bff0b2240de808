"""Where a portfolio's money is, from the dashboard's values and the stored security profiles: never a request
to Yahoo. Profiles (sector, country, kind, fund sector weightings) are fetched weekly by the price runner.
"""

from app.analytics.allocation import Position, allocation
from app.portfolios.dashboard import build_dashboard
from app.prices import market, store
from app.prices.profiles import fund_sectors

KEYS = ("by_class", "by_sector", "by_country", "by_currency", "through_funds")


def allocation_report(portfolio, price_service, now=None):
    """The Allocation page's numbers as a JSON-ready dict: each grouping a list of {name, value, weight}."""
    now = now or market.utcnow()
    board = build_dashboard(portfolio, price_service, now)
    priced = [row for row in board.rows if row.value_base is not None]
    known = store.securities([row.ticker for row in priced])
    weights = fund_sectors([t for t, s in known.items() if s.kind in ("etf", "fund")])
    positions = []
    for row in priced:
        security = known.get(row.ticker)
        positions.append(Position(
            ticker=row.ticker, value=row.value_base, kind=security.kind if security else "equity",
            sector=security.sector if security else None, country=security.country if security else None,
            currency=row.currency, fund_sectors=weights.get(row.ticker, {})))
    result = allocation(positions)
    payload = {"status": "ready" if priced else "empty", "currency": board.base_currency,
               "total": round(result["total"], 2), "holdings": board.holdings, "priced": len(priced), "notes": []}
    for key in KEYS:
        payload[key] = [{**entry, "value": round(entry["value"], 2),
                         "weight": round(entry["weight"], 6) if entry["weight"] is not None else None}
                        for entry in result[key]]
    notes = payload["notes"]
    if not board.rows:
        payload["message"] = "No holdings yet: add a transaction and its allocation shows here."
    elif not priced:
        payload["message"] = "No holding has a price yet: the allocation appears once prices are fetched."
    if board.missing:
        notes.append(f"Left out until they have a price: {', '.join(board.missing)}.")
    waiting = [row.ticker for row in priced if row.ticker not in known or known[row.ticker].profile_at is None]
    if waiting:
        notes.append(f"Sector and country of {len(waiting)} holding{'s' if len(waiting) != 1 else ''} "
                     f"({', '.join(waiting[:5])}{'…' if len(waiting) > 5 else ''}) are not known yet: the price "
                     f"runner fetches them from Yahoo and refreshes them weekly.")
    notes.append("Cash is not tracked: Folio has no cash account, so the classes are the holdings only.")
    return payload
