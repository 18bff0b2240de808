"""Ticker symbols in Yahoo's form, and ISINs."""

import re

# Yahoo's exchange suffixes that are one letter long: these are not share classes.
ONE_LETTER_EXCHANGES = {"L", "T", "V", "F"}
VALID = re.compile(r"^[A-Z0-9^][A-Z0-9.\-=^]{0,31}$")
ISIN = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}\d$")


class TickerError(ValueError):
    """A ticker that cannot be a Yahoo symbol."""


def normalize_ticker(raw):
    """Return Yahoo's form of a ticker: upper case, `BRK.B` and `BRK/B` become `BRK-B`."""
    text = (raw or "").strip().upper()
    if not text:
        raise TickerError("A ticker is required.")
    text = text.replace("/", "-")
    if " " in text or not VALID.match(text):
        raise TickerError(
            f"“{raw.strip()}” is not a ticker: use letters, digits, '.', '-', '=' or '^' "
            "(for example AAPL, BRK-B, VOD.L)."
        )
    head, dot, suffix = text.rpartition(".")
    if dot and len(suffix) == 1 and suffix.isalpha() and suffix not in ONE_LETTER_EXCHANGES and head:
        text = f"{head}-{suffix}"
    return text


def split_tickers(raw):
    """Parse a comma- or space-separated list of tickers; return (tickers, errors)."""
    tickers, errors = [], []
    for part in re.split(r"[,\s]+", raw or ""):
        if not part:
            continue
        try:
            ticker = normalize_ticker(part)
        except TickerError as exc:
            errors.append(str(exc))
            continue
        if ticker not in tickers:
            tickers.append(ticker)
    return tickers, errors


def is_isin(text):
    """Whether `text` is an ISIN with a correct check digit (US0378331005)."""
    code = (text or "").strip().upper()
    if not ISIN.match(code):
        return False
    digits = "".join(str(int(c, 36)) for c in code[:-1])
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10 == int(code[-1])
