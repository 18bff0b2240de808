"""Reading numbers and dates the way brokers write them: `$1,234.50`, `(12,5)`, `08/14/2024 as of 08/13/2024`."""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Numeric(20, 8): twelve digits before the point, eight after.
LIMIT = Decimal(10) ** 12
PLACES = Decimal("1e-8")
CURRENCY_MARKS = re.compile(r"^(?:[A-Z]{3}\s*)|(?:\s*[A-Z]{3})$|[$€£¥\s\u00a0\u202f']")
SIMPLE = re.compile(r"^-?\d{1,12}(?:\.\d{1,8})?$")
PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?$")
DATE_PARTS = re.compile(r"^(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})$")
COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
SLASHED = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}")
DOTTED = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{2,4}")
# A number whose thousands separators come in groups of three, before the one decimal mark (if any).
GROUPED = {
    ".": re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d{1,3})?$"),
    ",": re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?(?:[eE][+-]?\d{1,3})?$"),
}
MARK_NAMES = {".": "point", ",": "comma"}


class ValueProblem(ValueError):
    """A cell that does not hold what its column needs, with a message for the person."""


def clean(text):
    """Return a cell's text without surrounding spaces (None becomes '')."""
    return (text or "").strip()


def decimal_mark(sample, fallback="."):
    """Guess whether numbers in `sample` use '.' or ',' as their decimal mark."""
    votes = {".": 0, ",": 0}
    for text in sample:
        text = CURRENCY_MARKS.sub("", clean(text)).strip("()+-")
        seps = [c for c in text if c in ".,"]
        if not seps or not re.fullmatch(r"[\d.,]+", text):
            continue
        last = seps[-1]
        tail = len(text) - text.rfind(last) - 1
        if len(set(seps)) == 2:
            votes[last] += 1
        elif len(seps) > 1:
            votes["," if last == "." else "."] += 1
        elif tail != 3:
            votes[last] += 1
    if votes["."] == votes[","]:
        return fallback
    return max(votes, key=votes.get)


def parse_number(text, mark="."):
    """Read a number such as `$1,234.50`, `-1.234,5`, `(12.00)` or `USD 5`; raise ValueProblem if it is not one.

    A value that is not written the way the file's decimal mark says (`1.234,50` or `12,5` in a file with
    decimal points) is refused, naming both readings, rather than read one way silently.
    """
    raw = clean(text)
    if mark == "." and SIMPLE.match(raw):
        value = Decimal(raw)
        return value.quantize(PLACES, rounding=ROUND_HALF_UP) if abs(value) < LIMIT else parse_number("x" + raw)
    body = CURRENCY_MARKS.sub("", raw.upper())
    negative = body.startswith("(") and body.endswith(")")
    body = body.strip("()")
    value = _read(body, mark)
    if value is None:
        other = "," if mark == "." else "."
        strict, loose = _read(body, other), _read(body, mark, strict=False)
        if strict is not None and loose is not None and strict != loose:
            raise ValueProblem(
                f"“{raw[:40]}” reads as {_plain(loose)} with a decimal {MARK_NAMES[mark]} but as {_plain(strict)} "
                f"with a decimal {MARK_NAMES[other]}, and this file uses decimal {MARK_NAMES[mark]}s: "
                "write it the way the file's other numbers are written."
            )
        if strict is not None:
            raise ValueProblem(f"“{raw[:40]}” is written with a decimal {MARK_NAMES[other]}, and this file uses "
                               f"decimal {MARK_NAMES[mark]}s: write it the way the file's other numbers are written.")
        raise ValueProblem(f"“{raw[:40]}” is not a number.")
    if abs(value) >= LIMIT:
        raise ValueProblem(f"“{raw[:40]}” is too large.")
    value = value.quantize(PLACES, rounding=ROUND_HALF_UP)
    return -value if negative else value


def _read(body, mark, strict=True):
    """Return the Decimal `body` means with this decimal mark, or None; strict: thousands only in threes."""
    thousands = "," if mark == "." else "."
    if strict and thousands in body and not GROUPED[mark].match(body):
        return None
    body = body.replace(thousands, "")
    if mark == ",":
        body = body.replace(",", ".")
    if not PLAIN.match(body):
        return None
    try:
        return Decimal(body)
    except InvalidOperation:  # pragma: no cover - PLAIN admits only valid literals
        return None


def _plain(value):
    """Write a Decimal as people do (no exponent, no trailing zeros)."""
    text = f"{value.normalize():f}"
    return text if len(text) <= 24 else f"{value:.6g}"


def date_order(sample, fallback="mdy"):
    """Guess whether slashed dates in `sample` are month-first ('mdy') or day-first ('dmy')."""
    dotted = False
    for text in sample:
        text = clean(text)
        dotted = dotted or bool(DOTTED.match(text))
        match = SLASHED.match(text)
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            return "dmy"
        if second > 12 >= first:
            return "mdy"
    return "dmy" if dotted else fallback


def parse_date(text, order="mdy"):
    """Read a date: ISO (with or without a time), `yyyymmdd`, or day/month/year in `order`."""
    raw = clean(text)
    head = re.split(r"[T ;]", raw, maxsplit=1)[0] if raw else ""
    match = COMPACT.match(head)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = DATE_PARTS.match(head)
        if not match:
            raise ValueProblem(f"“{raw[:40]}” is not a date.")
        a, b, c = match.groups()
        if len(a) == 4:
            year, month, day = int(a), int(b), int(c)
        elif len(c) in (2, 4):
            day, month = (int(a), int(b)) if order == "dmy" else (int(b), int(a))
            year = int(c) if len(c) == 4 else int(c) + (2000 if int(c) < 70 else 1900)
        else:
            raise ValueProblem(f"“{raw[:40]}” is not a date.")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueProblem(f"“{raw[:40]}” is not a date.") from exc

