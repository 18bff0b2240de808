"""Forms for portfolios and transactions."""

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from app.formatting import plain
from app.inputs import MONEY_LIMIT, MONEY_PLACES
from app.models import TRANSACTION_TYPES
from app.prices.tickers import TickerError, normalize_ticker

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "CHF", "JPY", "AUD", "SEK", "NOK", "DKK", "HKD", "SGD", "NZD")
CURRENCY_FIELD = dict(validators=[DataRequired(), Regexp(r"^[A-Za-z]{3}$", message="Use a 3-letter code such as USD.")])
BIG = MONEY_LIMIT  # MONEY is Numeric(20, 8): below 10^12


class PortfolioForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    base_currency = SelectField("Base currency", choices=CURRENCIES, default="USD")
    submit = SubmitField("Create portfolio")


class SettingsForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    base_currency = SelectField("Base currency", choices=CURRENCIES)
    benchmarks = StringField("Compare against", validators=[Optional(), Length(max=200)])
    cost_method = SelectField("Cost basis of a sale", default="average", choices=[
        SelectChoice("average", "Average cost of the shares held"),
        SelectChoice("fifo", "FIFO: the first shares bought are sold first")])
    submit = SubmitField("Save")


class BenchmarksForm(FlaskForm):
    benchmarks = StringField("Compare against", validators=[Length(max=200)])
    submit = SubmitField("Compare")


class AmountField(DecimalField):
    """A decimal written back as it was entered (10, not 10.00000000); an empty box is None, not an error."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=None, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return plain(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if not text:
            self.data = None
            return
        try:
            self.data = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError("Enter a number, such as 12.5.") from None
        if not self.data.is_finite():
            self.data = None
            raise ValueError("Enter a number, such as 12.5.")
        if self.data.copy_abs() < BIG:  # what MONEY keeps; a larger number is refused by the form's check
            self.data = self.data.quantize(MONEY_PLACES)


def check_amount(field, noun, verb="is"):
    """One message in words for a negative or absurdly large amount, raised as a ValidationError."""
    if field.data is None:
        return
    if field.data < 0:
        raise ValidationError(f"The {noun} cannot be negative.")
    if field.data >= BIG:
        raise ValidationError(f"The {noun} {verb} too large.")


class TransactionForm(FlaskForm):
    trade_date = DateField("Date", validators=[InputRequired(message="Enter a date.")], default=date.today)
    type = SelectField("Type", choices=TRANSACTION_TYPES, default="BUY")
    ticker = StringField("Ticker", validators=[DataRequired(message="Enter a ticker."), Length(max=32)])
    quantity = AmountField("Quantity")
    price = AmountField("Price", default=0)
    fees = AmountField("Fees", default=0)
    currency = StringField("Currency", default="USD", **CURRENCY_FIELD)
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)], render_kw={"rows": 3})
    submit = SubmitField("Save")

    def validate_trade_date(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("The date is in the future.")
        if field.data and field.data.year < 1900:
            raise ValidationError("The date is too far in the past.")

    def validate_ticker(self, field):
        try:
            field.data = normalize_ticker(field.data)
        except TickerError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_quantity(self, field):
        label = "split ratio" if self.type.data == "SPLIT" else "quantity"
        if field.process_errors:  # not a number: that message is the one to show
            return
        if field.data is None:
            raise ValidationError(f"Enter a {label}.")
        if field.data <= 0:
            raise ValidationError(f"The {label} must be greater than zero.")
        if field.data >= BIG:
            raise ValidationError(f"The {label} is too large.")

    def validate_price(self, field):
        if field.process_errors:
            return
        check_amount(field, "price")
        if self.type.data in ("BUY", "SELL", "DIVIDEND") and not field.data:
            raise ValidationError("Enter a price greater than zero.")

    def validate_fees(self, field):
        check_amount(field, "fees", verb="are")

    def fields(self):
        """Return the cleaned values, ready for the transaction service."""
        return {
            "ticker": self.ticker.data,
            "type": self.type.data,
            "trade_date": self.trade_date.data,
            "quantity": self.quantity.data,
            "price": self.price.data or 0,
            "fees": self.fees.data or 0,
            "currency": self.currency.data.upper(),
            "note": (self.note.data or "").strip() or None,
        }


class TransactionFilterForm(FlaskForm):
    """The transactions page's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    ticker = StringField("Ticker", validators=[Optional(), Length(max=32)])
    type = SelectField("Type", default="", validate_choice=False, choices=[
        SelectChoice("", "All types"), *(SelectChoice(t, t.title()) for t in TRANSACTION_TYPES)])
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])

    def validate_ticker(self, field):
        try:
            field.data = normalize_ticker(field.data) if field.data else None
        except TickerError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_type(self, field):
        if field.data and field.data not in TRANSACTION_TYPES:
            raise ValidationError("Choose a type from the list.")

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end comes before the start.")

    def criteria(self):
        """The filters that passed their checks, as keyword arguments for transactions_page."""
        self.validate()
        fields = {"ticker": self.ticker, "kind": self.type, "start": self.start, "end": self.end}
        return {name: f.data for name, f in fields.items() if f.data and not f.errors}
