"""``kb attachments purge`` and ``kb attachments check``: forget deleted attachments for good,
and find rows whose file is missing from the store."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kb.french import compte_simple


@click.group("attachments")
def attachments_group() -> None:
    """Pièces jointes des fiches."""


@attachments_group.command("purge")
@click.option("--id", "ids", multiple=True, type=int,
              help="Pièce jointe supprimée à purger (répétable) ; toutes par défaut.")
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@with_appcontext
def purge_command(ids: tuple[int, ...], yes: bool) -> None:
    """Purge deleted attachments: they can no longer be restored from the history, and a file
    no other attachment uses leaves the store."""
    from kb import db
    from kb.attachments.operations import purge_attachments

    if not yes:
        click.confirm("Les pièces jointes supprimées ne pourront plus être restaurées. "
                      "Continuer ?", abort=True)
    count = purge_attachments(None, list(ids) if ids else None)
    db.commit()
    click.echo(compte_simple(count, "pièce jointe purgée", "pièces jointes purgées") + ".")


@attachments_group.command("check")
@with_appcontext
def check_command() -> None:
    """List attachments whose file is missing from the store (exit code 1 if any)."""
    from sqlalchemy import select

    from kb.attachments.models import Attachment
    from kb.attachments.storage import get_storage
    from kb.db import get_session

    storage = get_storage()
    rows = get_session().scalars(select(Attachment).where(Attachment.purged_at.is_(None)))
    missing = [row for row in rows if not storage.exists(row.storage_key)]
    for row in missing:
        click.echo(f"Fichier manquant : pièce jointe {row.id} (fiche {row.experience_id}), "
                   f"{row.storage_key}", err=True)
    click.echo(compte_simple(len(missing), "fichier manquant") + ".")
    if missing:
        raise click.exceptions.Exit(1)
