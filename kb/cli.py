"""The ``kb`` command group (also ``flask --app kb …``): init, demo, user, index, import, export."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Migrate the database to the latest schema and load the reference data (idempotent)."""
    from kb.reference import initialise

    started = time.perf_counter()
    report = initialise()
    elapsed = time.perf_counter() - started
    click.echo(
        f"Base à jour (révision {report['revision']}) : {report['territories']} territoires, "
        f"{report['terms']} termes de vocabulaire, en {elapsed:.1f} s."
    )


@click.command("demo")
@click.option("--synthetic", type=click.IntRange(min=0), default=0,
              help="Ajoute N fiches générées (pour les mesures de performance).")
@click.option("--seed", type=int, default=1, help="Graine du générateur (résultat déterministe).")
@click.option("--if-empty", is_flag=True,
              help="Ne charge la démonstration que si la base est vide.")
@with_appcontext
def demo_command(synthetic: int, seed: int, if_empty: bool) -> None:
    """Load the demo data set (idempotent), and optionally N synthetic write-ups."""
    from kb.demo.loader import load_demo, load_synthetic

    if synthetic:
        started = time.perf_counter()
        count = load_synthetic(synthetic, seed)
        elapsed = time.perf_counter() - started
        click.echo(f"{count} fiches synthétiques ajoutées en {elapsed:.1f} s "
                   f"({count / max(elapsed, 1e-9):.0f} fiches/s).")
        return
    report = load_demo(only_if_empty=if_empty)
    click.echo(report.summary())


def register_cli(app: Flask) -> None:
    from kb.accounts.cli import user_group
    from kb.attachments.cli import attachments_group
    from kb.backup import backup_command, restore_command
    from kb.mail.cli import alerts_group, mail_group
    from kb.opendata.cli import export_command, import_command
    from kb.search.cli import index_group

    for command in (init_command, demo_command, user_group, index_group,
                    import_command, export_command, backup_command, restore_command,
                    mail_group, alerts_group, attachments_group):
        app.cli.add_command(command)


def main() -> None:
    """Entry point of the ``kb`` console script."""
    from kb import create_app

    FlaskGroup(create_app=create_app, add_default_commands=True)(prog_name="kb")
