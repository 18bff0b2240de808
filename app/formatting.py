"""Jinja filters that make numbers readable: separators, currency, signs and colours."""

from decimal import Decimal

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "C$", "AUD": "A$", "CHF": "CHF ", "GBp": "p"}


def money(value, currency="USD", signed=False):
    """Format an amount as `$1,234.56`, `-€12.00`, or with `signed` as `+$5.00`."""
    if value is None:
        return "—"
    value = float(value)
    symbol = SYMBOLS.get(currency, f"{currency} " if currency else "")
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    digits = 0 if currency == "JPY" else 2
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
    app.jinja_env.filters.update(money=money, number=number, percent=percent, gain_class=gain_class)
