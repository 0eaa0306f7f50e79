"""The rules a write-up's data must follow, whoever sends it (form, restore, script).

Data has the shape of :func:`kb.experiences.snapshot.experience_snapshot`: one key per editable
field, dates as ``"YYYY-MM"``, vocabularies as code lists, co-filers as
``{"organisation_id", "role"}`` dicts. :func:`experience_errors` returns one French message per
faulty field, keyed like the data (the form shows each next to its field).
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from kb.accounts.models import Organisation
from kb.accounts.organisation_lookup import unknown_message
from kb.db import session
from kb.experiences.snapshot import EDITABLE_FIELDS, VOCABULARY_FIELDS
from kb.experiences.vocabularies import BY_NAME, EVIDENCE_CODES, PROJECT_STATE_CODES
from kb.territories.models import Territory

TITLE_MAX = 200
SUMMARY_MAX = 600
TEXT_MAX = 50_000
SHORT_MAX = 200
EMAIL_MAX = 254
LINK_MAX = 500
MAX_LINKS = 20
MAX_COFILERS = 10
INT_MAX = 2_147_483_647
BUDGET_MAX = 10**12
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

LIST_FIELDS = frozenset({*VOCABULARY_FIELDS, "funders", "links", "cofilers"})
COUNT_FIELDS = ("schools", "pupils", "teachers")
TEXT_LABELS = {
    "context": "Le contexte", "actions": "La description de ce qui a été fait",
    "results": "Le texte des résultats", "lessons": "Le texte des enseignements",
    "partners": "La liste des partenaires",
}


def normalise(data: dict) -> dict:
    """Every editable field present, in snapshot order, with empty defaults for missing ones
    (a revision written before a field existed can still be restored)."""
    values = {}
    for name in EDITABLE_FIELDS:
        default = [] if name in LIST_FIELDS else ("" if _is_text(name) else None)
        value = data.get(name, default)
        values[name] = default if value is None and default is not None else value
    values["evidence"] = values["evidence"] or "aucune"
    return values


def _is_text(name: str) -> bool:
    return name not in ("project_state", "start", "end", "budget_eur", *COUNT_FIELDS)


def parse_month(value: str | None) -> date | None:
    """``"2019-09"`` → ``date(2019, 9, 1)``; ``None`` for an empty or malformed value (year
    0000 included: no date has it)."""
    match = MONTH.fullmatch(value or "")
    return date(int(match[1]), int(match[2]), 1) if match and int(match[1]) >= 1 else None


def experience_errors(data: dict) -> dict[str, str]:
    """One French message per faulty field of ``data`` (already :func:`normalise`\\ d)."""
    errors: dict[str, str] = {}
    for check in (_check_texts, _check_territory, _check_terms, _check_project,
                  _check_numbers, _check_links, _check_funders, _check_cofilers, _check_contact):
        for field, message in check(data):
            errors.setdefault(field, message)
    return errors


def _check_texts(data: dict):
    title = data["title"] or ""
    if not title.strip():
        yield "title", "Indiquez le titre de la fiche."
    elif len(title) > TITLE_MAX:
        yield "title", (f"Le titre ne doit pas dépasser {TITLE_MAX} caractères "
                        f"({len(title)} saisis).")
    summary = data["summary"] or ""
    if not summary.strip():
        yield "summary", "Rédigez un résumé de quelques lignes."
    elif len(summary) > SUMMARY_MAX:
        yield "summary", (f"Le résumé ne doit pas dépasser {SUMMARY_MAX} caractères "
                          f"({len(summary)} saisis).")
    for name, label in TEXT_LABELS.items():
        if len(data[name] or "") > TEXT_MAX:
            yield name, f"{label} ne doit pas dépasser {TEXT_MAX} caractères."


def _check_territory(data: dict):
    code = data["territory_code"] or ""
    if not code:
        yield "territory_code", "Choisissez le territoire du projet."
    elif session.get(Territory, code) is None:
        yield "territory_code", (f"« {code[:80]} » ne désigne pas un territoire unique : "
                                 "choisissez-le dans la liste des propositions, ou saisissez "
                                 "son code (C23096 pour une commune, D23 pour un département…).")


def _check_terms(data: dict):
    for field, vocabulary in VOCABULARY_FIELDS.items():
        codes = data[field]
        unknown = [code for code in codes if code not in BY_NAME[vocabulary].codes]
        if unknown:
            yield field, f"Valeur inconnue : « {unknown[0]} »."
        elif len(set(codes)) != len(codes):
            yield field, "Une valeur est cochée deux fois."
    if not data["themes"]:
        yield "themes", "Choisissez au moins un thème."


def _check_project(data: dict):
    if data["project_state"] not in (None, *PROJECT_STATE_CODES):
        yield "project_state", "Choisissez l'état du projet dans la liste."
    if data["evidence"] not in EVIDENCE_CODES:
        yield "evidence", "Choisissez le type d'évaluation dans la liste."
    start, end = (data[name] for name in ("start", "end"))
    for name, value in (("start", start), ("end", end)):
        if value and parse_month(value) is None:
            yield name, "Indiquez un mois au format AAAA-MM (par exemple 2023-09)."
    if parse_month(start) and parse_month(end) and end < start:
        yield "end", "La date de fin ne peut pas précéder la date de début."


def _check_numbers(data: dict):
    for name, ceiling in (("budget_eur", BUDGET_MAX), *((n, INT_MAX) for n in COUNT_FIELDS)):
        value = data[name]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            yield name, "Indiquez un nombre entier."
        elif value < 0:
            yield name, "Indiquez un nombre positif ou nul."
        elif value > ceiling:
            yield name, "Ce nombre est trop grand."


def _check_links(data: dict):
    links = data["links"]
    if len(links) > MAX_LINKS:
        yield "links", f"Indiquez au plus {MAX_LINKS} liens."
    for line, link in enumerate(links, start=1):
        try:
            parts = urlsplit(link)
        except ValueError:  # « http://[::1 » and other unbalanced brackets
            parts = urlsplit("")
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            yield "links", (f"Ligne {line} : « {link[:80]} » n'est pas une adresse web ; chaque "
                            "lien doit commencer par http:// ou https://.")
        elif len(link) > LINK_MAX:
            yield "links", f"Ligne {line} : le lien dépasse {LINK_MAX} caractères."


def _check_funders(data: dict):
    for funder in data["funders"]:
        if not funder.strip() or len(funder) > SHORT_MAX:
            yield "funders", f"Chaque financeur tient en une ligne de 1 à {SHORT_MAX} caractères."


def _check_cofilers(data: dict):
    cofilers = data["cofilers"]
    ids = [c.get("organisation_id") for c in cofilers]
    if len(cofilers) > MAX_COFILERS:
        yield "cofilers", f"Indiquez au plus {MAX_COFILERS} organisations co-déposantes."
    elif len(set(ids)) != len(ids):
        yield "cofilers", "Une organisation est indiquée deux fois."
    elif unknown := [i for i in ids if not isinstance(i, int)]:
        yield "cofilers", unknown_message(str(unknown[0]))
    elif not all(session.get(Organisation, i) for i in ids):
        yield "cofilers", "Une organisation co-déposante n'existe plus : choisissez-la à nouveau."
    elif any(len(c.get("role") or "") > SHORT_MAX for c in cofilers):
        yield "cofilers", f"Le rôle d'une organisation dépasse {SHORT_MAX} caractères."


def _check_contact(data: dict):
    for name, label in (("contact_name", "Le nom"), ("contact_role", "La fonction")):
        if len(data[name] or "") > SHORT_MAX:
            yield name, f"{label} ne doit pas dépasser {SHORT_MAX} caractères."
    email = data["contact_email"] or ""
    if email and (len(email) > EMAIL_MAX or not EMAIL.fullmatch(email)):
        yield "contact_email", "Indiquez une adresse électronique valide (nom@domaine.fr)."
