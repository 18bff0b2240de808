"""Forms for portfolios and transactions."""

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.inputs import money
from app.models import TRANSACTION_TYPES
from app.tickers import TickerError, normalize_ticker

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "CHF", "JPY", "AUD", "SEK", "NOK", "DKK", "HKD", "SGD", "NZD")
CURRENCY_FIELD = dict(validators=[DataRequired(), Regexp(r"^[A-Za-z]{3}$", message="Use a 3-letter code such as USD.")])


class PortfolioForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    base_currency = SelectField("Base currency", choices=CURRENCIES, default="USD")
    submit = SubmitField("Create portfolio")


class SettingsForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    base_currency = SelectField("Base currency", choices=CURRENCIES)
    benchmarks = StringField("Compare against", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Save")


class BenchmarksForm(FlaskForm):
    benchmarks = StringField("Compare against", validators=[Length(max=200)])
    submit = SubmitField("Compare")


class TransactionForm(FlaskForm):
    trade_date = DateField("Date", validators=[InputRequired(message="Enter a date.")], default=date.today)
    type = SelectField("Type", choices=TRANSACTION_TYPES, default="BUY")
    ticker = StringField("Ticker", validators=[DataRequired(), Length(max=32)])
    quantity = DecimalField(
        "Quantity",
        places=None,
        validators=[InputRequired(message="Enter a quantity."), money, NumberRange(min=0)],
    )
    price = DecimalField("Price", places=None, default=0, validators=[Optional(), money, NumberRange(min=0)])
    fees = DecimalField("Fees", places=None, default=0, validators=[Optional(), money, NumberRange(min=0)])
    currency = StringField("Currency", default="USD", **CURRENCY_FIELD)
    note = StringField("Note", validators=[Optional(), Length(max=500)])
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
        if field.data is not None and field.data <= 0:
            label = "split ratio" if self.type.data == "SPLIT" else "quantity"
            raise ValidationError(f"The {label} must be greater than zero.")

    def validate_price(self, field):
        if self.type.data in ("BUY", "SELL", "DIVIDEND") and not field.data:
            raise ValidationError("Enter a price greater than zero.")

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
