"""DEGIRO's Transactions export (English, Dutch and other languages): one line per execution, ISINs only.

`Date,Time,Product,ISIN,Reference exchange,Venue,Quantity,Price,,Local value,,Value,…,Total,,Order ID`: the
unnamed column after Price holds the price's currency; fees are in the account's currency (EUR), negative.
"""

from app.imports.formats.base import Format
from app.imports.rows import Builder

# DEGIRO's reference exchanges → the suffix of the listing on Yahoo ("US" for no suffix).
EXCHANGES = {
    "NDQ": "US", "NSY": "US", "ASE": "US", "BATS": "US", "OTC": "US", "PNK": "US", "EAM": ".AS", "XET": ".DE",
    "TDG": ".DE", "FRA": ".F", "LSE": ".L", "MIL": ".MI", "EPA": ".PA", "EBR": ".BR", "SWX": ".SW", "OMX": ".ST",
    "OSL": ".OL", "CSE": ".CO", "HEL": ".HE", "MAD": ".MC", "LIS": ".LS", "WSE": ".WA", "ASX": ".AX",
    "TSE": ".TO", "TOR": ".TO", "HKS": ".HK", "TYO": ".T", "VIE": ".VI", "ATH": ".AT", "ISE": ".IR",
}


class Degiro(Format):
    name = "degiro"
    label = "DEGIRO transactions"
    header = "Date,Time,Product,ISIN,Reference exchange,Venue,Quantity,Price,,Local value,,Value,…,Order ID"
    columns = {
        "date": ("date", "datum", "fecha", "data"),
        "time": ("time", "tijd", "hora", "uhrzeit", "heure", "čas"),
        "name": ("product", "producto", "produto", "produkt", "produit"),
        "isin": ("isin",),
        "exchange": ("reference exchange", "reference", "beurs", "bolsa de referencia", "bolsa de referência",
                     "referenzbörse", "bourse de référence"),
        "venue": ("venue", "uitvoeringsplaats", "centro de ejecución", "bolsa", "ausführungsort",
                  "lieu d'exécution"),
        "quantity": ("quantity", "aantal", "número", "quantidade", "anzahl", "quantité", "počet"),
        "price": ("price", "koers", "precio", "preços", "kurs", "cours", "cena"),
        "local": ("local value", "lokale waarde", "valor local", "wert in lokalwährung", "valeur locale",
                  "hodnota v domácí měně"),
        "rate": ("exchange rate", "wisselkoers", "tipo de cambio", "taxa de câmbio", "wechselkurs",
                 "taux de change", "směnný kurz"),
        "autofx": ("autofx fee", "autofx kosten", "comision autofx", "taxa autofx", "autofx-gebühr"),
        "fees": ("transaction and/or third*", "transactiekosten*", "costes de transaccion*", "custos de transação*",
                 "transaktionskosten*", "frais de courtage*"),
        "order": ("order id", "id orden", "id da ordem", "order-id", "id ordre", "id objednávky"),
    }
    required = ("date", "isin", "quantity", "price", "local")
    numeric = ("quantity", "price", "local", "fees", "autofx", "rate")
    type_column = None
    date_order = "dmy"

    def parse(self, record, ctx):
        """Read one execution: a buy when the quantity is positive, a sale when negative."""
        b = Builder(record, ctx)
        quantity = b.number("quantity", required=True)
        currency = record.beside("price").upper() or ctx.currency
        fees = self._fees(b, record, currency)
        exchange = EXCHANGES.get(record.get("exchange").upper(), "US" if currency == "USD" else None)
        return b.build(
            kind="SELL" if quantity is not None and quantity < 0 else "BUY", ticker="", isin=record.get("isin"),
            name=record.get("name"), exchange=exchange, day=b.date("date"),
            quantity=abs(quantity) if quantity is not None else None, price=b.number("price"), fees=fees,
            currency=currency, note=record.get("order") or record.beside("order") or None,
        )

    @staticmethod
    def _fees(b, record, currency):
        """The trade's costs in the price's currency (DEGIRO charges them in the account's, at its rate)."""
        total = sum(abs(b.number(key) or 0) for key in ("fees", "autofx"))
        if not total:
            return None
        label = record.label("fees").upper()
        beside = record.beside("fees")
        fee_currency = (beside if len(beside) == 3 and beside.isalpha() else "") or (
            label[-3:] if label[-4:-3] == " " else "EUR")
        rate = b.number("rate") if record.get("rate") else None
        if fee_currency.upper() == currency or not rate:
            return total
        return total * rate  # DEGIRO's rate is the price's currency per unit of the account's


FORMAT = Degiro()
