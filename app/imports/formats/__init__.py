"""The file formats Folio recognizes from their header."""

from app.imports.formats import (
    degiro,
    degiro_account,
    fidelity,
    folio,
    freetrade,
    ghostfolio,
    ibkr,
    positions,
    revolut,
    schwab,
    trading212,
    vanguard,
    wealthfolio,
    yahoo,
)
from app.imports.rows import ImportFailed

# Each header is accepted by one format only (tests/test_imports_detect.py); the order only breaks ties.
FORMATS = (
    folio.FORMAT, ibkr.FORMAT, yahoo.FORMAT, schwab.FORMAT, ghostfolio.FORMAT, wealthfolio.FORMAT, revolut.FORMAT,
    trading212.FORMAT, degiro.FORMAT, degiro_account.FORMAT, freetrade.FORMAT, fidelity.FORMAT, vanguard.FORMAT,
    positions.FORMAT,
)
BY_NAME = {fmt.name: fmt for fmt in FORMATS}


def get_format(name):
    """Return the format called `name`, or raise ImportFailed naming the ones there are."""
    try:
        return BY_NAME[(name or "").strip().lower()]
    except KeyError:
        raise ImportFailed(f"“{name}” is not a format Folio reads: use one of {', '.join(BY_NAME)}.") from None


def choices():
    """Return (name, label) pairs for a select box."""
    return [(fmt.name, fmt.label) for fmt in FORMATS]
