"""The file formats, in the order they are tried when recognizing a header (most specific first)."""

from app.imports.formats import folio, ghostfolio, ibkr, positions, schwab, wealthfolio, yahoo
from app.imports.rows import ImportFailed

FORMATS = (
    ibkr.FORMAT, yahoo.FORMAT, schwab.FORMAT, ghostfolio.FORMAT, wealthfolio.FORMAT, folio.FORMAT, positions.FORMAT,
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
