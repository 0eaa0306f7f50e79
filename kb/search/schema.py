"""The Whoosh schema of the write-up index and the facets it serves.

Stored fields are kept to the minimum (the write-up id and a digest of the indexed content, for
``kb index check``): results and snippets are rendered from database rows. Facet fields are
plain keyword fields; their counts come from cached per-segment bitsets (see
:mod:`kb.search.facets`), not from Whoosh's ``groupedby``.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from kb.search.analysis import EXACT, FRENCH, SPELLING, FoldedPositions

#: Bump when the schema, the analysis or the codec changes: an index of another version must be
#: rebuilt. (2: segments written by :class:`IndexCodec`, as separate files. 3: the
#: ``attachments`` field, issue 13. 4: the ``vocabulary`` field, issue 11: labels and names of
#: the write-up's codes, its places.)
SCHEMA_VERSION = 4

#: Ranked fields and their BM25F weight; the title weighs most.
STEMMED_FIELDS = {"title": 4.0, "summary": 2.0, "body": 1.0, "followups": 0.7}
#: Issue 13: the text of attachments (PDF, office documents) weighs half the body.
STEMMED_FIELDS["attachments"] = 0.5
EXACT_FIELDS = {"title_exact": 1.5, "summary_exact": 0.8, "places": 1.5}
# The labels and names of the write-up's vocabulary codes, its département and région
# (:mod:`kb.search.vocabulary`), ranked like a text field between the summary and the body.
STEMMED_FIELDS["vocabulary"] = 1.5


@dataclass(frozen=True)
class Facet:
    """A filter of ``/recherche``: its URL parameter (also its index field) and French name."""

    name: str
    label: str
    visible: int = 6  # values shown before « voir plus »


FACETS: tuple[Facet, ...] = (
    Facet("theme", "Thème"),
    Facet("equipement", "Équipement"),
    Facet("niveau", "Niveau scolaire"),
    Facet("territoire", "Type de territoire"),
    Facet("organisation", "Type de structure"),
    Facet("region", "Région"),
    Facet("departement", "Département"),
    Facet("annee", "Année de publication"),
)
FACET_NAMES: tuple[str, ...] = tuple(f.name for f in FACETS)
#: Keyword fields that are not URL facets but serve comparable projects and filters.
EXTRA_KEYWORDS = ("label", "territory_kind", "population_band")


def _keyword() -> KEYWORD:
    return KEYWORD(lowercase=False, commas=False, scorable=False)


def _text(analyzer, boost: float) -> TEXT:
    """A ranked or exact text field: positions for phrases, its postings made by
    :class:`~kb.search.analysis.FoldedPositions` (Whoosh's bytes, without a token per word)."""
    field = TEXT(analyzer=analyzer, field_boost=boost)
    field.format = FoldedPositions(field_boost=boost)
    return field


def build_schema() -> Schema:
    fields = {
        "id": ID(stored=True, unique=True),
        "digest": STORED(),
        "title": _text(FRENCH, STEMMED_FIELDS["title"]),
        "summary": _text(FRENCH, STEMMED_FIELDS["summary"]),
        "body": _text(FRENCH, STEMMED_FIELDS["body"]),
        "followups": _text(FRENCH, STEMMED_FIELDS["followups"]),
        "attachments": _text(FRENCH, STEMMED_FIELDS["attachments"]),
        "title_exact": _text(EXACT, EXACT_FIELDS["title_exact"]),
        "summary_exact": _text(EXACT, EXACT_FIELDS["summary_exact"]),
        "places": _text(EXACT, EXACT_FIELDS["places"]),
        "spelling": TEXT(analyzer=SPELLING, phrase=False),
        "published": NUMERIC(int, bits=64, sortable=True),
        "budget": NUMERIC(int, bits=64, signed=True, sortable=True),
    }
    for name in (*FACET_NAMES, *EXTRA_KEYWORDS):
        fields[name] = _keyword()
    # Vocabulary labels and names (issue 11 point 2).
    fields["vocabulary"] = _text(FRENCH, STEMMED_FIELDS["vocabulary"])
    return Schema(**fields)


SCHEMA = build_schema()


class IndexCodec(W3Codec):
    """Whoosh's codec without per-posting length statistics.

    Those statistics (each posting's field length, looked up while writing) only tighten the
    score bounds of Whoosh's block-skipping top-N search; ranking here scores candidates
    directly (:mod:`kb.search.ranking`), and writing without them is about a third faster.
    Bounds computed without them are looser, never wrong: Whoosh searches stay exact. Writers
    are opened with it (:func:`index_writer`); readers find it in each segment.
    """

    length_stats = False


def index_writer(index, **options):
    """A writer of this index's segments (outbox syncs; a rebuild's writers,
    :class:`kb.search.writing.RebuildWriter`, take the same codec and layout).

    Segments are left as separate files, not assembled into one compound file: Whoosh reads a
    compound segment's postings through a ``BytesIO`` copy of the memory map, which kept a
    second, private copy of the whole index in every process (1 GB per gunicorn worker at
    100,000 write-ups); separate files are memory-mapped and shared between processes."""
    return index.writer(codec=IndexCodec(), compound=False, **options)
