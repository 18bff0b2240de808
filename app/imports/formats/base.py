"""The interface every file format implements: recognize a header, vouch for its types, turn a record into rows."""

from decimal import ROUND_HALF_UP

from app.imports.values import LIMIT, PLACES, ValueProblem

# A format whose header matches but which knows fewer than this share of the file's types is not the file's.
KNOWN_TYPES_NEEDED = 0.75


def normalize_header(text):
    """Fold a header cell for comparison: lower case, `_` as a space, single spaces, no BOM or colon."""
    text = (text or "").replace("\ufeff", "").strip().strip('"').lower().replace("_", " ")
    return " ".join(text.split()).rstrip(":")


def per_unit(total, quantity):
    """Return `total` ÷ `quantity` to eight places (for a cost basis given as a total)."""
    if abs(total) >= abs(quantity) * LIMIT:
        raise ValueProblem("the price per share this gives is too large.")
    return (total / quantity).quantize(PLACES, rounding=ROUND_HALF_UP)


def fold(text):
    """Fold a type or action cell for lookups: lower case, single spaces."""
    return " ".join((text or "").lower().split())


class Format:
    """One broker's (or tool's) CSV layout.

    `columns` maps a canonical column to the header names it may have (folded by normalize_header; a
    name ending in `*` matches any header starting with it); the header is this format's when every
    `required` column is there, at least one column of each `one_of` group, and none of `excluded`.
    """

    name = ""
    label = ""
    header = ""
    columns: dict = {}
    required: tuple = ()
    one_of: tuple = ()
    excluded: tuple = ()
    numeric: tuple = ("quantity", "price", "fees")
    date_column = "date"
    # The column holding the kind of each line, whose values the format must know (None: no such column).
    type_column = "type"
    # None: guess day-first or month-first from the file; else always this order.
    date_order = None
    # None: guess the decimal mark from the file's numbers; else always this one.
    mark = None

    def match(self, names):
        """Return {canonical column: (index, header text)} when the folded `names` are this header, else None."""
        found = {}
        for index, name in enumerate(names):
            if not name:
                continue
            for key, aliases in self.columns.items():
                if key not in found and _matches(name, aliases):
                    found[key] = index
                    break
        if not all(key in found for key in self.required):
            return None
        if not all(any(key in found for key in group) for group in self.one_of):
            return None
        if any(key in found for key in self.excluded):
            return None
        return found

    def score(self, found, names):
        """How much of the header this format explains: the share of named cells it recognized."""
        named = sum(1 for name in names if name)
        return len(found) / named if named else 0.0

    def numbers(self, record):
        """The cells that tell the file's decimal mark."""
        return [record.get(key) for key in self.numeric if record.has(key)]

    def knows_type(self, text):
        """Whether `text` in the type column is a kind of line this format reads (a typo is still its row)."""
        return True

    def vouches_for(self, values):
        """Whether the type column's values are this format's: most must be types it knows."""
        seen = [value for value in values if value]
        if not seen or self.type_column is None:
            return True
        known = sum(1 for value in seen if self.knows_type(value))
        return known >= KNOWN_TYPES_NEEDED * len(seen)

    def parse(self, record, ctx):
        """Turn one record into a Row, or a list of Rows (a reinvested dividend is a dividend and a buy)."""
        raise NotImplementedError

    def finish(self, rows, ctx, notes):
        """Look at all the rows together (pairs of lines, snapshots), noting for the preview what was done."""
        return rows


def _matches(name, aliases):
    for alias in aliases:
        if alias.endswith("*"):
            if name.startswith(alias[:-1]):
                return True
        elif name == alias:
            return True
    return False
