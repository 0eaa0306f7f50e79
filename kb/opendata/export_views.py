"""``/export.csv``, ``/export.json`` and ``/export.xlsx``: every published write-up matching the
parameters of ``/recherche``, as a dated attachment (CSV and JSON streamed; the XLSX workbook is
written to a temporary file first, as a zip archive must be)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from flask import Response, abort, jsonify, request, send_file, stream_with_context

from kb.accounts.models import utcnow
from kb.db import session
from kb.opendata.selection import params_from_args, selected_ids
from kb.opendata.streams import (
    CSV_SEPARATORS,
    csv_pieces,
    export_session,
    iter_records,
    json_pieces,
    url_builder,
    write_xlsx,
)
from kb.opendata.views import bp
from kb.search.params import BadParameter
from kb.search.store import IndexUnavailable

INDEX_DOWN = ("La recherche plein texte est momentanément indisponible\u00a0: réessayez dans "
              "un instant, ou exportez sans le paramètre «\u00a0q\u00a0».")
ERROR_TITLES = {400: "Requête incorrecte", 503: "Service momentanément indisponible"}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_IN_MEMORY = 8 * 1024 * 1024  # bytes of workbook kept in memory before spilling to disk
UNKNOWN_SEPARATOR = ("Valeur inconnue pour le paramètre «\u00a0separateur\u00a0»\u00a0: "
                     "choisissez «\u00a0virgule\u00a0» (par défaut) ou "
                     "«\u00a0point-virgule\u00a0» (tableurs réglés en français).")


@bp.route("/export.csv")
def export_csv():
    """The matching write-ups as CSV (UTF-8 with BOM, header row, lists joined with ``|``);
    ``separateur=point-virgule`` for a spreadsheet set to French, comma by default."""
    name = request.args.get("separateur", "virgule").strip() or "virgule"
    if name not in CSV_SEPARATORS:
        return refuse(400, UNKNOWN_SEPARATOR, False, "separateur")
    return _export("csv", partial(csv_pieces, delimiter=CSV_SEPARATORS[name]))


@bp.route("/export.xlsx")
def export_xlsx():
    """The matching write-ups as an XLSX workbook (one sheet, the CSV columns)."""
    try:
        ids = selected_ids(session, params_from_args(request.args))
    except BadParameter as error:
        return refuse(400, error.message, False, error.parameter)
    except IndexUnavailable:
        return refuse(503, INDEX_DOWN, False)
    workbook = tempfile.SpooledTemporaryFile(max_size=XLSX_IN_MEMORY)
    with export_session() as export_db:
        write_xlsx(iter_records(export_db, ids, url_builder()), workbook)
    workbook.seek(0)
    response = send_file(workbook, mimetype=XLSX_TYPE, as_attachment=True,
                         download_name=export_name("xlsx"), max_age=0)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/export.json")
def export_json():
    """The matching write-ups as a JSON array of open-data records."""
    return _export("json", json_pieces)


def _export(extension: str, pieces: Callable[[Iterable[dict]], Iterator[str]]):
    as_json = extension == "json"
    try:
        ids = selected_ids(session, params_from_args(request.args))
    except BadParameter as error:
        return refuse(400, error.message, as_json, error.parameter)
    except IndexUnavailable:
        return refuse(503, INDEX_DOWN, as_json)
    url_of = url_builder()

    def generate() -> Iterator[str]:
        with export_session() as export_db:
            yield from pieces(iter_records(export_db, ids, url_of))

    response = Response(stream_with_context(generate()), content_type=CONTENT_TYPES[extension])
    response.headers["Content-Disposition"] = f'attachment; filename="{export_name(extension)}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def export_name(extension: str) -> str:
    """``experiences-2024-03-01.csv``: the date of the export (UTC)."""
    return f"experiences-{utcnow().date().isoformat()}.{extension}"


def refuse(status: int, message: str, as_json: bool, parameter: str | None = None):
    """A refused export or feed: JSON for JSON clients, the French error page otherwise."""
    if not as_json:
        abort(status, description=message)
    body = {"error": ERROR_TITLES[status], "message": message, "status": status}
    if parameter:
        body["parameter"] = parameter
    return jsonify(body), status
