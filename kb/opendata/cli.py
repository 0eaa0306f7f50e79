"""``kb import FILE`` and ``kb export FILE`` in the open-data format."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click
from flask.cli import with_appcontext
from werkzeug.datastructures import MultiDict

from kb.french import compte_simple, pluriel
from kb.search.schema import FACETS

IMPORT_STATUSES = ("publiee", "brouillon")
EXPORT_FORMATS = (".json", ".csv", ".xlsx")


def _fail(message: str) -> NoReturn:
    """Print a French error on stderr and stop with exit code 1."""
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-invalid", is_flag=True,
              help="Importe les enregistrements valides même si d'autres sont refusés.")
@click.option("--status", type=click.Choice(IMPORT_STATUSES), default="publiee",
              show_default=True, help="publiee : publier directement ; brouillon : en brouillon.")
@click.option("--attachments", "attachments_dir", default=None,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Dossier local des pièces jointes des fiches (jamais téléchargées).")
@with_appcontext
def import_command(file: str, skip_invalid: bool, status: str,
                   attachments_dir: Path | None) -> None:
    """Import write-ups from a JSON array or a CSV file in the export format; their
    attachments' files come from the folder given with ``--attachments``."""
    from kb import db
    from kb.opendata.importer import ImportFileError, import_records, read_source

    try:
        sources = read_source(file)
    except ImportFileError as error:
        _fail(f"Import impossible : {error}")
    report = import_records(db.get_session(), sources, status=status, skip_invalid=skip_invalid,
                            attachments_dir=attachments_dir)
    for line in report.refusal_lines():
        click.echo(line, err=True)
    if report.refused and not skip_invalid:
        db.get_session().rollback()
        refused = compte_simple(len(report.refused), "enregistrement refusé",
                                "enregistrements refusés")
        _fail(f"Aucune fiche importée : {refused} sur "
              f"{report.total}. Corrigez-les, ou relancez avec --skip-invalid pour importer "
              "les autres.")
    db.commit()
    click.echo(_import_summary(report, status))


def _import_summary(report, status: str) -> str:
    state = "publiées" if status == "publiee" else "en brouillon"
    created = compte_simple(report.created, "fiche importée", "fiches importées")
    text = f"{created} ({state}) sur {report.total}."
    if report.refused:
        refused = len(report.refused)
        text += (f" {compte_simple(refused, 'enregistrement refusé', 'enregistrements refusés')}, "
                 f"{pluriel(refused, 'ignoré', 'ignorés')}.")
    return text


def _facet_options(command):
    """One repeatable ``--theme``, ``--departement``… option per search facet."""
    for facet in reversed(FACETS):
        command = click.option(f"--{facet.name}", multiple=True,
                               help=f"Filtre « {facet.label} » (répétable).")(command)
    return command


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--q", "q", default="", help="Mots cherchés (comme sur /recherche).")
@_facet_options
@click.option("--tri", default="", help="Ordre : pertinence, date ou budget.")
@click.option("--base-url", default=None,
              help="Adresse publique du service (https://…), pour le champ « url ».")
@click.option("--separateur", type=click.Choice(["virgule", "point-virgule"]), default="virgule",
              show_default=True,
              help="Séparateur du CSV : point-virgule pour un tableur réglé en français.")
@with_appcontext
def export_command(file: str, q: str, tri: str, base_url: str | None, separateur: str,
                   **filters) -> None:
    """Export the published write-ups (format from the extension: .json, .csv or .xlsx), with
    the filters of ``/recherche``."""
    from kb.opendata.exporting import export_to_file
    from kb.opendata.selection import params_from_args
    from kb.opendata.streams import CSV_SEPARATORS
    from kb.search.params import BadParameter
    from kb.search.store import IndexUnavailable

    suffix = Path(file).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        _fail("Export impossible : le nom du fichier doit finir par .json, .csv ou .xlsx.")
    args = MultiDict([("q", q), ("tri", tri)]
                     + [(name, code) for name, codes in filters.items() for code in codes])
    try:
        count = export_to_file(Path(file), params_from_args(args), base_url,
                               CSV_SEPARATORS[separateur])
    except BadParameter as error:
        _fail(f"Export impossible : {error.message}")
    except IndexUnavailable as error:
        _fail(f"Export impossible : index de recherche indisponible ({error.message}).")
    click.echo(f"{compte_simple(count, 'fiche exportée', 'fiches exportées')} dans {file}.")
