"""`flask import-transactions FILE --portfolio ID`: the import, from the command line."""

from pathlib import Path

import click

from app.extensions import db
from app.imports import service
from app.imports.formats import BY_NAME
from app.imports.mapping import saved
from app.imports.rows import ImportFailed
from app.models import Portfolio


def summary(preview):
    """Return the lines that describe a preview: the counts, each row left out and why, then the counts per reason."""
    counts = preview.counts
    lines = [
        f"{preview.filename}: read as {preview.format.label}.",
        f"{len(preview.rows)} rows: {counts['new']} to add, {counts['duplicate']} already in the portfolio, "
        f"{counts['problem']} with problems, {counts['skipped']} left out.",
        *preview.parsed.notes,
    ]
    if preview.previous is not None:
        lines.append(f"This same file was imported on {preview.previous.created_at:%Y-%m-%d %H:%M} UTC.")
    if preview.problem:
        lines.append(preview.problem)
    for row in preview.rows:
        if row.problems:
            lines.extend(f"  line {row.line}: {problem}" for problem in row.problems)
        elif row.skipped:
            lines.append(f"  line {row.line}: left out ({row.reason}): {row.skipped}")
        elif row.duplicate:
            lines.append(f"  line {row.line}: already in the portfolio")
    if preview.left_out:
        lines.append("Not added, by reason:")
        lines.extend(f"  {count:>6,}  {reason}" for reason, count in preview.left_out)
    if preview.pending_isins:
        lines.append(f"{len(preview.pending_isins)} ISINs without a symbol yet: the price runner looks them up.")
    return lines


@click.command("import-transactions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--portfolio", "portfolio_id", type=int, required=True, help="The portfolio's id.")
@click.option("--format", "format_name", type=click.Choice(sorted(BY_NAME)), help="Skip recognizing the format.")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; change nothing.")
def import_transactions(file, portfolio_id, format_name, dry_run):
    """Import a broker's CSV file into a portfolio; exit non-zero when nothing could be imported."""
    portfolio = db.session.get(Portfolio, portfolio_id)
    if portfolio is None:
        raise click.ClickException(f"No portfolio with id {portfolio_id}.")
    try:
        text = service.read_bytes(file.read_bytes())
        preview = read(portfolio, text, file.name, format_name)
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from exc
    for line in summary(preview):
        click.echo(line)
    if not preview.can_commit or dry_run:
        if preview.batch is not None:  # the kept file is not needed
            db.session.delete(preview.batch)
            db.session.commit()
        if not preview.can_commit:
            raise click.ClickException("Nothing could be imported.")
        click.echo("Dry run: nothing was imported.")
        return
    try:
        batch = service.commit(portfolio, preview.batch)
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Imported {batch.imported_count} transactions into “{portfolio.name}” (import {batch.id}).")


def read(portfolio, text, filename, format_name):
    """Preview the file; one no format knows is read with the owner's saved column mapping for its header."""
    try:
        return service.preview(portfolio, text, filename, format_name)
    except service.MappingNeeded as need:
        mapping, when = saved(portfolio.owner_id, need.header.names)
        if mapping is None:
            db.session.delete(need.batch)
            db.session.commit()
            raise ImportFailed(f"{need.message} Choose --format, or import the file once in the browser to say "
                               "which column is what: the CLI then reads the files with that header alike.") from None
        click.echo(f"Read with the column mapping saved on {when:%Y-%m-%d}.")
        return service.preview_mapped(portfolio, need.batch, mapping, portfolio.owner_id)
