"""Records of many write-ups, produced piece by piece for ``/export.*`` and ``kb export``.

Memory stays flat whatever the size of the export: the ids are read first (integers only),
then the write-ups are loaded ``CHUNK_SIZE`` at a time with everything a record needs
(vocabulary terms, territory, organisation, label: one ``selectin`` query each) and their
replication counts in one grouped query, turned into records, written out, and forgotten by
the session before the next chunk.

CSV format: UTF-8 *with* a byte-order mark, comma separator (semicolon on request, which is
what a spreadsheet set to French expects: there the comma is the decimal mark), ``\\r\\n`` line
ends (RFC 4180), a header row of :data:`~kb.opendata.records.CSV_COLUMNS`, lists joined with
``|``, cells defused against formula injection. The BOM is what makes Excel read the accents
right when the file is opened with a double click; ``csv``/pandas read it with
``encoding="utf-8-sig"``, and ``kb import`` accepts files with or without it.

XLSX format (:func:`write_xlsx`): the same columns on one sheet, numbers as numbers, every
text cell typed as text (never a formula), lists joined with `` | ``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kb.experiences.models import Experience, Replication
from kb.opendata.records import (
    CSV_COLUMNS,
    experience_to_record,
    flatten_record,
    record_to_csv_row,
)
from kb.opendata.selection import chunks

BOM = "\ufeff"
CSV_SEPARATORS = {"virgule": ",", "point-virgule": ";"}  # ``separateur=`` of /export.csv
XLSX_SHEET = "Fiches"
UrlOf = Callable[[Experience], str | None]


@contextmanager
def export_session() -> Iterator[Session]:
    """A session of its own for a long export, so the request's session is left alone."""
    session = current_app.extensions["kb.sessionmaker"]()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def load_published(session: Session, ids: list[int]) -> list[Experience]:
    """The published write-ups among ``ids``, in that order, with what a record needs."""
    if not ids:
        return []
    query = (
        select(Experience)
        .where(Experience.id.in_(ids), Experience.state == "publiee")
        .options(
            selectinload(Experience.terms),
            selectinload(Experience.territory),
            selectinload(Experience.organisation),
            selectinload(Experience.label),
            selectinload(Experience.attachments),
        )
    )
    rows = {experience.id: experience for experience in session.scalars(query)}
    return [rows[i] for i in ids if i in rows]


def replication_counts(session: Session, ids: list[int]) -> dict[int, int]:
    """How many replications each of ``ids`` has, in one grouped query."""
    if not ids:
        return {}
    query = (
        select(Replication.source_id, func.count())
        .where(Replication.source_id.in_(ids))
        .group_by(Replication.source_id)
    )
    return {source: count for source, count in session.execute(query)}


def records_of(session: Session, experiences: list[Experience], url_of: UrlOf) -> list[dict]:
    """The records of already loaded write-ups, replications counted at once."""
    counts = replication_counts(session, [e.id for e in experiences])
    return [experience_to_record(e, url_of(e), replications=counts.get(e.id, 0))
            for e in experiences]


def iter_records(session: Session, ids: list[int], url_of: UrlOf) -> Iterator[dict]:
    """The records of the published write-ups among ``ids``, in order, chunk by chunk."""
    for chunk in chunks(ids):
        yield from records_of(session, load_published(session, chunk), url_of)
        session.expunge_all()


def url_builder(base_url: str | None = None) -> UrlOf:
    """How to give each record its ``url``: the request's own host in a view; ``base_url``
    (``https://example.org``) on the command line; ``None`` when neither is known."""
    if base_url:
        adapter = current_app.url_map.bind("localhost")
        base = base_url.rstrip("/")
        return lambda e: base + adapter.build(
            "experiences.show", {"experience_id": e.id, "slug": e.slug}
        )
    if has_request_context():
        return lambda e: url_for(
            "experiences.show", experience_id=e.id, slug=e.slug, _external=True
        )
    return lambda e: None


def csv_pieces(records: Iterable[dict], delimiter: str = ",") -> Iterator[str]:
    """The CSV file, a BOM and the header first, then one piece per record."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n",
                            delimiter=delimiter)
    writer.writeheader()
    yield BOM + _drain(buffer)
    for record in records:
        writer.writerow(record_to_csv_row(record))
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def json_pieces(records: Iterable[dict]) -> Iterator[str]:
    """A JSON array, one record per line (so a line number points at one record)."""
    separator = "[\n"
    for record in records:
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


def write_xlsx(records: Iterable[dict], out: BinaryIO) -> None:
    """The records as an XLSX workbook written to ``out``: a header row (bold, frozen), then
    one row per record. Write-only mode, so memory stays flat whatever the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(XLSX_SHEET)
    sheet.freeze_panes = "A2"
    header = []
    for column in CSV_COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for record in records:
        sheet.append([_xlsx_cell(sheet, value) for value in flatten_record(record).values()])
    workbook.save(out)


def _xlsx_cell(sheet, value):
    """Numbers stay numbers; anything else is text, typed as such so that a spreadsheet never
    evaluates it (« =HYPERLINK(…) » shows as written), without the characters XML forbids."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, list | tuple):
        value = " | ".join(str(item) for item in value)
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"
    return cell
