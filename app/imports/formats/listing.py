"""Where a broker's bare symbol trades, from the currency of its price: the ticker Yahoo knows, or its ISIN."""

# Brokers that write bare symbols (VUSA, not VUSA.L) say where they trade only through the price's currency.
LONDON = {"GBX", "GBP"}


def symbol_or_isin(symbol, currency):
    """Return (ticker, exchange hint): a US or London symbol as Yahoo writes it, else '' (use the ISIN)."""
    symbol = (symbol or "").strip()
    currency = (currency or "").strip().upper()
    if not symbol:
        return "", None
    if currency == "USD":
        return symbol, "US"
    if currency in LONDON:
        return (symbol if "." in symbol else f"{symbol}.L"), ".L"
    return "", None
