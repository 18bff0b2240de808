"""Jinja filters that make numbers readable: separators, currency, signs and colours."""

from datetime import UTC, datetime
from decimal import Decimal

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "C$", "AUD": "A$", "CHF": "CHF ", "GBp": "p"}


def money(value, currency="USD", signed=False, exact=False):
    """Format an amount as `$1,234.56`, `-€12.00`, or with `signed` as `+$5.00`.

    `exact`: keep every digit that was entered beyond the cents (a price of 0.1234 stays $0.1234).
    """
    if value is None:
        return "—"
    digits = 0 if currency == "JPY" else 2
    if exact:
        entered = -Decimal(str(value)).normalize().as_tuple().exponent
        digits = max(digits, min(int(entered), 8))
    value = float(value)
    symbol = SYMBOLS.get(currency, f"{currency} " if currency else "")
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}{symbol}{abs(value):,.{digits}f}"


def number(value, digits=None):
    """Format a quantity with separators and no trailing zeros: 1,234.5."""
    if value is None:
        return "—"
    value = Decimal(str(value))
    if digits is not None:
        return f"{float(value):,.{digits}f}"
    text = f"{value.normalize():,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def plain(value):
    """Write a number as it was entered, without separators or trailing zeros: 10.00000000 → 10."""
    if value is None:
        return ""
    text = f"{Decimal(str(value)).normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def clock(iso, now=None):
    """Say when an ISO time (UTC) was, for people: '14:02 UTC' today, '28 Nov 14:02 UTC' before."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    today = (now or datetime.now(UTC)).date()
    return f"{moment:%H:%M} UTC" if moment.date() == today else f"{moment:%-d %b %H:%M} UTC"


def percent(value, signed=True):
    """Format a fraction as a percentage: 0.1234 → +12.34%."""
    if value is None:
        return "—"
    value = float(value) * 100
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value:,.2f}%"


def gain_class(value):
    """Return the CSS class for a gain, a loss or nothing."""
    if value is None or float(value) == 0:
        return "flat"
    return "gain" if float(value) > 0 else "loss"


def register(app):
    """Make the filters available to every template."""
    app.jinja_env.filters.update(money=money, number=number, plain=plain, clock=clock, percent=percent,
                               gain_class=gain_class)
