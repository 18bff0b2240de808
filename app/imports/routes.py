"""Import pages: upload and preview a file, confirm it, undo an import, export a portfolio as CSV."""

import re

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.errors import render_error
from app.imports import bp, service
from app.imports.forms import ConfirmForm, UploadForm
from app.imports.payload import pack, unpack
from app.imports.rows import ImportFailed
from app.portfolios.access import get_owned_batch, get_owned_portfolio

# Rows shown in a preview table: every row with a problem up to the first cap, then the others up to the second.
SHOW_PROBLEMS, SHOW_OTHERS = 2000, 1000


def shown_rows(rows):
    """Pick the rows a preview table shows, in file order: problems first in priority, then the others."""
    problems = others = 0
    picked = []
    for row in rows:
        if row.status == "problem" and problems < SHOW_PROBLEMS:
            problems += 1
            picked.append(row)
        elif row.status != "problem" and others < SHOW_OTHERS:
            others += 1
            picked.append(row)
    return picked


def piece_size():
    """Return how long one hidden form field may be (Flask refuses a longer text field with 413)."""
    limit = current_app.config.get("MAX_FORM_MEMORY_SIZE") or 0
    return max(1000, limit - 10_000) if limit else 10**9


def upload_page(portfolio, form, status=200):
    """Render the upload form with the list of past imports."""
    batches = service.batches_of(portfolio.id)
    return render_template("imports/upload.html", portfolio=portfolio, form=form, batches=batches), status


@bp.route("/portfolios/<int:portfolio_id>/import", methods=["GET", "POST"])
@login_required
def upload(portfolio_id):
    """Show the upload form and past imports; on a post, show the preview of the file."""
    portfolio = get_owned_portfolio(portfolio_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return upload_page(portfolio, form, 400 if form.is_submitted() else 200)
    try:
        text, filename = form.source()
        preview = service.preview(portfolio, text, filename, form.format.data or None)
    except ImportFailed as exc:
        form.file.errors = [str(exc)]
        return upload_page(portfolio, form, 400)
    confirm = ConfirmForm(file_hash=preview.file_hash, filename=preview.filename, format=preview.format.name)
    payload = pack(text, piece_size()) if preview.can_commit else []
    # The confirmation carries the file back compressed; one that would not fit in a request cannot be confirmed.
    too_big = sum(map(len, payload)) > current_app.config["MAX_CONTENT_LENGTH"] - 65536
    return render_template(
        "imports/preview.html", portfolio=portfolio, preview=preview, form=confirm,
        rows=shown_rows(preview.rows), payload=[] if too_big else payload, too_big=too_big,
    )


@bp.route("/portfolios/<int:portfolio_id>/import/confirm", methods=["POST"])
@login_required
def confirm(portfolio_id):
    """Import the previewed file, all of its new rows in one transaction."""
    portfolio = get_owned_portfolio(portfolio_id)
    form = ConfirmForm()
    back = url_for("imports.upload", portfolio_id=portfolio.id)
    if not form.validate_on_submit():
        flash("Nothing was imported: the confirmation form was incomplete. Upload the file again.", "error")
        return redirect(back)
    try:
        text = unpack(request.form.getlist("payload"), 2 * current_app.config["MAX_CONTENT_LENGTH"] + 4096)
        batch = service.commit(portfolio, text, form.filename.data, form.format.data or None, form.file_hash.data)
    except ImportFailed as exc:
        flash(f"Nothing was imported: {exc}", "error")
        return redirect(back)
    flash(f"Imported {batch.imported_count:,} transactions from “{batch.filename}”"
          f"{f' ({batch.skipped_count:,} rows left out)' if batch.skipped_count else ''}.", "success")
    return redirect(back)


@bp.route("/portfolios/<int:portfolio_id>/imports/<int:batch_id>/undo", methods=["POST"])
@login_required
def undo(portfolio_id, batch_id):
    """Remove the rows one import added."""
    portfolio = get_owned_portfolio(portfolio_id)
    batch = get_owned_batch(portfolio, batch_id)
    try:
        removed = service.undo(batch)
    except ImportFailed as exc:
        flash(str(exc), "error")
    else:
        flash(f"Import of “{batch.filename}” undone: {removed:,} transactions removed.", "info")
    return redirect(url_for("imports.upload", portfolio_id=portfolio.id))


@bp.route("/portfolios/<int:portfolio_id>/export.csv")
@login_required
def export(portfolio_id):
    """Download the portfolio's transactions in Folio's own CSV format."""
    portfolio = get_owned_portfolio(portfolio_id)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", portfolio.name).strip("-").lower() or "portfolio"
    # The BOM makes Excel read the file as UTF-8; our import reads it either way.
    body = "\ufeff" + service.export_csv(portfolio.id)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{slug}-transactions.csv"',
    })


@bp.errorhandler(413)
def too_large(error):
    """Say which limit an upload went over."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length and limit and request.content_length <= limit:
        message = "The pasted text is too long: save it as a file and upload that instead."
    else:
        size = f"{limit / 1048576:g} MB" if limit >= 1048576 else f"{limit / 1024:g} KB"
        message = f"The file is too large: the limit is {size}."
    return render_error(413, message)
