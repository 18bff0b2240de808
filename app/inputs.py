"""Input bounds shared by URLs and forms: ids that fit an integer column, numbers that fit a MONEY column."""

from decimal import Decimal

from werkzeug.routing import IntegerConverter
from wtforms.validators import StopValidation

# PostgreSQL's integer: a larger id in a URL matches no route (404) instead of failing the query.
MAX_ID = 2**31 - 1
# MONEY is Numeric(20, 8): 12 digits before the point, 8 after.
MONEY_PLACES = Decimal("1e-8")
MONEY_LIMIT = Decimal(10) ** 12


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a non-negative integer no larger than the id column holds."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def money(form, field):
    """Validate a Decimal for a MONEY column: finite, below 10^12, rounded to 8 places (NaN and sNaN refused)."""
    value = field.data
    if value is None:
        return
    if not value.is_finite():
        raise StopValidation("Enter a number.")
    if value.copy_abs() >= MONEY_LIMIT:  # copy_abs, not abs(): no arithmetic that could overflow on 1e99999999
        raise StopValidation("Enter a number below 1,000,000,000,000.")
    field.data = value.quantize(MONEY_PLACES)


def install_id_converter(app):
    """Make `<int:...>` bounded in every route registered after this call."""
    app.url_map.converters["int"] = IdConverter
