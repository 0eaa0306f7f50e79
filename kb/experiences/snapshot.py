"""What a revision stores: every editable field of a write-up, as plain JSON.

A snapshot is what the form saw, so a revision can be shown, compared with the next one and
restored. Dates are ``"YYYY-MM"`` strings, vocabularies are code lists in form order, co-filers are
``{"organisation_id", "name", "role"}`` dicts.
"""

from __future__ import annotations

from datetime import date

from kb.experiences.models import Experience

#: Form field name → vocabulary name, for the vocabularies attached through ``experience_term``.
VOCABULARY_FIELDS: dict[str, str] = {
    "territory_types": "territoire",
    "levels": "niveau",
    "themes": "theme",
    "equipment": "equipement",
}

EDITABLE_FIELDS: tuple[str, ...] = (
    "title", "summary", "context", "actions", "results", "lessons",
    "territory_code", *VOCABULARY_FIELDS,
    "project_state", "start", "end", "budget_eur", "funders",
    "schools", "pupils", "teachers", "partners", "cofilers", "links", "evidence",
    "contact_name", "contact_role", "contact_email",
)

_PLAIN_ATTRIBUTES = (
    "title", "summary", "context", "actions", "results", "lessons", "territory_code",
    "project_state", "budget_eur", "schools", "pupils", "teachers", "partners", "evidence",
    "contact_name", "contact_role", "contact_email",
)


def month_string(value: date | None) -> str | None:
    """``date(2019, 9, 1)`` → ``"2019-09"``; ``None`` stays ``None``."""
    return value.strftime("%Y-%m") if value else None


def experience_snapshot(experience: Experience) -> dict:
    """Every field of :data:`EDITABLE_FIELDS`, JSON-serialisable, in that order."""
    values = {name: getattr(experience, name) for name in _PLAIN_ATTRIBUTES}
    values.update({field: experience.codes(vocabulary)
                   for field, vocabulary in VOCABULARY_FIELDS.items()})
    values.update(
        start=month_string(experience.start_month),
        end=month_string(experience.end_month),
        funders=list(experience.funders or []),
        links=list(experience.links or []),
        cofilers=[_cofiler_snapshot(c) for c in experience.cofilers],
    )
    return {name: values[name] for name in EDITABLE_FIELDS}


def _cofiler_snapshot(cofiler) -> dict:
    organisation = cofiler.organisation
    return {
        "organisation_id": cofiler.organisation_id or (organisation.id if organisation else None),
        "name": organisation.name if organisation else "",
        "role": cofiler.role or "",
    }
