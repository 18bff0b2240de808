"""Input bounds shared by URLs and forms: ids that fit an integer column, numbers that fit a MONEY column."""

from decimal import Decimal

from werkzeug.routing import IntegerConverter

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


def install_id_converter(app):
    """Make `<int:...>` bounded in every route registered after this call."""
    app.url_map.converters["int"] = IdConverter
