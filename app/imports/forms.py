"""Forms for uploading a file, mapping its columns, confirming its import, and naming an ISIN's symbol."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app.imports import service
from app.imports.formats import choices
from app.imports.formats.base import fold
from app.imports.formats.mapped import MEANINGS, ROLES
from app.imports.mapping import MEANING_LABELS, ROLE_LABELS
from app.imports.rows import ImportFailed

MARKS = [SelectChoice("", "Tell from the file"), SelectChoice(".", "1,234.50 (decimal point)"),
         SelectChoice(",", "1.234,50 (decimal comma)")]
ORDERS = [SelectChoice("", "Tell from the file"), SelectChoice("dmy", "day first (31/12/2024)"),
          SelectChoice("mdy", "month first (12/31/2024)")]


class UploadForm(FlaskForm):
    file = FileField("CSV file")
    text = TextAreaField("…or paste the file's text", render_kw={"rows": 6, "spellcheck": "false"})
    format = SelectField(
        "Format",
        choices=[SelectChoice("", "Recognize it from the header"), *(SelectChoice(n, label) for n, label in choices())],
        default="",
    )
    submit = SubmitField("Preview")

    def source(self):
        """Return (text, file name) from the uploaded file, else from the pasted text."""
        upload = self.file.data
        if upload is not None and getattr(upload, "filename", ""):
            return service.read_bytes(upload.read()), service.clean_filename(upload.filename)
        if (self.text.data or "").strip():
            return service.read_pasted(self.text.data), "pasted text"
        raise ImportFailed("Choose a file, or paste its text.")


class ConfirmForm(FlaskForm):
    """The confirmation names the kept file by the URL's id; the hash says it is the file that was previewed."""

    file_hash = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
    submit = SubmitField("Import")


class SymbolForm(FlaskForm):
    isin = HiddenField(validators=[DataRequired(), Length(min=12, max=12)])
    symbol = StringField("Symbol", validators=[DataRequired(message="Type the symbol."), Length(max=32),
                                               Regexp(r"^\S+$", message="A symbol has no spaces.")])
    submit = SubmitField("Use")


def mapping_form(header, values, chosen, type_column=None, **bind):
    """Return the mapping step's form for this header and the values of the `type_column`, filled in from the
    `chosen` mapping (`bind` goes to the form: formdata=None to ignore what was posted)."""

    class MappingForm(FlaskForm):
        # Which column the listed type values are of: when the type column changes, their meanings are asked again.
        values_of = HiddenField(default="" if type_column is None else str(type_column))
        mark = SelectField("Numbers are written", choices=MARKS, default=chosen.get("mark") or "")
        order = SelectField("Dates are written", choices=ORDERS, default=chosen.get("order") or "")
        show = SubmitField("Show the first rows")
        submit = SubmitField("Preview the import")

        def types_changed(self):
            """Whether the type column was changed after its values were listed."""
            return self.role_type.data != (self.values_of.data or "")

        def mapping(self):
            """Return the mapping the form describes."""
            columns = {role: _index(getattr(self, f"role_{role}").data) for role in ROLES}
            types = {fold(value): getattr(self, f"type_{i}").data for i, value in enumerate(values)
                     if getattr(self, f"type_{i}").data}
            return {"names": header.names, "columns": columns, "types": types,
                    "mark": self.mark.data or None, "order": self.order.data or None}

    columns = [SelectChoice("", "— none —")] + [
        SelectChoice(str(i), cell.strip() or f"column {i + 1}") for i, cell in enumerate(header.cells)]
    for role in ROLES:
        index = chosen["columns"].get(role)
        setattr(MappingForm, f"role_{role}", SelectField(ROLE_LABELS[role], choices=columns,
                                                         default="" if index is None else str(index)))
    meanings = [SelectChoice("", "— choose —")] + [SelectChoice(m, MEANING_LABELS[m]) for m in MEANINGS]
    for i, value in enumerate(values):
        setattr(MappingForm, f"type_{i}", SelectField(value, choices=meanings,
                                                      default=chosen["types"].get(fold(value), "")))
    return MappingForm(**bind)


def _index(text):
    return int(text) if text else None
