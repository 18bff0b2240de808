"""`flask import-transactions FILE --portfolio ID`: the import, from the command line."""

from pathlib import Path

import click

from app.extensions import db
from app.imports import service
from app.imports.formats import BY_NAME
from app.imports.rows import ImportFailed
from app.models import Portfolio


def summary(preview):
    """Return the lines that describe a preview: the counts, then each row's problems."""
    counts = preview.counts
    lines = [
        f"{preview.filename}: read as {preview.format.label}.",
        f"{len(preview.rows)} rows: {counts['new']} to add, {counts['duplicate']} already in the portfolio, "
        f"{counts['problem']} with problems, {counts['skipped']} left out.",
    ]
    if preview.previous is not None:
        lines.append(f"This same file was imported on {preview.previous.created_at:%Y-%m-%d %H:%M} UTC.")
    if preview.problem:
        lines.append(preview.problem)
    for row in preview.rows:
        lines.extend(f"  line {row.line}: {problem}" for problem in row.problems)
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
        preview = service.preview(portfolio, text, file.name, format_name)
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from exc
    for line in summary(preview):
        click.echo(line)
    if not preview.can_commit:
        raise click.ClickException("Nothing could be imported.")
    if dry_run:
        click.echo("Dry run: nothing was imported.")
        return
    try:
        batch = service.commit(portfolio, text, file.name, format_name, expected_hash=preview.file_hash)
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Imported {batch.imported_count} transactions into “{portfolio.name}” (import {batch.id}).")
