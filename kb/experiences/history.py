"""Revisions of a write-up: writing them, reading them, and what changed between two.

Every operation on a write-up writes one revision (see :mod:`kb.experiences.operations`): a
snapshot of every editable field, who, when, which action, which fields changed. Comparing two
snapshots gives, field by field, the old and new values; long texts get a line diff (difflib).
Nothing here produces markup: templates escape every value.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from kb.db import session
from kb.experiences.models import Experience, Revision
from kb.experiences.snapshot import EDITABLE_FIELDS, VOCABULARY_FIELDS, experience_snapshot
from kb.experiences.terms import term_label
from kb.experiences.validation import parse_month
from kb.experiences.vocabularies import EVIDENCE, PROJECT_STATES

FIELD_LABELS = {
    "title": "Titre", "summary": "Résumé", "context": "Contexte et problème de départ",
    "actions": "Ce qui a été fait", "results": "Résultats et évaluation",
    "lessons": "Enseignements et conseils", "territory_code": "Territoire",
    "territory_types": "Types de territoire", "levels": "Niveaux scolaires", "themes": "Thèmes",
    "equipment": "Équipements", "project_state": "État du projet", "start": "Début",
    "end": "Fin", "budget_eur": "Budget", "funders": "Financeurs",
    "schools": "Écoles ou établissements", "pupils": "Élèves", "teachers": "Enseignants",
    "partners": "Partenaires", "cofilers": "Organisations co-déposantes", "links": "Liens",
    "evidence": "Évaluation des résultats", "contact_name": "Nom du contact",
    "contact_role": "Fonction du contact", "contact_email": "Courriel du contact",
    "attachments": "Pièces jointes",
}
ACTION_LABELS = {
    "create": "Création", "update": "Modification", "submit": "Soumission à la modération",
    "publish": "Publication", "send_back": "Renvoi au brouillon", "archive": "Archivage",
    "restore": "Restauration", "follow_up": "Ajout d'un suivi", "import": "Import",
    "initial": "Version initiale", "attachment_added": "Ajout d'une pièce jointe",
    "attachment_removed": "Suppression d'une pièce jointe",
    "attachment_restored": "Restauration d'une pièce jointe",
    "approve_edit": "Publication de modifications relues",
}
LONG_TEXT_FIELDS = ("summary", "context", "actions", "results", "lessons", "partners")
CONTEXT_LINES = 2


@dataclass
class DiffLine:
    """One line of a text diff: ``kind`` is ``same``, ``removed``, ``added`` or ``gap``."""

    kind: str
    text: str


@dataclass
class FieldChange:
    """What changed in one field between two snapshots, ready to show."""

    name: str
    label: str
    before: str = ""
    after: str = ""
    lines: list[DiffLine] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``text`` (line diff), ``list`` (items added and removed) or ``value``."""
        if self.lines:
            return "text"
        return "list" if self.added or self.removed else "value"


# --------------------------------------------------------------------------- writing


def latest_revision_number(experience_id: int) -> int:
    """The number of the write-up's last revision, 0 when it has none."""
    query = select(func.max(Revision.number)).where(Revision.experience_id == experience_id)
    return session.scalar(query) or 0


def record_revision(experience: Experience, user, action: str, before: dict,
                    comment: str = "", previous_at: datetime | None = None) -> Revision:
    """Add the revision of what ``experience`` is now; ``before`` is the snapshot it replaces.

    A write-up with no revision yet (inserted by a script or an older version) first gets an
    ``initial`` revision holding ``before``, dated ``previous_at``, so that it stays
    restorable. Called after the write-up's row is flushed, whose version check serialises
    concurrent changes, so that two transactions never pick the same number.
    """
    number = latest_revision_number(experience.id)
    if number == 0 and action != "create":
        number = 1
        session.add(Revision(
            experience_id=experience.id, number=1, author_id=experience.created_by_id,
            action="initial", data=before, changed_fields=[],
            created_at=previous_at or experience.created_at,
        ))
    after = experience_snapshot(experience)
    revision = Revision(
        experience_id=experience.id, number=number + 1, author_id=getattr(user, "id", None),
        action=action, data=after, changed_fields=changed_fields(before, after), comment=comment,
    )
    session.add(revision)
    session.flush()
    return revision


def changed_fields(before: dict, after: dict) -> list[str]:
    return [name for name in EDITABLE_FIELDS if before.get(name) != after.get(name)]


# --------------------------------------------------------------------------- reading


def revisions_of(experience_id: int) -> list[Revision]:
    """The write-up's revisions, newest first."""
    query = (select(Revision).where(Revision.experience_id == experience_id)
             .order_by(Revision.number.desc()))
    return list(session.scalars(query))


def get_revision(experience_id: int, number: int) -> Revision | None:
    """Revision ``number`` of the write-up, or ``None``."""
    query = select(Revision).where(
        Revision.experience_id == experience_id, Revision.number == number
    )
    return session.scalars(query).first()


# --------------------------------------------------------------------------- comparing


def compare(before: dict, after: dict) -> list[FieldChange]:
    """Field-by-field changes from ``before`` to ``after``, in form order."""
    return [_field_change(name, before.get(name), after.get(name))
            for name in changed_fields(before, after)]


def _field_change(name: str, old, new) -> FieldChange:
    change = FieldChange(name, FIELD_LABELS.get(name, name))
    if isinstance(old, list) or isinstance(new, list):
        old_items = [display_value(name, [item]) for item in old or []]
        new_items = [display_value(name, [item]) for item in new or []]
        change.removed = [item for item in old_items if item not in new_items]
        change.added = [item for item in new_items if item not in old_items]
        if not change.added and not change.removed:  # same items, new order or new role
            change.before, change.after = display_value(name, old), display_value(name, new)
        return change
    change.before, change.after = display_value(name, old), display_value(name, new)
    if name in LONG_TEXT_FIELDS:
        change.lines = text_diff(change.before, change.after)
    return change


def text_diff(old: str, new: str) -> list[DiffLine]:
    """Line diff of two texts, unchanged stretches cut down to a little context."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(_context(old_lines[i1:i2], first=i1 == 0, last=i2 == len(old_lines)))
            continue
        lines.extend(DiffLine("removed", text) for text in old_lines[i1:i2])
        lines.extend(DiffLine("added", text) for text in new_lines[j1:j2])
    return lines


def _context(same: list[str], first: bool, last: bool) -> list[DiffLine]:
    """Keep a few unchanged lines around changes, a gap marker for the rest."""
    head = [] if first else same[:CONTEXT_LINES]
    tail = [] if last else same[-CONTEXT_LINES:]
    if len(head) + len(tail) >= len(same):
        return [DiffLine("same", text) for text in same]
    return ([DiffLine("same", text) for text in head] + [DiffLine("gap", "…")]
            + [DiffLine("same", text) for text in tail])


def display_value(name: str, value) -> str:
    """A stored value as a person reads it (labels, months, euros); ``—`` when empty."""
    if value in (None, "", []):
        return "—"
    if name in VOCABULARY_FIELDS:
        return ", ".join(term_label(VOCABULARY_FIELDS[name], code) for code in value)
    if name == "cofilers":
        return ", ".join(_cofiler_text(item) for item in value)
    if name in ("funders", "links"):
        return ", ".join(value)
    return _scalar_text(name, value)


def _scalar_text(name: str, value) -> str:
    from kb.experiences.territory_input import label_of
    from kb.web import format_euros, format_month, format_number

    if name == "territory_code":
        return f"{label_of(value) or value} ({value})"
    if name in ("start", "end"):
        return format_month(parse_month(value)) or str(value)
    if name == "budget_eur":
        return format_euros(value)
    if name in ("schools", "pupils", "teachers"):
        return format_number(value)
    if name == "project_state":
        return dict(PROJECT_STATES).get(value, value)
    if name == "evidence":
        return dict(EVIDENCE).get(value, value)
    return str(value)


def _cofiler_text(item: dict) -> str:
    name = item.get("name") or f"organisation n° {item.get('organisation_id')}"
    return f"{name} ({item['role']})" if item.get("role") else name
