"""Finding an organisation by what a person typed.

The forms that name an organisation (a write-up's co-filers, the organisation a moderator
files for) used to list every organisation in a ``<select>``: 6,800 options twice per page at
10,000 write-ups, 400 ms to render and unusable with a screen reader. They now take a text
input driven by an autocomplete (``static/js/autocomplete.js``, fed by
``/api/v1/organisations``) that keeps the chosen id in the field and sends the text shown as
``<name>_search``; without JavaScript the person types the organisation's name.

Names are matched accent- and case-free (:func:`kb.territories.lookup.fold`) against a
per-process list of every organisation's id, name, kind and place (about 5 ms a query for
6,800 organisations). The list is rebuilt when an organisation is added, removed or changed —
seen from their count, highest id, total length of names and latest
:attr:`~kb.accounts.models.Organisation.updated_at` (set by every update the application
makes), a few milliseconds to read — and at least every :data:`REFRESH_SECONDS` (a change made
outside the application, in SQL).

Homonyms are told apart by their kind and place (« Ville de Saint-Denis (Commune — Saint-Denis
(93)) »), and duplicates that share those too by their number, until an admin merges them.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import func, select

from kb.accounts.models import Organisation
from kb.db import row_id, session
from kb.experiences.vocabularies import ORGANISATION
from kb.territories.lookup import fold
from kb.territories.models import Territory

MAX_RESULTS = 20
#: The hint of every organisation input.
HINT = "Tapez son nom, puis choisissez-la dans la liste proposée."
MIN_LENGTH = 2
REFRESH_SECONDS = 600.0
QUOTED_MAX = 80  # characters of the typed text a message quotes

bp = Blueprint("organisation_lookup", __name__)


@dataclass(frozen=True)
class Entry:
    id: int
    name: str
    folded: str
    detail: str  # « Commune — Guéret (23) »
    folded_qualified: str  # :attr:`qualified`, folded: what tells homonyms apart

    def to_json(self) -> dict:
        return {"code": str(self.id), "label": self.name, "detail": self.detail}

    @property
    def qualified(self) -> str:
        return _qualified(self.name, self.detail)


def _qualified(name: str, detail: str) -> str:
    """The name with its kind and place — what tells homonyms apart without JavaScript:
    « Ville de Saint-Denis (Commune — Saint-Denis (93)) »."""
    return f"{name} ({detail})"


@dataclass
class _Names:
    key: tuple
    built: float
    entries: tuple[Entry, ...]


def _detail(kind: str, place: str | None, departement: str | None, place_kind: str | None) -> str:
    text = ORGANISATION.label_of(kind)
    if place:
        numbered = place_kind in ("commune", "departement") and departement
        text += f" — {place} ({departement})" if numbered else f" — {place}"
    return text


def organisation_entries() -> tuple[Entry, ...]:
    """Every organisation, by name; cached per application (see the module's docstring)."""
    key = tuple(session.execute(select(
        func.count(Organisation.id), func.max(Organisation.id),
        func.sum(func.length(Organisation.name)), func.max(Organisation.updated_at))).one())
    cache = current_app.extensions.get("kb_organisation_names")
    if cache is not None and cache.key == key and time.monotonic() - cache.built < REFRESH_SECONDS:
        return cache.entries
    rows = session.execute(
        select(Organisation.id, Organisation.name, Organisation.kind, Territory.name,
               Territory.departement, Territory.kind)
        .outerjoin(Territory, Territory.code == Organisation.territory_code)
        .order_by(Organisation.name, Organisation.id)
    )
    entries = []
    for id_, name, kind, place, departement, place_kind in rows:
        detail = _detail(kind, place, departement, place_kind)
        entries.append(Entry(id_, name, fold(name), detail, fold(_qualified(name, detail))))
    entries = _numbered_homonyms(entries)
    current_app.extensions["kb_organisation_names"] = _Names(key, time.monotonic(), entries)
    return entries


def _numbered_homonyms(entries: list[Entry]) -> tuple[Entry, ...]:
    """The entries, those that share name, kind and place (duplicates an admin has not merged
    yet) told apart by their number, the one in their page's address:
    « Commune — Saint-Denis (93) — n° 12 »."""
    shared = Counter(entry.folded_qualified for entry in entries)
    numbered = []
    for entry in entries:
        if shared[entry.folded_qualified] > 1:
            detail = f"{entry.detail} — n°\u00a0{entry.id}"
            entry = Entry(entry.id, entry.name, entry.folded, detail,
                          fold(_qualified(entry.name, detail)))
        numbered.append(entry)
    return tuple(numbered)


def search_organisations(q: str, limit: int = MAX_RESULTS) -> list[Entry]:
    """Organisations whose name holds every word of ``q`` (accents and case aside), best first:
    the name itself, then names starting with ``q``, then names with every word at a word's
    start, then anywhere; shorter names first within each rank."""
    wanted = fold(q or "")
    if len(wanted) < MIN_LENGTH:
        return []
    words = wanted.split()
    ranked = []
    for entry in organisation_entries():
        folded = entry.folded
        if not all(word in folded for word in words):
            continue
        padded = f" {folded}"
        if folded == wanted:
            rank = 0
        elif folded.startswith(wanted):
            rank = 1
        elif all(f" {word}" in padded for word in words):
            rank = 2
        else:
            rank = 3
        ranked.append((rank, len(folded), folded, entry.id, entry))
    ranked.sort(key=lambda item: item[:4])
    return [item[-1] for item in ranked[:limit]]


def resolve_organisation(value: str | None, search_text: str | None = None) -> Organisation | None:
    """The organisation meant: ``value`` as an id (what the autocomplete keeps), else the one
    organisation whose name — or, among homonyms, whose :attr:`Entry.qualified` name — is
    exactly ``value`` or ``search_text`` (accents and case aside); ``None`` when unknown or
    still ambiguous."""
    organisation_id = row_id(value)
    if organisation_id:
        organisation = session.get(Organisation, organisation_id)
        if organisation is not None:
            return organisation
    wanted = [folded for folded in (fold(value or ""), fold(search_text or ""))
              if len(folded) >= MIN_LENGTH]
    if not wanted:
        return None
    entries = organisation_entries()
    for folded in wanted:
        exact = [entry for entry in entries if entry.folded == folded]
        if len(exact) != 1:  # unknown, or homonyms: the name with its kind and place
            exact = [entry for entry in entries if entry.folded_qualified == folded]
        if len(exact) == 1:
            return session.get(Organisation, exact[0].id)
    return None


class OrganisationInput:
    """For a form with ``organisation_id`` and ``organisation_search`` fields: the organisation
    they name, resolved once per form and values (validation and the view both ask)."""

    _chosen: tuple[tuple, Organisation | None] | None = None

    def organisation(self) -> Organisation | None:
        values = (self.organisation_id.data, self.organisation_search.data)
        if self._chosen is None or self._chosen[0] != values:
            self._chosen = (values, resolve_organisation(*values))
        return self._chosen[1]


def unknown_message(text: str | None, not_found: str | None = None) -> str:
    """Why a typed organisation was not accepted, in French: several bear that name (and how to
    type the one meant), or none does (``not_found``, or the general message)."""
    folded = fold(text or "")
    entries = organisation_entries() if folded else ()
    same = [entry for entry in entries if entry.folded == folded]
    if len(same) < 2:  # the name with a kind and place that duplicates share: their numbers
        same = [entry for entry in entries if entry.folded_qualified.startswith(f"{folded} n ")]
    text = text if len(text or "") <= QUOTED_MAX else f"{text[:QUOTED_MAX].rstrip()}…"
    if len(same) > 1:
        forms = " ou ".join(f"«\u00a0{entry.qualified}\u00a0»" for entry in same[:4])
        return (f"Plusieurs organisations s'appellent «\u00a0{same[0].name}\u00a0»\u00a0: "
                f"choisissez la vôtre dans la liste proposée, ou tapez {forms}.")
    return not_found or (f"Organisation introuvable\u00a0: «\u00a0{text}\u00a0». Choisissez-la "
                         "dans la liste proposée, ou tapez son nom exact.")


def typed_organisation(value: str | None, search_text: str | None,
                       field: str) -> Organisation | None:
    """:func:`resolve_organisation` for an optional input: ``None`` when nothing was typed;
    :class:`~kb.accounts.operations.AccountInvalid` on ``field`` when the text names no
    organisation."""
    if not (value or search_text):
        return None
    organisation = resolve_organisation(value, search_text)
    if organisation is None:
        from kb.accounts.operations import AccountInvalid

        raise AccountInvalid({field: unknown_message(search_text or value)})
    return organisation


def organisation_name(value: str | None) -> str:
    """The name of the organisation whose id is ``value``, or an empty string."""
    organisation_id = row_id(value)
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    return organisation.name if organisation is not None else ""


@bp.app_template_global("organisation_input_label")
def input_label(value: str | None, search_text: str | None) -> str:
    """What an organisation input shows: the chosen organisation's name, else the text typed."""
    return organisation_name(value) or search_text or value or ""


@bp.get("/api/v1/organisations")
def api_organisations():
    """Organisation autocomplete: ``q`` (2 characters at least, else an empty list). At most
    20 objects ``{code, label, detail}``: the id to send, the name, its kind and place."""
    return jsonify([entry.to_json() for entry in search_organisations(request.args.get("q", ""))])
