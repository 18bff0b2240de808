"""Import pages: upload and preview a file, map its columns, confirm it, undo an import, export a portfolio."""

import re

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.errors import render_error
from app.imports import service
from app.imports.export import export_csv
from app.imports.forms import ConfirmForm, SymbolForm, UploadForm, mapping_form
from app.imports.rows import ImportFailed
from app.portfolios.access import get_owned_batch, get_owned_portfolio
from app.prices.isin import SymbolError, assign_symbol

bp = Blueprint("imports", __name__)

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


def upload_page(portfolio, form, status=200):
    """Render the upload form with the list of past imports."""
    batches = service.batches_of(portfolio.id)
    return render_template("imports/upload.html", portfolio=portfolio, form=form, batches=batches), status


def preview_page(portfolio, preview):
    """Render a preview with its confirm form (which carries only the kept file's id)."""
    return render_template("imports/preview.html", portfolio=portfolio, preview=preview,
                           form=ConfirmForm(file_hash=preview.file_hash), rows=shown_rows(preview.rows))


def mapping_page(portfolio, batch, message=None, step=None, form=None, outcome=None, status=200):
    """Render the mapping step for a kept file."""
    step = step or service.mapping_step(batch, current_user.id)
    form = form or mapping_form(step.header, step.values, step.mapping, step.type_column)
    return render_template("imports/mapping.html", portfolio=portfolio, batch=batch, step=step, form=form,
                           message=message, outcome=outcome), status


@bp.route("/portfolios/<int:portfolio_id>/import", methods=["GET", "POST"])
@login_required
def upload(portfolio_id):
    """Show the upload form and past imports; on a post, show the preview of the file (or its mapping step)."""
    portfolio = get_owned_portfolio(portfolio_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return upload_page(portfolio, form, 400 if form.is_submitted() else 200)
    try:
        text, filename = form.source()
        preview = service.preview(portfolio, text, filename, form.format.data or None)
    except service.MappingNeeded as need:
        return mapping_page(portfolio, need.batch, need.message)
    except ImportFailed as exc:
        form.file.errors = [str(exc)]
        return upload_page(portfolio, form, 400)
    return preview_page(portfolio, preview)


@bp.route("/portfolios/<int:portfolio_id>/import/<int:batch_id>")
@login_required
def show_preview(portfolio_id, batch_id):
    """Show the preview of a file kept on the server, checked against the portfolio as it is now."""
    portfolio = get_owned_portfolio(portfolio_id)
    batch = get_owned_batch(portfolio, batch_id)
    try:
        preview = service.preview_batch(portfolio, batch)
    except service.NeedsMapping as need:
        return mapping_page(portfolio, batch, need.message)
    except ImportFailed as exc:
        flash(str(exc), "error")
        return redirect(url_for("imports.upload", portfolio_id=portfolio.id))
    return preview_page(portfolio, preview)


@bp.route("/portfolios/<int:portfolio_id>/import/<int:batch_id>/map", methods=["GET", "POST"])
@login_required
def map_columns(portfolio_id, batch_id):
    """Say which column is what in a file no format knows; show its first rows, or the preview of the import."""
    portfolio = get_owned_portfolio(portfolio_id)
    batch = get_owned_batch(portfolio, batch_id)
    try:
        if request.method == "GET":
            return mapping_page(portfolio, batch)
        step = service.mapping_step(batch, current_user.id, _int(request.form.get("role_type")))
        form = mapping_form(step.header, step.values, step.mapping, step.type_column)
        if not form.validate_on_submit():
            return mapping_page(portfolio, batch, "The form was incomplete: check each choice.", step, form,
                                status=400)
        if form.types_changed():  # the meanings posted were for the other column's values: ask for these
            chosen = {**form.mapping(), "types": step.mapping["types"]}
            fresh = mapping_form(step.header, step.values, chosen, step.type_column, formdata=None)
            return mapping_page(portfolio, batch, "The type column changed: say what each of its values means.",
                                step, fresh)
        outcome = service.apply_mapping(portfolio, batch, form.mapping(), current_user.id, keep=not form.show.data)
    except ImportFailed as exc:
        flash(str(exc), "error")
        return redirect(url_for("imports.upload", portfolio_id=portfolio.id))
    if outcome.preview is not None:
        return preview_page(portfolio, outcome.preview)
    return mapping_page(portfolio, batch, step=step, form=form, outcome=outcome,
                        status=400 if outcome.problems else 200)


@bp.route("/portfolios/<int:portfolio_id>/import/<int:batch_id>/confirm", methods=["POST"])
@login_required
def confirm(portfolio_id, batch_id):
    """Import the previewed file, all of its new rows in one transaction."""
    portfolio = get_owned_portfolio(portfolio_id)
    batch = get_owned_batch(portfolio, batch_id)
    back = url_for("imports.upload", portfolio_id=portfolio.id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("Nothing was imported: the confirmation form was incomplete. Upload the file again.", "error")
        return redirect(back)
    try:
        batch = service.commit(portfolio, batch, expected_hash=form.file_hash.data)
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


@bp.route("/portfolios/<int:portfolio_id>/isin", methods=["POST"])
@login_required
def name_symbol(portfolio_id):
    """Give a holding known only by its ISIN the symbol its owner types."""
    portfolio = get_owned_portfolio(portfolio_id)
    form = SymbolForm()
    if not form.validate_on_submit():
        flash("Not changed: " + "; ".join(sum(form.errors.values(), [])), "error")
    else:
        try:
            symbol = assign_symbol(portfolio.id, form.isin.data, form.symbol.data)
        except SymbolError as exc:
            flash(f"Not changed: {exc}", "error")
        else:
            flash(f"{form.isin.data} is now {symbol}.", "success")
    return redirect(url_for("portfolios.show", portfolio_id=portfolio.id))


@bp.route("/portfolios/<int:portfolio_id>/export.csv")
@login_required
def export(portfolio_id):
    """Download the portfolio's transactions in Folio's own CSV format."""
    portfolio = get_owned_portfolio(portfolio_id)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", portfolio.name).strip("-").lower() or "portfolio"
    # The BOM makes Excel read the file as UTF-8; our import reads it either way.
    body = "\ufeff" + export_csv(portfolio.id)
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


def _int(text):
    """Return a form's column index, or None for none (and for anything that is not one)."""
    return int(text) if text and text.isdigit() else None
