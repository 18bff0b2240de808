"""The mapping step: guess which column is what in a file no format knows, and remember each user's choice."""

import hashlib
import json

from sqlalchemy import select

from app.extensions import db
from app.imports.formats.base import fold
from app.imports.formats.mapped import MEANINGS, ROLES
from app.models import ColumnMapping, utcnow
from app.prices.tickers import is_isin

# Type values shown on the mapping step (a file with more distinct ones is not a transactions file).
MAX_TYPES = 40
# Words in a header cell that suggest each role, tried in this order (a column serves one role).
ROLE_WORDS = (
    ("isin", ("isin",)),
    ("date", ("trade date", "date", "datum", "fecha", "data", "timestamp", "time", "jour")),
    ("type", ("type", "action", "operation", "opération", "side", "activity", "transaction", "buy/sell", "sens")),
    ("ticker", ("ticker", "symbol", "symbole", "code", "symbool")),
    ("quantity", ("quantity", "quantite", "quantité", "shares", "qty", "units", "aantal", "anzahl", "nombre",
                  "number")),
    ("price", ("price", "cours", "koers", "kurs", "precio", "prix", "per share")),
    ("fees", ("fee", "frais", "commission", "kosten", "costs", "gebühr", "charges")),
    ("amount", ("amount", "montant", "total", "net", "bedrag", "betrag", "value", "valeur")),
    ("currency", ("currency", "devise", "ccy", "valuta", "währung", "moneda", "monnaie")),
    ("name", ("name", "libelle", "libellé", "product", "security", "description", "investment", "company", "title",
              "instrument")),
    ("note", ("note", "comment", "memo", "notes", "remark")),
)
# Dates that are not the trade's own.
NOT_TRADE_DATES = ("value", "valeur", "settle", "valuta", "process", "payment", "pay date", "ex date")
MEANING_WORDS = (
    ("SKIP", ("deposit", "versement", "withdraw", "prelevement", "prélèvement", "retrait", "interest", "interet",
              "intérêt", "transfer", "virement", "storting", "opname", "top up", "top-up", "einzahlung", "auszahlung")),
    ("SPLIT", ("split",)),
    ("DIVIDEND", ("div", "coupon", "distribution", "ertrag")),
    ("FEE", ("fee", "frais", "kosten", "commission", "tax", "impot", "impôt", "steuer", "gebühr", "custody")),
    ("SELL", ("sell", "vente", "verkoop", "venta", "verkauf", "sold", "sale", "vendita", "cession")),
    ("BUY", ("buy", "achat", "koop", "compra", "kauf", "bought", "purchase", "acquisto", "reinvest", "souscription")),
)
MEANING_LABELS = {"BUY": "a buy", "SELL": "a sale", "DIVIDEND": "a dividend", "FEE": "a fee or tax",
                  "SPLIT": "a split (quantity is the ratio)", "SIGN": "a buy or a sale by the sign of the quantity",
                  "SKIP": "cash only: leave it out"}
ROLE_LABELS = {"date": "Date", "type": "Type of transaction", "ticker": "Ticker (symbol)", "isin": "ISIN",
               "name": "Security name", "quantity": "Quantity", "price": "Price per share", "amount": "Amount (total)",
               "fees": "Fees", "currency": "Currency", "note": "Note"}


def signature(names):
    """Return the key a header's saved mapping is found by: the SHA-256 of its folded cells."""
    return hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()


def saved(user_id, names):
    """Return (mapping, when it was saved) of this user's mapping for this header, or (None, None)."""
    row = db.session.scalars(select(ColumnMapping).where(
        ColumnMapping.user_id == user_id, ColumnMapping.signature == signature(names))).first()
    if row is None:
        return None, None
    return json.loads(row.mapping), row.updated_at


def save(user_id, mapping):
    """Remember this user's mapping for its header (the caller commits)."""
    key = signature(mapping["names"])
    row = db.session.scalars(select(ColumnMapping).where(
        ColumnMapping.user_id == user_id, ColumnMapping.signature == key)).first()
    if row is None:
        db.session.add(ColumnMapping(user_id=user_id, signature=key, mapping=json.dumps(mapping)))
    else:
        row.mapping, row.updated_at = json.dumps(mapping), utcnow()


def samples(header, data, count=3):
    """Return the first few non-empty values of each column."""
    found = [[] for _ in header.cells]
    for record in data:
        for index, cell in enumerate(record.cells[:len(found)]):
            if cell.strip() and len(found[index]) < count:
                found[index].append(cell.strip()[:30])
        if all(len(values) >= count for values in found):
            break
    return found


def type_values(data, index):
    """Return the distinct values of the type column, in the order they first appear (at most MAX_TYPES)."""
    if index is None:
        return []
    seen = {}
    for record in data:
        cells = record.cells
        if index < len(cells) and cells[index].strip():
            seen.setdefault(fold(cells[index]), cells[index].strip()[:60])
            if len(seen) >= MAX_TYPES:
                break
    return list(seen.values())


def guess(header, data):
    """Return a first mapping for this header: each role's likeliest column, each type value's likeliest meaning."""
    columns, taken = dict.fromkeys(ROLES), set()
    for index, values in enumerate(samples(header, data)):
        if values and all(is_isin(v) for v in values):
            columns["isin"] = index
            taken.add(index)
            break
    for role, words in ROLE_WORDS:
        if columns[role] is not None:
            continue
        for index, name in enumerate(header.names):
            if index in taken or not name or not any(word in name for word in words):
                continue
            if role == "date" and any(word in name for word in NOT_TRADE_DATES):
                continue
            if role != "date" and "date" in name:  # "Date de valeur" holds no amount
                continue
            columns[role] = index
            taken.add(index)
            break
    types = {fold(value): guess_meaning(value) for value in type_values(data, columns["type"])}
    return {"names": header.names, "columns": columns, "types": {k: v for k, v in types.items() if v},
            "mark": None, "order": None}


def guess_meaning(value):
    """Return what a type value most likely means, or None when it is not clear."""
    key = fold(value)
    for meaning, words in MEANING_WORDS:
        if any(word in key for word in words):
            return meaning
    return None


def check_mapping(mapping):
    """Return the problems that keep a mapping from reading a file (empty when there are none)."""
    columns = mapping["columns"]
    problems = [f"Choose the column that holds the {ROLE_LABELS[role].lower()}." for role in ("date", "quantity")
                if columns.get(role) is None]
    if columns.get("ticker") is None and columns.get("isin") is None:
        problems.append("Choose the column of the ticker, or of the ISIN.")
    if columns.get("price") is None and columns.get("amount") is None:
        problems.append("Choose the column of the price per share, or of the amount.")
    used = [index for index in columns.values() if index is not None]
    if len(used) != len(set(used)):
        problems.append("A column can serve one purpose only.")
    if any(meaning not in MEANINGS for meaning in mapping["types"].values()):
        problems.append("Choose what each type means.")
    return problems
