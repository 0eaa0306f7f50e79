"""The text of an attachment, for the search: PDF (pypdf), OpenDocument and Office Open XML
(their XML members read with zipfile and parsed by expat with defusedxml's rules: no DTD,
no entity, no external reference), CSV (decoded text).

A hostile file cannot stall the indexer: extraction stops at :data:`LIMITS` — 300 pages,
300,000 characters, 30 MB of decompressed XML (a zip bomb is read chunk by chunk and dropped at
the cap, never inflated whole), 10 seconds — and keeps what it has read so far, with a note
saying where it stopped. Runs in the indexer (:mod:`kb.search.documents`), never in the upload
request; the result is cached on the attachment's row.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat as pyexpat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from kb.attachments.checks import decode_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    pages: int = 300
    chars: int = 300_000
    xml_bytes: int = 30 * 1024 * 1024
    seconds: float = 10.0
    inflate_ratio: int = 100  # Apache POI's zip-bomb rule: at most 100 times the compressed size


LIMITS = Limits()
CHUNK = 64 * 1024
#: Members holding the words, by kind (patterns, read in name order).
MEMBERS = {
    "docx": (r"word/document\.xml", r"word/(header|footer)\d*\.xml",
             r"word/(footnotes|endnotes)\.xml"),
    "xlsx": (r"xl/sharedStrings\.xml", r"xl/worksheets/sheet\d+\.xml"),
    "pptx": (r"ppt/slides/slide\d+\.xml", r"ppt/notesSlides/notesSlide\d+\.xml"),
    "odt": (r"content\.xml",), "ods": (r"content\.xml",), "odp": (r"content\.xml",),
}
#: End tags of paragraphs, headings, cells and shared strings: a line break in the text.
BREAK_TAGS = (b"</w:p>", b"</a:p>", b"</text:p>", b"</text:h>", b"</si>", b"</c>",
              b"</table:table-cell>")


class Stopped(Exception):
    """A limit was reached: keep the text read so far."""


@dataclass
class Extraction:
    text: str = ""
    note: str = ""  # French, why extraction stopped early or failed
    pages: int = 0
    xml_bytes: int = 0
    seconds: float = 0.0


@dataclass
class _Budget:
    limits: Limits
    started: float = field(default_factory=time.monotonic)
    parts: list[str] = field(default_factory=list)
    chars: int = 0
    pages: int = 0
    inflated: int = 0

    def add(self, text: str) -> None:
        room = self.limits.chars - self.chars
        self.parts.append(text[:max(room, 0)])
        self.chars += len(text)
        if self.chars >= self.limits.chars:
            raise Stopped(f"texte limité à {self.limits.chars:,} caractères".replace(",", " "))
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.limits.seconds:
            raise Stopped(f"extraction arrêtée après {self.limits.seconds:g} secondes")

    def text(self) -> str:
        return re.sub(r"[ \t]*\n\s*", "\n", "".join(self.parts)).strip()


def extract_text(data: bytes, kind: str, limits: Limits = LIMITS) -> Extraction:
    """The words of a file of ``kind`` (images have none), within ``limits``; never raises
    for a broken or hostile file (the note says what happened)."""
    budget = _Budget(limits)
    result = Extraction()
    try:
        if kind == "pdf":
            result.pages = _pdf(data, budget)
        elif kind in MEMBERS:
            result.xml_bytes = _office(data, kind, budget)
        elif kind == "csv":
            budget.add(decode_text(data) or "")
    except Stopped as stopped:
        result.note = str(stopped)
        result.pages = result.pages or budget.pages
        result.xml_bytes = result.xml_bytes or budget.inflated
    except Exception as error:  # a broken file: its title and description stay searchable
        log.info("attachment text not extracted: %s", error)
        result.note = "texte illisible : seuls le titre et la description sont indexés"
    result.text = budget.text()
    result.seconds = time.monotonic() - budget.started
    return result


def _pdf(data: bytes, budget: _Budget) -> int:
    import warnings

    from pypdf import PdfReader

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(data), strict=False)
        read = 0
        for read, page in enumerate(_pages(reader), start=1):
            if read > budget.limits.pages:
                raise Stopped(f"texte extrait des {budget.limits.pages} premières pages")
            budget.add((page.extract_text() or "") + "\n")
            budget.pages = read
        return read


INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


def _pages(reader):
    """The pages one at a time, walking the page tree lazily: ``reader.pages`` resolves every
    page of the document first (seconds for 10,000 pages) before the first can be read."""
    from pypdf import PageObject

    seen: set[int] = set()
    stack = [(reader.trailer["/Root"].get("/Pages"), {})]
    while stack:
        reference, inherited = stack.pop()
        node = reference.get_object() if reference is not None else None
        key = id(node)
        if node is None or key in seen or len(seen) > 1_000_000:
            continue  # a loop in a hostile page tree
        seen.add(key)
        inherited = {**inherited, **{k: node[k] for k in INHERITED if k in node}}
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            stack.extend((kid, inherited) for kid in reversed(node.get("/Kids", [])))
            continue
        page = PageObject(reader, getattr(reference, "indirect_reference", None))
        page.update({**inherited, **node})
        yield page


def _safe_parser(budget: _Budget):
    """An expat parser that refuses what makes XML dangerous — a DTD, entity declarations,
    external references (defusedxml's rules and exceptions) — and hands only character data
    to the budget: one Python call per text node, none per element, so that a million empty
    elements cost little."""
    parser = pyexpat.ParserCreate()

    def forbid_dtd(name, sysid, pubid, has_internal_subset):
        raise DTDForbidden(name, sysid, pubid)

    def forbid_entity(name, *args):
        raise EntitiesForbidden(name, None, None, None, None, None)

    def forbid_external(context, base, sysid, pubid):
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    parser.StartDoctypeDeclHandler = forbid_dtd
    parser.EntityDeclHandler = forbid_entity
    parser.UnparsedEntityDeclHandler = forbid_entity
    parser.ExternalEntityRefHandler = forbid_external
    parser.CharacterDataHandler = budget.add
    return parser


def _with_breaks(chunk: bytes) -> bytes:
    """A line break before each paragraph's or cell's end tag, so that words of two
    paragraphs never run together (character data, seen by the parser like any text)."""
    for tag in BREAK_TAGS:
        chunk = chunk.replace(tag, b"\n" + tag)
    return chunk


def _office(data: bytes, kind: str, budget: _Budget) -> int:
    """Feed each word-holding member to the parser, 64 kB at a time, counting the
    decompressed bytes against the cap; a member inflating more than ``inflate_ratio`` times
    (a zip bomb: real XML compresses ten to twenty times) is not read at all."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = [name for pattern in MEMBERS[kind]
             for name in sorted(n for n in archive.namelist() if re.fullmatch(pattern, n))]
    inflated = 0
    for name in names:
        info = archive.getinfo(name)
        if info.file_size > 1024 * 1024 and \
                info.file_size > budget.limits.inflate_ratio * max(info.compress_size, 1):
            raise Stopped(f"archive suspecte (« {name} » se décompresse "
                          f"{info.file_size // max(info.compress_size, 1)} fois) : non lue")
        parser = _safe_parser(budget)
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                inflated += len(chunk)
                budget.inflated = inflated
                if inflated > budget.limits.xml_bytes:
                    megabytes = budget.limits.xml_bytes // (1024 * 1024)
                    raise Stopped(f"lecture arrêtée à {megabytes} Mo de XML décompressé")
                parser.Parse(_with_breaks(chunk), False)
                budget.check_time()
        parser.Parse(b"", True)
        budget.add("\n")
    return inflated
