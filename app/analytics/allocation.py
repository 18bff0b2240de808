"""Where the money is: today's values grouped by asset class, sector, country and currency.

Single stocks go by their own sector and country; each ETF or fund is a slice of its own (it holds many
sectors and countries), carrying its sector weightings where Yahoo gives them. `through_funds` spreads
each fund over those weightings (what it does not cover is "Unknown"): an estimate, and said to be one.
"""

from dataclasses import dataclass, field

UNKNOWN = "Unknown"
CLASSES = {"equity": "Equity", "etf": "ETF", "fund": "Fund", "crypto": "Crypto"}
FUND_KINDS = ("etf", "fund")


@dataclass
class Position:
    """One priced holding: its value in the base currency and what its profile says it is."""

    ticker: str
    value: float
    kind: str = "equity"
    sector: str | None = None
    country: str | None = None
    currency: str | None = None
    fund_sectors: dict = field(default_factory=dict)  # sector → weight (0..1), for an ETF or fund

    @property
    def is_fund(self):
        """Whether it is an ETF or a fund (a slice of its own by sector and country)."""
        return self.kind in FUND_KINDS


def slices(values, total):
    """{name: value} as [{name, value, weight}], largest first; weight = value ÷ total."""
    ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    return [{"name": name, "value": value, "weight": value / total if total else None} for name, value in ordered]


def _add(groups, name, value):
    groups[name] = groups.get(name, 0.0) + value


def allocation(positions):
    """by_class, by_sector, by_country, by_currency and through_funds: each a list of {name, value, weight}.

    by_sector and by_country: a stock's own sector or country (Unknown when its profile has none); an ETF
    or fund is its own slice named by its ticker, marked `fund`, with its `sectors` (name, weight) from
    Yahoo, empty when Yahoo gives none.
    """
    positions = [p for p in positions if p.value and p.value > 0]
    total = float(sum(p.value for p in positions))
    by_class, by_sector, by_country, by_currency, through = {}, {}, {}, {}, {}
    funds = {}
    for p in positions:
        _add(by_class, CLASSES.get(p.kind, "Other"), p.value)
        _add(by_currency, p.currency or UNKNOWN, p.value)
        if p.is_fund:
            funds[p.ticker] = p
            _add(by_sector, p.ticker, p.value)
            _add(by_country, p.ticker, p.value)
            covered = 0.0
            for sector, weight in p.fund_sectors.items():
                _add(through, sector, p.value * weight)
                covered += weight
            if covered < 0.999:
                _add(through, UNKNOWN, p.value * max(0.0, 1.0 - covered))
        else:
            _add(by_sector, p.sector or UNKNOWN, p.value)
            _add(by_country, p.country or UNKNOWN, p.value)
            _add(through, p.sector or UNKNOWN, p.value)
    result = {"total": total, "by_class": slices(by_class, total), "by_currency": slices(by_currency, total),
              "through_funds": slices(through, total)}
    for key, groups in (("by_sector", by_sector), ("by_country", by_country)):
        result[key] = slices(groups, total)
        for entry in result[key]:
            fund = funds.get(entry["name"])
            if fund is not None:
                entry["fund"] = True
                entry["sectors"] = [{"name": s, "weight": w} for s, w in
                                    sorted(fund.fund_sectors.items(), key=lambda item: (-item[1], item[0]))]
    return result
