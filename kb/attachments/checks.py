"""What a file is, from its content: the magic bytes (the ``filetype`` library), then a check
of its structure. The file's name and the browser's declared type are never trusted.

* PDF: ``%PDF-`` magic; accepted, never rendered inline (see :mod:`.views`); one holding
  JavaScript or an automatic action is stored but flagged.
* Office documents are zip archives: an OpenDocument file must start with its ``mimetype``
  member naming an accepted type, an Office Open XML file must hold ``[Content_Types].xml`` and
  the main part of its kind (``word/document.xml``…). Any other zip is refused.
* PNG, JPEG, WebP: the magic bytes, then Pillow must read the image (see :mod:`.images`).
* CSV has no magic: text that decodes as UTF-8 (or Latin-1), without NUL bytes, that is not
  markup (an SVG or an HTML page is refused here) and whose first line has a separator.

Everything else — executables (a renamed ``.exe`` included), SVG, HTML, archives — is refused
with a French message saying what is accepted.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import filetype

ACCEPTED_TEXT = ("PDF, OpenDocument (ODT, ODS, ODP), Word, Excel ou PowerPoint (DOCX, XLSX, "
                 "PPTX), CSV, et images PNG, JPEG ou WebP")
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
OOXML_PARTS = {
    "word/document.xml": (
        "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/workbook.xml": (
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/presentation.xml": (
        "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp"}
ZIP_TYPES = {"application/zip", *ODF_TYPES,
             *(media for _kind, media in OOXML_PARTS.values())}
#: Markers of active content in a PDF (scripts, actions run on opening, embedded files).
PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|OpenAction|AA|Launch|EmbeddedFile)\b")
MAX_ZIP_MEMBERS = 10_000
CSV_SEPARATORS = (",", ";", "\t")


class FileRefused(ValueError):
    """The file is not one of the accepted kinds; the message is French, for the form."""


@dataclass(frozen=True)
class Detected:
    kind: str
    media_type: str
    active_content: bool = False  # a PDF with JavaScript or automatic actions


def detect(data: bytes) -> Detected:
    """The kind of ``data``, or :class:`FileRefused` saying why it is not accepted."""
    if not data:
        raise FileRefused("Le fichier est vide.")
    guess = filetype.guess(data)
    mime = guess.mime if guess else None
    if mime == "application/pdf":
        return _pdf(data)
    if mime in IMAGE_TYPES:
        return Detected(IMAGE_TYPES[mime], mime)
    if mime in ZIP_TYPES or data.startswith(b"PK\x03\x04"):
        return _office(data)
    if mime is not None:
        raise FileRefused(_refusal(_described(mime)))
    return _csv(data)


def _refusal(what: str) -> str:
    return f"Ce fichier ({what}) n'est pas accepté. Formats acceptés : {ACCEPTED_TEXT}."


def _described(mime: str) -> str:
    if mime in ("application/x-msdownload", "application/x-executable", "application/x-mach-binary",
                "application/x-elf", "application/vnd.microsoft.portable-executable"):
        return "un programme exécutable"
    return f"type {mime}"


def _pdf(data: bytes) -> Detected:
    if b"%%EOF" not in data[-2048:] and b"%%EOF" not in data:
        raise FileRefused("Ce PDF est incomplet ou endommagé : enregistrez-le à nouveau.")
    return Detected("pdf", "application/pdf", active_content=bool(PDF_ACTIVE.search(data)))


def _office(data: bytes) -> Detected:
    """An OpenDocument or Office Open XML file, from its members (never decompressed here,
    except the few bytes of ``mimetype``)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused("Ce document bureautique est endommagé : enregistrez-le à "
                          "nouveau.") from None
    if len(names) > MAX_ZIP_MEMBERS:
        raise FileRefused(_refusal("une archive de trop nombreux fichiers"))
    if names and names[0] == "mimetype":
        return _odf(archive)
    if "[Content_Types].xml" in names:
        for part, (kind, media_type) in OOXML_PARTS.items():
            if part in names:
                return Detected(kind, media_type)
    raise FileRefused(_refusal("une archive zip"))


def _odf(archive: zipfile.ZipFile) -> Detected:
    info = archive.getinfo("mimetype")
    if info.file_size > 200:
        raise FileRefused(_refusal("une archive zip"))
    media_type = archive.read(info).decode("ascii", "replace").strip()
    if media_type not in ODF_TYPES:
        raise FileRefused(_refusal(f"document OpenDocument {media_type[:60]}"))
    return Detected(ODF_TYPES[media_type], media_type)


def _csv(data: bytes) -> Detected:
    if b"\x00" in data:
        raise FileRefused(_refusal("un fichier binaire de type inconnu"))
    text = decode_text(data)
    if text is None:
        raise FileRefused(_refusal("un fichier de type inconnu"))
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("<") or re.search(r"<\s*(svg|script|html)\b", head[:4096], re.I):
        raise FileRefused(_refusal("une image SVG ou une page HTML"))
    first_line = head.split("\n", 1)[0]
    if not any(separator in first_line for separator in CSV_SEPARATORS):
        raise FileRefused(_refusal("un texte qui n'est pas un tableau CSV"))
    return Detected("csv", "text/csv")


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else Latin-1 when it holds no control characters."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("latin-1")
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text):
        return None
    return text
