"""Forms for uploading a file and confirming its import."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.imports import service
from app.imports.formats import choices
from app.imports.rows import ImportFailed


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
    file_hash = HiddenField(validators=[Length(min=64, max=64)])
    filename = HiddenField(validators=[Optional(), Length(max=300)])
    format = HiddenField(validators=[Optional(), Length(max=40)])
    submit = SubmitField("Import")
