"""``kb import --attachments DIR``: the files of imported records, taken from a local folder.

A record lists its attachments as the export does (``attachments``: objects with ``title``,
``description``, ``url``…); each item's file is ``file`` if given, else the last segment of its
``url`` — always looked up inside ``DIR``, never fetched from the network. A CSV cell gives the
URLs (or file names) separated by ``|``; the title is then the file's name.

Every file is checked (existence inside the folder, size, type from the content, alt text for
an image) before anything is written, so that a refusal names the record's line like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kb.attachments.checks import FileRefused, detect
from kb.attachments.models import IMAGE_KINDS
from kb.attachments.operations import Upload, add_attachment, max_bytes, max_count


@dataclass
class PlannedFile:
    path: Path
    title: str
    description: str = ""
    alt_text: str = ""


def planned_files(data, directory: Path) -> tuple[list[PlannedFile], list[str]]:
    """The files a record asks for, and the French problems found (empty when all is well)."""
    items = _items(data.get("attachments") if isinstance(data, dict) else None)
    planned, problems = [], []
    if len(items) > max_count():
        problems.append(f"{len(items)} pièces jointes : {max_count()} au plus par fiche.")
    root = directory.resolve()
    for item in items:
        name = str(item.get("file") or _last_segment(item.get("url")) or "")
        path = (root / name).resolve()
        if not name or root not in path.parents:
            problems.append(f"Pièce jointe « {name} » : nom de fichier invalide.")
            continue
        if not path.is_file():
            problems.append(f"Pièce jointe « {name} » : fichier absent du dossier {directory}.")
            continue
        problem = _file_problem(path, item)
        if problem:
            problems.append(f"Pièce jointe « {name} » : {problem}")
            continue
        planned.append(PlannedFile(path, str(item.get("title") or path.stem)[:200],
                                   str(item.get("description") or ""),
                                   str(item.get("alt_text") or item.get("title") or "")))
    return planned, problems


def attach_planned(experience, planned: list[PlannedFile]) -> None:
    """Attach the checked files to the imported write-up (no user: an import)."""
    for item in planned:
        add_attachment(experience, None, Upload(
            data=item.path.read_bytes(), title=item.title, description=item.description,
            alt_text=item.alt_text), check_permission=False)


def _items(value) -> list[dict]:
    if not value:
        return []
    if isinstance(value, str):  # a CSV cell
        return [{"url": part.strip()} for part in value.split("|") if part.strip()]
    if isinstance(value, list):
        return [item if isinstance(item, dict) else {"url": str(item)} for item in value]
    return []


def _last_segment(url) -> str:
    if not url:
        return ""
    return unquote(urlsplit(str(url)).path.rstrip("/").rsplit("/", 1)[-1])


def _file_problem(path: Path, item: dict) -> str | None:
    size = path.stat().st_size
    if size > max_bytes():
        return f"fichier trop volumineux ({size} octets, {max_bytes()} au plus)."
    try:
        detected = detect(path.read_bytes())
    except FileRefused as refused:
        return str(refused)
    if detected.kind in IMAGE_KINDS and not (item.get("alt_text") or item.get("title")):
        return "une image a besoin d'un texte alternatif (alt_text) ou d'un titre."
    return None
