"""``kb import``: read a JSON array or a CSV file of open-data records, check every record, and
write them all — or none when any is refused (unless refused ones are to be skipped).

Every record keeps where it came from, so a refusal names its line: for JSON, the line where
the record's object starts (an export puts one record per line) and its position in the array;
for CSV, the line where the row starts (a quoted cell may span several lines).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from kb.experiences.models import Label
from kb.french import pluriel
from kb.opendata.records import (
    ParsedRecord,
    RecordError,
    RecordInvalid,
    parse_record,
    record_from_csv_row,
    save_record,
)

_SURROGATE = re.compile("[\ud800-\udfff]")
REQUIRED_COLUMNS = ("title", "organisation_name", "themes")
DELIMITERS = (",", ";", "\t")
FIELD_SIZE_LIMIT = 16 * 1024 * 1024  # long Markdown texts exceed the csv module's 128 KiB
JSON_MESSAGES = {
    "Expecting value": "valeur attendue",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendus",
    "Expecting property name enclosed in double quotes": "nom de propriété entre guillemets "
                                                         "doubles attendu",
    "Unterminated string starting at": "chaîne non terminée",
    "Invalid control character at": "caractère de contrôle interdit dans une chaîne",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Extra data": "contenu inattendu après la fin",
}


class ImportFileError(Exception):
    """The file cannot be read at all (format, encoding, syntax): a French message."""


@dataclass
class SourceRecord:
    """One record of the file and where it starts."""

    line: int
    data: dict | object
    position: int | None = None  # rank in a JSON array, from 1
    problems: list[RecordError] = field(default_factory=list)

    @property
    def where(self) -> str:
        if self.position is None:
            return f"Ligne {self.line}"
        return f"Ligne {self.line} (enregistrement n° {self.position})"


@dataclass
class ImportReport:
    """What an import found and did."""

    total: int = 0
    created: int = 0
    refused: list[tuple[SourceRecord, list[RecordError]]] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return self.created > 0

    def refusal_lines(self) -> list[str]:
        """« Ligne 3 — themes : Au moins un thème est obligatoire. », one per error."""
        return [f"{source.where} — {error.field} : {error.message}"
                for source, errors in self.refused for error in errors]


# --------------------------------------------------------------------------- reading


def read_source(path: str | Path) -> list[SourceRecord]:
    """The records of a ``.json`` or ``.csv`` file (other names: guessed from the content)."""
    path = Path(path)
    text = _decode(path.read_bytes())
    if "\x00" in text:
        raise ImportFileError("Le fichier contient des caractères nuls : ce n'est pas un "
                              "fichier texte JSON ou CSV.")
    suffix = path.suffix.lower()
    if suffix == ".json" or (suffix != ".csv" and text.lstrip().startswith("[")):
        return read_json(text)
    return read_csv(text)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"Le fichier n'est pas encodé en UTF-8 (octet invalide à la position {error.start}). "
            "Enregistrez-le en « CSV UTF-8 » ou en JSON UTF-8."
        ) from error


def read_json(text: str) -> list[SourceRecord]:
    """A JSON array of objects, each with the line where it starts."""
    decoder = json.JSONDecoder()
    lines = _LineCounter(text)
    index = _skip_space(text, 0)
    if not text.startswith("[", index):
        raise ImportFileError("Le fichier JSON doit contenir un tableau d'enregistrements "
                              "([ {…}, {…} ]).")
    index = _skip_space(text, index + 1)
    records: list[SourceRecord] = []
    while records or not text.startswith("]", index):
        value, end = _decode_value(decoder, text, index)
        records.append(SourceRecord(lines.line_of(index), value, position=len(records) + 1,
                                    problems=_unstorable_texts(value)))
        index = _skip_space(text, end)
        if text.startswith("]", index):
            break
        if not text.startswith(",", index):
            raise _syntax_error(text, index, "virgule ou « ] » attendu")
        index = _skip_space(text, index + 1)
    if text[index + 1:].strip():
        raise _syntax_error(text, _skip_space(text, index + 1), "contenu inattendu après le "
                                                                "tableau")
    return records


def _decode_value(decoder: json.JSONDecoder, text: str, index: int):
    try:
        return decoder.raw_decode(text, index)
    except json.JSONDecodeError as error:
        raise _syntax_error(text, error.pos, _french_json_message(error.msg)) from error
    except RecursionError as error:
        raise _syntax_error(text, index, "imbrication trop profonde") from error
    except ValueError as error:  # an integer of more than 4,300 digits
        raise _syntax_error(text, index, "nombre trop long") from error


def _unstorable_texts(value) -> list[RecordError]:
    """A JSON escape can spell what no text may hold: a NUL (``\\u0000``, refused by
    PostgreSQL) or half of a surrogate pair (``\\ud800``, not encodable in UTF-8)."""
    pending = [value]
    while pending:  # iterative: a record nested as deep as the decoder allows is fine
        item = pending.pop()
        if isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
        elif isinstance(item, str) and ("\x00" in item or _SURROGATE.search(item)):
            return [RecordError("record", "Un texte contient un caractère nul ou un demi-"
                                          "caractère Unicode isolé (\\u0000, \\ud800…) : "
                                          "retirez-le.")]
    return []


def _french_json_message(message: str) -> str:
    for english, french in JSON_MESSAGES.items():
        if message.startswith(english):
            return french
    return "syntaxe invalide"


def _syntax_error(text: str, index: int, reason: str) -> ImportFileError:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    if index >= len(text):
        reason = "fin de fichier inattendue"
    return ImportFileError(f"JSON mal formé, ligne {line}, colonne {column} : {reason}.")


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


class _LineCounter:
    """Line numbers of increasing offsets, without rescanning the text from the start."""

    def __init__(self, text: str) -> None:
        self.text, self.offset, self.line = text, 0, 1

    def line_of(self, index: int) -> int:
        self.line += self.text.count("\n", self.offset, index)
        self.offset = index
        return self.line


def read_csv(text: str) -> list[SourceRecord]:
    """A CSV file with a header row (comma, semicolon or tab separated)."""
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [name.strip() for name in next(reader, [])]
        _check_header(header)
        return list(_csv_records(reader, header))
    except csv.Error as error:
        raise ImportFileError(
            f"CSV mal formé, ligne {reader.line_num} : {error}."
        ) from error


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    return max(DELIMITERS, key=first_line.count)


def _check_header(header: list[str]) -> None:
    if not any(header):
        raise ImportFileError("Le fichier CSV est vide : la première ligne doit donner les noms "
                              "des colonnes (title, summary, territory_code…).")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if "territory_code" not in header and "territory" not in header:
        missing.append("territory_code")
    if missing:
        raise ImportFileError("En-tête CSV incomplet : "
                              + pluriel(len(missing), "colonne manquante", "colonnes manquantes")
                              + " " + ", ".join(f"« {name} »" for name in missing)
                              + ". Partez d'un export de ce service.")


def _csv_records(reader, header: list[str]):
    previous = reader.line_num
    for row in reader:
        start, previous = previous + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        problems = []
        if len(row) > len(header):
            problems.append(RecordError("ligne", f"La ligne compte {len(row)} cellules pour "
                                                 f"{len(header)} colonnes."))
        cells = dict(zip(header, row, strict=False))
        yield SourceRecord(start, record_from_csv_row(cells), problems=problems)


# --------------------------------------------------------------------------- checking, writing


def check_records(
    session: Session, sources: list[SourceRecord], attachments_dir: Path | None = None,
) -> tuple[list[tuple[ParsedRecord, str | None, list]], ImportReport]:
    """Validate every record; the valid ones with their label and their attachment files
    (checked in ``attachments_dir``), and the report of the others."""
    report = ImportReport(total=len(sources))
    valid = []
    for source in sources:
        errors = list(source.problems)
        parsed = None
        try:
            parsed = parse_record(source.data, session)
        except RecordInvalid as invalid:
            errors += invalid.errors
        label = _label(source.data, errors)
        files = _attachment_files(source.data, attachments_dir, errors)
        if errors:
            report.refused.append((source, errors))
        else:
            valid.append((parsed, label, files))
    return valid, report


def _attachment_files(data, directory: Path | None, errors: list[RecordError]) -> list:
    """Issue 13: the record's files, from the local folder only (none without one)."""
    if directory is None:
        return []
    from kb.attachments.importing import planned_files

    planned, problems = planned_files(data, directory)
    errors.extend(RecordError("attachments", problem) for problem in problems)
    return planned


def _label(data, errors: list[RecordError]) -> str | None:
    """The justification of a *pratique à essaimer* label carried by the record, if any."""
    value = data.get("label") if isinstance(data, dict) else None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        errors.append(RecordError("label", "Le label doit être un texte (sa justification) "
                                           "ou null."))
        return None
    return value.strip()


def import_records(
    session: Session, sources: list[SourceRecord], *, status: str = "publiee",
    skip_invalid: bool = False, attachments_dir: Path | None = None,
) -> ImportReport:
    """Check every record, then save them all (or, with a refusal and no ``skip_invalid``,
    none), with their files from ``attachments_dir``. Flushes; the caller commits."""
    valid, report = check_records(session, sources, attachments_dir)
    if report.refused and not skip_invalid:
        return report
    for parsed, label, files in valid:
        experience = save_record(session, parsed, status=status)
        if label:
            session.add(Label(experience_id=experience.id, justification=label))
        if files:
            from kb.attachments.importing import attach_planned

            session.flush()
            attach_planned(experience, files)
        report.created += 1
    session.flush()
    return report
