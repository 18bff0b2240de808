"""A file no format knows, read with the columns and type meanings its owner chose on the mapping step."""

from app.imports.detect import HEADER_SEARCH, SEPARATORS, Header, split_cells
from app.imports.formats.base import Format, fold, normalize_header, per_unit
from app.imports.rows import Builder, ImportFailed
from app.imports.values import ValueProblem

# What a type value may mean: a transaction type, "left out", or buy/sell by the sign of the quantity.
MEANINGS = ("BUY", "SELL", "DIVIDEND", "FEE", "SPLIT", "SIGN", "SKIP")
ROLES = ("date", "type", "ticker", "isin", "name", "quantity", "price", "amount", "fees", "currency", "note")


class MappedFormat(Format):
    name = "mapped"
    label = "your column mapping"
    header = "the columns you chose"

    def __init__(self, mapping):
        self.mapping = mapping
        self.found = {role: index for role, index in mapping["columns"].items() if index is not None}
        self.columns = {role: () for role in self.found}
        self.types = mapping.get("types", {})
        self.mark = mapping.get("mark") or None
        self.date_order = mapping.get("order") or None
        self.numeric = ("quantity", "price", "amount", "fees")

    def find(self, lines):
        """Return the Header of the lines whose cells are the mapped header; raise ImportFailed when none is."""
        names = self.mapping["names"]
        for index, line in enumerate(lines[:HEADER_SEARCH]):
            for separator in SEPARATORS:
                if separator in line:
                    cells = split_cells(line, separator)
                    if cells and [normalize_header(c) for c in cells] == names:
                        return Header(index, separator, cells, names)
        raise ImportFailed("This file's header is not the one the column mapping was made for: upload it again.")

    def knows_type(self, text):
        """Whether the mapping says what this type value means."""
        return fold(text) in self.types

    def parse(self, record, ctx):
        """Read one line the way the mapping says."""
        b = Builder(record, ctx)
        raw = record.get("type")
        meaning = self.types.get(fold(raw)) if record.has("type") else "SIGN"
        if meaning == "SKIP":
            return b.skip(f"“{raw[:40]}”: left out, as your column mapping says.", f"{raw[:40]} (your mapping)")
        quantity, price, amount = b.number("quantity"), b.number("price"), b.number("amount")
        fees = b.number("fees")
        if meaning is None:
            b.problem("type", f"“{raw[:40]}” has no meaning in your column mapping: choose one for it."
                      if raw else "empty; a type is needed.")
            meaning = ""
        elif meaning == "SIGN":
            meaning = "SELL" if (quantity or 0) < 0 or (quantity is None and (amount or 0) > 0) else "BUY"
        quantity = abs(quantity) if quantity is not None else None
        columns = {}
        if price is None and amount is not None:
            if quantity:
                try:
                    price, columns = per_unit(abs(amount), quantity), {"price": "amount"}
                except ValueProblem as exc:
                    b.problem("amount", str(exc))
            elif meaning in ("DIVIDEND", "FEE"):
                quantity, price, columns = 1, abs(amount), {"price": "amount", "quantity": "amount"}
        return b.build(
            kind=meaning, ticker=record.get("ticker"), isin=record.get("isin"), name=record.get("name"),
            day=b.date("date"), quantity=quantity, price=price, fees=abs(fees) if fees is not None else None,
            currency=record.get("currency"), note=record.get("note"), columns=columns,
        )
