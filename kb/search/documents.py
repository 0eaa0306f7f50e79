"""From write-ups in the database to index documents.

A document holds the words to rank (title, summary, long texts, follow-ups, place and
organisation names), the keyword fields of every facet, the sort keys, and a digest of all that
so that ``kb index check`` can tell a stale document from a fresh one.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb.attachments.indexing import attachments_text
from kb.experiences.models import TEXT_FIELDS, CoFiler, Experience
from kb.search.analysis import normalize_text
from kb.search.vocabulary import is_overseas, vocabulary_text
from kb.territories.lookup import population_band
from kb.territories.models import Territory

BATCH_SIZE = 200
# Markdown markup that carries no words: tags, link targets, emphasis, headings, quotes, code
# fences, table rules. What is left is the text a reader sees, which is all the index needs.
_MARKUP = (
    (re.compile(r"<[^>]*>"), " "),
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"^\s{0,3}(?:#{1,6}|>|[-*+]|\d+[.)])\s+", re.MULTILINE), ""),
    (re.compile(r"[*_`~|]+|^[-=:\s]{3,}$", re.MULTILINE), " "),
)


class PlaceNames:
    """Names of départements and régions by code, loaded once (about 120 rows); a collectivité
    d'outre-mer is both."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(
            select(Territory.kind, Territory.insee, Territory.name).where(
                Territory.kind.in_(("departement", "region", "com"))
            )
        )
        self.names = {(level, code): name for kind, code, name in rows
                      for level in (("departement", "region") if kind == "com" else (kind,))}

    def departement(self, code: str | None) -> str:
        return self.names.get(("departement", code), "") if code else ""

    def region(self, code: str | None) -> str:
        return self.names.get(("region", code), "") if code else ""


def load_experiences(session: Session, ids: Iterable[int]) -> list[Experience]:
    """The write-ups with these ids (any state), with everything a document needs."""
    ids = list(ids)
    if not ids:
        return []
    query = (
        select(Experience)
        .where(Experience.id.in_(ids))
        .options(
            selectinload(Experience.terms),
            selectinload(Experience.territory).selectinload(Territory.epci),
            selectinload(Experience.organisation),
            selectinload(Experience.cofilers).selectinload(CoFiler.organisation),
            selectinload(Experience.follow_ups),
            selectinload(Experience.label),
            selectinload(Experience.attachments),
        )
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(query))


def published_ids(session: Session) -> list[int]:
    """Ids of every published write-up, increasing."""
    return list(session.scalars(
        select(Experience.id).where(Experience.state == "publiee").order_by(Experience.id)
    ))


def published_id_batches(session: Session, size: int = BATCH_SIZE) -> Iterator[list[int]]:
    """Ids of every published write-up, in batches, by increasing id."""
    ids = published_ids(session)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def is_indexable(experience: Experience | None) -> bool:
    """Only published write-ups are searchable."""
    return experience is not None and experience.state == "publiee"


def place_names(experience: Experience, names: PlaceNames) -> list[str]:
    """Commune, EPCI, département and région names, then the organisations filing it."""
    territory = experience.territory
    places = [territory.name]
    if territory.kind == "commune" and territory.epci is not None:
        places.append(territory.epci.name)
    if territory.kind not in ("departement", "com"):
        places.append(names.departement(experience.departement))
    if territory.kind not in ("region", "com"):
        places.append(names.region(experience.region))
    places.append(experience.organisation.name)
    places.extend(cofiler.organisation.name for cofiler in experience.cofilers)
    return [place for place in places if place]


def markdown_words(text: str | None) -> str:
    """The words of a Markdown field, for indexing only (pages and snippets render Markdown
    with :mod:`kb.html`). A regular-expression pass: rendering every field through Markdown and
    bleach would take most of a rebuild's time."""
    if not text:
        return ""
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return html.unescape(text)


def _join(parts: Iterable[str]) -> str:
    return normalize_text("\n".join(part for part in parts if part))


def body_text(experience: Experience) -> str:
    """Plain text of the long Markdown fields and the partners."""
    fields = [markdown_words(getattr(experience, name)) for name in TEXT_FIELDS]
    return _join([*fields, markdown_words(experience.partners)])


def followups_text(experience: Experience) -> str:
    return _join(
        part for entry in experience.follow_ups
        for part in (entry.title, markdown_words(entry.body))
    )


def experience_document(experience: Experience, names: PlaceNames) -> dict:
    """The index document of a published write-up."""
    places = _join(place_names(experience, names))
    published = experience.published_at or experience.created_at
    document = {
        "id": str(experience.id),
        "title": normalize_text(experience.title),
        "title_exact": normalize_text(experience.title),
        "summary": normalize_text(experience.summary),
        "summary_exact": normalize_text(experience.summary),
        "body": body_text(experience),
        "followups": followups_text(experience),
        "attachments": normalize_text(attachments_text(experience)),
        "places": places,
        "spelling": _join([experience.title, experience.summary, places]),
        "published": calendar.timegm(published.timetuple()),
        "budget": experience.budget_eur if experience.budget_eur is not None else -1,
        **facet_values(experience),
    }
    # Vocabulary labels and names of the write-up's codes, and its places (issue 11 point 2).
    document["vocabulary"] = experience_vocabulary(experience, names)
    document["digest"] = document_digest(document)
    return document


def experience_vocabulary(experience: Experience, names: PlaceNames) -> str:
    """The ``vocabulary`` field: labels and names of every code of the write-up (and of the
    kind of organisation filing it, the state of the project, its evaluation), the names of
    its département and région."""
    codes = {name: experience.codes(name)
             for name in ("theme", "equipement", "niveau", "territoire")}
    codes["organisation"] = [experience.organisation.kind]
    return normalize_text(vocabulary_text(
        codes, names.departement(experience.departement), names.region(experience.region),
        is_overseas(experience.departement, experience.region),
        experience.project_state, experience.evidence))


def facet_values(experience: Experience) -> dict[str, str]:
    """The keyword fields: space-separated codes."""
    published = experience.published_at or experience.created_at
    territory = experience.territory
    return {
        "theme": " ".join(experience.codes("theme")),
        "equipement": " ".join(experience.codes("equipement")),
        "niveau": " ".join(experience.codes("niveau")),
        "territoire": " ".join(experience.codes("territoire")),
        "organisation": experience.organisation.kind,
        "region": experience.region or "",
        "departement": experience.departement or "",
        "annee": str(published.year),
        "label": "oui" if experience.label is not None else "non",
        "territory_kind": territory.kind,
        "population_band": population_band(territory.population) or "",
    }


def document_digest(document: dict) -> str:
    content = {key: value for key, value in document.items() if key != "digest"}
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha1(encoded, usedforsecurity=False).hexdigest()
