"""The interface every file format implements: recognize a header, turn one record into a Row."""

from decimal import ROUND_HALF_UP

from app.imports.values import LIMIT, PLACES, ValueProblem


def normalize_header(text):
    """Fold a header cell for comparison: lower case, `_` as a space, single spaces, no BOM or colon."""
    text = (text or "").replace("\ufeff", "").strip().strip('"').lower().replace("_", " ")
    return " ".join(text.split()).rstrip(":")


def per_unit(total, quantity):
    """Return `total` ÷ `quantity` to eight places (for a cost basis given as a total)."""
    if abs(total) >= abs(quantity) * LIMIT:
        raise ValueProblem("the price per share this gives is too large.")
    return (total / quantity).quantize(PLACES, rounding=ROUND_HALF_UP)


class Format:
    """One broker's (or tool's) CSV layout.

    `columns` maps a canonical column to the header names it may have (folded by normalize_header);
    the header is this format's when every `required` column is there, at least one column of each
    `one_of` group, and none of `excluded`.
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
    # None: guess day-first or month-first from the file; else always this order.
    date_order = None

    def match(self, cells):
        """Return {canonical column: (index, header text)} when `cells` is this format's header, else None."""
        found = {}
        for index, cell in enumerate(cells):
            name = normalize_header(cell)
            for key, aliases in self.columns.items():
                if key not in found and name in aliases:
                    found[key] = (index, cell.strip().replace("\ufeff", "") or key)
                    break
        if not all(key in found for key in self.required):
            return None
        if not all(any(key in found for key in group) for group in self.one_of):
            return None
        if any(key in found for key in self.excluded):
            return None
        return found

    def parse(self, record, ctx):
        """Turn one record into a Row (with its problems, or a reason to skip it)."""
        raise NotImplementedError
