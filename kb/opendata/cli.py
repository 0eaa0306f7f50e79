"""``kb import FILE`` and ``kb export FILE`` in the open-data format."""

import click


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_command(file: str) -> None:
    """Import write-ups from a JSON or CSV file in the export format."""
    raise click.ClickException("L'import n'est pas encore disponible.")


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
def export_command(file: str) -> None:
    """Export the published write-ups in the open-data format."""
    raise click.ClickException("L'export n'est pas encore disponible.")
