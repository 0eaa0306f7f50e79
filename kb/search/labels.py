"""French labels and valid codes of the facets: vocabularies (labels editable by admins) and
the régions and départements of the reference data (read once per process)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from kb.db import session
from kb.experiences.terms import term_label
from kb.experiences.vocabularies import BY_NAME
from kb.territories.models import Territory

_places: dict[str, dict[str, str]] = {}
_places_lock = threading.Lock()


def place_names() -> dict[str, dict[str, str]]:
    """``{"region": {"75": "Nouvelle-Aquitaine"}, "departement": {"23": "Creuse"}}``; cached
    once the reference data is loaded. A collectivité d'outre-mer is in both (``978``
    Saint-Martin): its write-ups carry its code as their région and their département."""
    if _places:
        return _places
    rows = session.execute(
        select(Territory.kind, Territory.insee, Territory.name)
        .where(Territory.kind.in_(("region", "departement", "com")))
    ).all()
    names: dict[str, dict[str, str]] = {"region": {}, "departement": {}}
    for kind, code, name in rows:
        for facet in ("region", "departement") if kind == "com" else (kind,):
            names[facet][code] = name
    if rows:
        with _places_lock:
            _places.update(names)
    return names


def known_codes(name: str) -> set[str] | None:
    """Valid codes of a territory facet; ``None`` for the others (checked by their own rule)."""
    if name in ("region", "departement"):
        return set(place_names()[name])
    return None


def facet_label(name: str, code: str) -> str:
    """The label of a facet value as shown on the page and in the API."""
    if name in BY_NAME:
        return term_label(name, code)
    if name == "region":
        return place_names()["region"].get(code, code)
    if name == "departement":
        place = place_names()["departement"].get(code)
        return f"{place} ({code})" if place else code
    return code
