"""DEGIRO's Account statement: every cash movement, described in words (in the account's language).

Dividends, dividend tax and account fees are read from it; trades and their costs are left to the
Transactions export (importing both must not count a trade twice); deposits, sweeps and currency
conversions are cash only. `…,FX,Change,,Balance,,Order Id`: the named column holds the currency and the
unnamed one after it the amount.
"""

from app.imports.formats.base import Format, fold
from app.imports.rows import Builder

# (words in the description, what the line is), checked in this order: the first that matches decides.
KINDS = (
    (("dividendbelasting", "dividend tax", "impôts sur dividende", "impots sur dividende", "retención del dividendo",
      "retenção do dividendo", "dividendensteuer", "kapitalertragsteuer", "withholding", "bronheffing"), "tax"),
    (("dividend", "dividende", "dividendo", "capital return", "kapitaalteruggave"), "dividend"),
    (("productwijziging", "product change", "cambio de producto", "changement de produit", "produktänderung"),
     "product change"),
    (("koop ", "verkoop ", "buy ", "sell ", "compra ", "venta ", "venda ", "achat ", "vente ", "kauf ", "verkauf ",
      "acquisto ", "vendita "), "trade"),
    (("transactiekosten", "transaction and/or third", "transaction fee", "comissões de transação",
      "frais degiro de courtage", "costes de transacción", "transaktionskosten", "courtage"), "trade costs"),
    (("aansluitingskosten", "connection fee", "frais de connexion", "costes de conexión", "comissão de conectividade",
      "verbindungskosten", "servicegebühr", "custody fee", "service fee", "admin fee"), "fee"),
    (("valuta creditering", "valuta debitering", "cambio de divisa", "fx credit", "fx debit", "währungswechsel",
      "currency exchange", "change de devise", "câmbio"), "currency conversion"),
    (("withdrawal", "opname", "terugstorting", "retirada", "auszahlung", "retrait", "levantamento"), "withdrawal"),
    (("deposit", "ideal", "sofort", "storting", "ingreso", "einzahlung", "dépôt", "depósito"), "deposit"),
    (("cash sweep", "overboeking", "flatex", "geldmarktfonds", "money market"), "cash sweep"),
    (("rente", "interest", "zinsen", "intérêts", "interés", "juros"), "interest"),
)
CASH_ONLY = {"currency conversion", "withdrawal", "deposit", "cash sweep", "interest"}


class DegiroAccount(Format):
    name = "degiro-account"
    label = "DEGIRO account statement"
    header = "Date,Time,Value date,Product,ISIN,Description,FX,Change,,Balance,,Order Id"
    columns = {
        "date": ("date", "datum", "fecha", "data"),
        "time": ("time", "tijd", "hora", "uhrzeit", "heure"),
        "value_date": ("value date", "valutadatum", "fecha valor", "data valor", "valutadatum", "date de valeur"),
        "name": ("product", "producto", "produto", "produkt", "produit"),
        "isin": ("isin",),
        "description": ("description", "omschrijving", "descripción", "descrição", "beschreibung"),
        "fx": ("fx", "tipo", "wechselkurs"),
        "change": ("change", "mutatie", "variación", "mudança", "änderung", "mouvement"),
        "balance": ("balance", "saldo", "solde"),
        "order": ("order id", "id orden", "id da ordem", "order-id"),
    }
    required = ("date", "isin", "description", "change", "balance")
    type_column = None
    date_order = "dmy"

    def numbers(self, record):
        """The amounts, which sit in the unnamed columns after Change and Balance."""
        return [record.beside("change"), record.beside("balance")]

    def parse(self, record, ctx):
        """Read a dividend, a dividend tax or an account fee; leave out trades and cash with the reason."""
        b = Builder(record, ctx)
        text = record.get("description")
        kind = classify(text)
        if kind in CASH_ONLY:
            return b.skip(f"{text[:60]}: a cash movement ({kind}), not a holding.", kind)
        if kind == "product change":
            return b.skip(f"{text[:60]}: the same shares under a new product line, no change in holdings.", kind)
        if kind == "trade":
            return b.skip(f"{text[:60]}: a trade; import DEGIRO's Transactions export for trades.",
                          "trade (in the Transactions export)")
        if kind == "trade costs":
            return b.skip("A trade's costs: they come with DEGIRO's Transactions export.",
                          "trade costs (in the Transactions export)")
        currency = record.get("change").upper() or ctx.currency
        amount = b.number("change", text=record.beside("change"), required=True)
        common = {"ticker": "", "isin": record.get("isin"), "name": record.get("name"), "day": b.date("date"),
                  "currency": currency, "note": text, "exchange": "US" if currency == "USD" else None,
                  "quantity": 1, "columns": {"price": "change", "type": "description"}}
        if kind is None:
            return b.refuse("description", f"“{text[:60]}” is not a line Folio knows: add it by hand if it "
                            "changed your holdings." if text else "empty; a description is needed.",
                            ticker=record.get("isin"), day=common["day"])
        if amount is not None and kind == "dividend" and amount < 0:
            return b.refuse("change", "a negative dividend (a reversal): correct the dividend by hand.",
                            ticker=record.get("isin"), day=common["day"])
        if amount is not None and kind in ("tax", "fee") and amount > 0:
            return b.skip(f"{text[:60]}: a refund, not a fee.", "refund")
        price = abs(amount) if amount is not None else None
        return b.build(kind="DIVIDEND" if kind == "dividend" else "FEE", price=price, **common)


def classify(text):
    """Return what a statement line is, from the words of its description (None when unknown)."""
    key = fold(text) + " "
    for words, kind in KINDS:
        if any(word in key for word in words):
            return kind
    return None


FORMAT = DegiroAccount()
