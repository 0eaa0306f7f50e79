"""``kb index …``: rebuild, sync, status, check — the index's maintenance commands."""

from __future__ import annotations

import json
import time

import click
from flask.cli import with_appcontext

from kb.french import compte_simple, pluriel
from kb.search.store import IndexUnavailable

index_group = click.Group("index", help="Maintenir l'index de recherche.")
STATUS_LABELS = {"missing": "absent", "error": "illisible"}


def _fiches(count: int) -> str:
    return compte_simple(count, "fiche")


def _extension():
    from kb.search.indexer import extension

    return extension()


@index_group.command("rebuild")
@click.option("--procs", type=click.IntRange(1, 16), default=1,
              help="Processus d'indexation (plusieurs segments écrits en parallèle).")
@with_appcontext
def rebuild_command(procs: int) -> None:
    """Build a fresh index from the database and swap it in (searches keep being served)."""
    from kb.search.sync import rebuild_index

    ext = _extension()
    report = rebuild_index(ext.store, ext.make_session, procs=procs)
    rate = report["documents"] / max(report["seconds"], 1e-9)
    click.echo(
        f"Index reconstruit : {_fiches(report['documents'])} en {report['seconds']:.1f} s "
        f"({rate:.0f} fiches/s), génération {report['generation']}."
    )
    if report["caught_up"]:
        caught_up = report["caught_up"]
        click.echo(f"{compte_simple(caught_up, 'modification survenue', 'modifications survenues')}"
                   f" pendant la reconstruction {pluriel(caught_up, 'appliquée', 'appliquées')}.")


@index_group.command("sync")
@click.option("--follow", is_flag=True,
              help="Continuer : appliquer les modifications au fil de l'eau.")
@click.option("--interval", type=click.FloatRange(0.05, 60), default=0.5, show_default=True,
              help="Intervalle entre deux vérifications (avec --follow), en secondes.")
@with_appcontext
def sync_command(follow: bool, interval: float) -> None:
    """Apply the pending outbox entries to this index."""
    ext = _extension()
    while True:
        try:
            report = ext.sync(wait=5.0)
        except IndexUnavailable as error:
            raise click.ClickException(error.message) from error
        if report.applied or not follow:
            _echo_sync(report)
        if not follow:
            return
        time.sleep(interval)


def _echo_sync(report) -> None:
    if report.skipped:
        click.echo("Un autre processus met l'index à jour : rien à faire ici.")
        return
    built = " (index absent : construit depuis la base)" if report.built else ""
    click.echo(
        f"{compte_simple(report.applied, 'entrée appliquée', 'entrées appliquées')} : "
        f"{compte_simple(report.indexed, 'fiche indexée', 'fiches indexées')}, "
        f"{compte_simple(report.removed, 'retirée', 'retirées')}{built}."
    )


@index_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@with_appcontext
def status_command(as_json: bool) -> None:
    """Documents, last applied outbox entry, lag."""
    from kb.search.sync import index_status

    ext = _extension()
    report = index_status(ext.store, ext.make_session)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    if report["status"] != "ok":
        label = STATUS_LABELS.get(report["status"], report["status"])
        click.echo(f"Index {label} : {report['message']} ({report['directory']})")
        click.echo(f"Entrées en attente : {report['lag']}")
        raise SystemExit(1)
    click.echo(
        f"Index {report['directory']} ({report['generation']}) : {_fiches(report['documents'])}, "
        f"dernière entrée appliquée {report['last_applied']}, "
        f"retard {compte_simple(report['lag'], 'entrée')}."
    )


@index_group.command("check")
@click.option("--repair", is_flag=True, help="Corriger les écarts trouvés.")
@with_appcontext
def check_command(repair: bool) -> None:
    """Compare the index with the database: missing, orphan and stale documents."""
    from kb.search.sync import check_index

    ext = _extension()
    try:
        report = check_index(ext.store, ext.make_session, repair=repair)
    except IndexUnavailable as error:
        raise click.ClickException(error.message) from error
    for label, ids in (("manquantes", report.missing), ("orphelines", report.orphans),
                       ("périmées", report.stale)):
        shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
        click.echo(f"Fiches {label} : {len(ids)}" + (f" ({shown})" if ids else ""))
    if report.ok:
        click.echo("L'index est conforme à la base.")
    elif report.repaired:
        click.echo("Écarts corrigés.")
    else:
        click.echo("Écarts trouvés : relancez avec --repair pour les corriger.")
        raise SystemExit(1)
