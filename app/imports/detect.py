"""Find the header line and the format it belongs to; refuse to guess when no format is sure."""

import csv
from dataclasses import dataclass, field

from app.imports.formats import FORMATS
from app.imports.formats.base import normalize_header
from app.imports.rows import ImportFailed

SEPARATORS = (",", ";", "\t")
# Lines searched for a header: title lines, or a holdings section above the transactions (Vanguard).
HEADER_SEARCH = 300
# Lines searched for the header of a file no format knows (for the mapping step).
SNIFF_LINES = 40
# Two formats whose scores are this close explain the header equally well: neither is sure.
TIE = 0.05


@dataclass
class Header:
    """The header line: where it is, how it is separated, its cells, and the formats that accept it."""

    index: int
    separator: str
    cells: list
    names: list
    matches: list = field(default_factory=list)  # (format, {key: index}), best first

    def columns(self, found):
        """Return {key: (index, header text)} for a format's found columns."""
        return {key: (i, self.cells[i].strip().replace("\ufeff", "") or key) for key, i in found.items()}


class NeedsMapping(Exception):  # noqa: N818 - a signal, not an error
    """No format is sure of this file: the person says which column is what."""

    def __init__(self, message, header):
        super().__init__(message)
        self.message = message
        self.header = header


def split_cells(line, separator):
    """Split one line into cells (None when it does not read as CSV)."""
    try:
        return next(csv.reader([line], delimiter=separator))
    except (csv.Error, StopIteration):
        return None


def find_header(lines, candidates=FORMATS):
    """Return the first Header that some format accepts, its matches best first; None when there is none."""
    for index, line in enumerate(lines[:HEADER_SEARCH]):
        for separator in SEPARATORS:
            if separator not in line:
                continue
            cells = split_cells(line, separator)
            if not cells or len(cells) < 2:
                continue
            names = [normalize_header(cell) for cell in cells]
            matches = [(fmt, found) for fmt in candidates if (found := fmt.match(names))]
            if matches:
                matches.sort(key=lambda pair: -pair[0].score(pair[1], names))
                return Header(index, separator, cells, names, matches)
    return None


def sniff_header(lines):
    """Guess the header of a file no format knows: the first line of text cells that its data lines follow."""
    best = None
    for index, line in enumerate(lines[:SNIFF_LINES]):
        for separator in SEPARATORS:
            if line.count(separator) < 2:
                continue
            cells = split_cells(line, separator)
            if not cells:
                continue
            named = [c for c in cells if c.strip()]
            if len(named) < 3 or any(_numeric(c) for c in named):
                continue
            following = next((n for n in lines[index + 1:index + 6] if n.strip()), None)
            width = len(split_cells(following, separator) or []) if following else 0
            if abs(width - len(cells)) <= 1:
                return Header(index, separator, cells, [normalize_header(c) for c in cells])
            best = best or Header(index, separator, cells, [normalize_header(c) for c in cells])
    if best is None:
        first = next((line for line in lines if line.strip()), "")
        if not first:
            raise ImportFailed("The file is empty.")
        raise ImportFailed(
            "Folio does not recognize this file, and finds no header line of three or more named columns to map "
            f"(the first line is “{first[:80]}”): export it from your broker as CSV."
        )
    return best


def _numeric(text):
    stripped = text.strip().replace(",", "").replace(".", "").replace("-", "").replace("/", "")
    return stripped.isdigit()
