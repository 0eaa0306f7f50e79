"""Everything that changes a write-up, one operation per action.

Each operation checks permission, validates, saves, writes the revision, the moderation comment
and — when the published content changes — the search outbox entry, in the caller's transaction.
None commits: a request commits once at its end (see :mod:`kb.db`), a script calls
:func:`kb.db.commit`.

Life cycle::

    brouillon --submit--> soumise --publish--> publiee --archive--> archivee
        ^                    |                    ^                    |
        +-----send_back------+                    +------publish-------+

Authors (contributors of the filing or a co-filing organisation), moderators and admins edit,
submit and add follow-ups; moderators and admins publish, send back and archive. A
contributor's edit (or restore) of a published write-up does not change it: it waits for
review as a pending revision (:mod:`kb.experiences.pending`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import g
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, Forbidden

from kb.accounts.models import Organisation, utcnow
from kb.db import session
from kb.experiences import history, pending
from kb.experiences.access import can_edit, can_moderate
from kb.experiences.models import (
    CoFiler,
    Experience,
    ExperienceTerm,
    FollowUp,
    ModerationComment,
    Report,
    Revision,
    VocabularyTerm,
)
from kb.experiences.slugs import slugify
from kb.experiences.snapshot import VOCABULARY_FIELDS, experience_snapshot
from kb.experiences.validation import experience_errors, normalise, parse_month
from kb.experiences.vocabularies import BY_NAME
from kb.mail import notifications
from kb.search.models import enqueue
from kb.territories.models import Territory

CREATOR_ROLES = ("contributeur", "moderateur", "admin")
COMMENT_MAX = 5000
FOLLOW_UP_MAX = 20_000

_PLAIN_FIELDS = (
    "title", "summary", "context", "actions", "results", "lessons", "project_state",
    "budget_eur", "schools", "pupils", "teachers", "partners", "evidence",
    "contact_name", "contact_role", "contact_email",
)


class PermissionDenied(Forbidden):
    """The user may not do this to this write-up (a 403 page when raised in a view)."""

    description = "Vous n'avez pas les droits nécessaires pour effectuer cette action."


class InvalidTransition(Conflict):
    """The action does not apply to the write-up's current state (a 409 page in a view)."""


class ExperienceInvalid(ValueError):
    """The data breaks a rule; ``errors`` maps each faulty field to a French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class EditConflict(Exception):
    """Someone saved the write-up after the editor opened it: nothing is overwritten.

    ``changes`` are the other person's changes (from the version the editor started from to
    the current one), or, when that version is unknown, what differs between the editor's text
    and the current one. ``version`` and ``revision`` are the current ones, for a deliberate
    second save.
    """

    changes: list = field(default_factory=list)
    version: int = 0
    revision: Revision | None = None
    base_known: bool = True
    pending_version: int | None = None


# --------------------------------------------------------------------------- editing


def create_experience(user, data: dict, organisation: Organisation | None = None) -> Experience:
    """File a new write-up (``brouillon``) for the user's organisation — or, for a moderator
    or admin, for ``organisation``."""
    organisation = _filing_organisation(user, organisation)
    data = _valid_data(data, organisation.id)
    experience = Experience(organisation_id=organisation.id, state="brouillon",
                            created_by_id=user.id, evidence="aucune")
    with session.no_autoflush:
        _apply(experience, data)
    session.add(experience)
    session.flush()
    history.record_revision(experience, user, "create", normalise({}))
    return experience


def update_experience(experience: Experience, user, data: dict, base_version: int,
                      base_revision: int | None = None, pending_version: int | None = None):
    """Save an edit made from version ``base_version`` (and revision ``base_revision``).

    Refused with :class:`EditConflict` when someone else changed the content meanwhile; a
    version bumped only by a state change (submission, publication…) is no conflict. Returns
    ``None`` when the data changes nothing. A contributor's edit of a published write-up is
    kept for review instead (a :class:`~kb.experiences.models.PendingRevision` is returned;
    ``pending_version`` is the version of the draft of changes the editor started from).
    """
    _require(can_edit(experience, user))
    data = _valid_data(data, experience.organisation_id)
    before, previous_at = experience_snapshot(experience), experience.updated_at
    _check_version(experience, before, data, base_version, base_revision)
    if pending.needs_review(experience, user):
        return pending.propose_edit(experience, user, data, pending_version)
    with session.no_autoflush:
        _apply(experience, data)
        if experience_snapshot(experience) == before:
            return None
        experience.updated_at = utcnow()
    _flush_or_conflict(experience, data, base_revision)
    history.record_revision(experience, user, "update", before, previous_at=previous_at)
    _index_if_published(experience)
    return experience


def restore_revision(experience: Experience, user, number: int):
    """Make revision ``number``'s content current again, as a new revision — or, for a
    contributor on a published write-up, propose it for review (the pending revision is
    returned, ``None`` when it is the published content already)."""
    _require(can_edit(experience, user))
    revision = history.get_revision(experience.id, number)
    if revision is None:
        raise InvalidTransition(f"La version n° {number} de cette fiche n'existe pas.")
    data = _restorable(revision.data, experience.organisation_id)
    if pending.needs_review(experience, user):
        return pending.propose_edit(experience, user, data, None)
    before, previous_at = experience_snapshot(experience), experience.updated_at
    with session.no_autoflush:
        _apply(experience, data)
        experience.updated_at = utcnow()
    _flush_or_refuse()
    restored = history.record_revision(
        experience, user, "restore", before, previous_at=previous_at,
        comment=f"Restauration de la version n° {number}",
    )
    _index_if_published(experience)
    return restored


def add_follow_up(experience: Experience, user, entry_date: date, body: str,
                  title: str = "") -> FollowUp:
    """Add a dated follow-up entry (*suivi*) to a published write-up, without new review."""
    _require(can_edit(experience, user))
    _require_state(experience, ("publiee",), "Un suivi s'ajoute à une fiche publiée.")
    _check_follow_up(entry_date, body, title)
    _change_state(experience, user, "follow_up", experience.state, title.strip() or "Suivi")
    entry = FollowUp(experience_id=experience.id, author_id=user.id, entry_date=entry_date,
                     title=title.strip(), body=body.strip())
    experience.follow_ups.append(entry)
    session.flush()
    _index_if_published(experience)
    return entry


def _check_follow_up(entry_date: date | None, body: str, title: str) -> None:
    errors = {}
    if entry_date is None:
        errors["entry_date"] = "Indiquez la date du point d'étape."
    elif entry_date > date.today():
        errors["entry_date"] = "La date ne peut pas être dans le futur."
    if not (body or "").strip():
        errors["body"] = "Décrivez où en est le projet."
    elif len(body) > FOLLOW_UP_MAX:
        errors["body"] = f"Le texte ne doit pas dépasser {FOLLOW_UP_MAX} caractères."
    if len(title or "") > 200:
        errors["title"] = "Le titre ne doit pas dépasser 200 caractères."
    if errors:
        raise ExperienceInvalid(errors)


# --------------------------------------------------------------------------- life cycle


def submit_experience(experience: Experience, user, comment: str = "") -> Experience:
    """Send a draft to the moderators."""
    _require(can_edit(experience, user))
    _require_state(experience, ("brouillon",), "Seul un brouillon peut être soumis.")
    _change_state(experience, user, "submit", "soumise", comment, submitted_at=utcnow())
    return experience


def publish_experience(experience: Experience, user, comment: str = "") -> Experience:
    """Publish a submitted (or republish an archived) write-up, recording who and when."""
    _require(can_moderate(user))
    _require_state(experience, ("soumise", "archivee"),
                   "Seule une fiche soumise ou archivée peut être publiée.")
    _change_state(experience, user, "publish", "publiee", comment,
                  published_at=utcnow(), published_by_id=user.id, archived_at=None)
    enqueue(session, experience.id, "upsert")
    return experience


def send_back_experience(experience: Experience, user, comment: str) -> Experience:
    """Return a submitted write-up to its authors as a draft, saying what to change."""
    _require(can_moderate(user))
    _require_state(experience, ("soumise",), "Seule une fiche soumise peut être renvoyée.")
    if not (comment or "").strip():
        raise ExperienceInvalid({"comment": "Expliquez aux auteurs ce qu'il faut modifier."})
    _change_state(experience, user, "send_back", "brouillon", comment)
    return experience


def archive_experience(experience: Experience, user, comment: str = "") -> Experience:
    """Withdraw a published write-up from the public, the search and the exports."""
    _require(can_moderate(user))
    _require_state(experience, ("publiee",), "Seule une fiche publiée peut être archivée.")
    _change_state(experience, user, "archive", "archivee", comment, archived_at=utcnow())
    enqueue(session, experience.id, "delete")
    return experience


def resolve_report(report: Report, user) -> Report:
    """Mark a report to the moderators as dealt with."""
    _require(can_moderate(user))
    if report.resolved_at is None:
        report.resolved_at = utcnow()
        report.resolved_by_id = user.id
    return report


def _change_state(experience: Experience, user, action: str, state: str, comment: str,
                  **attributes) -> None:
    """Move to ``state`` (setting ``attributes``); record the revision and the comment that
    authors and moderators read."""
    comment = check_comment(comment)
    before, previous_at = experience_snapshot(experience), experience.updated_at
    for name, value in {**attributes, "state": state, "updated_at": utcnow()}.items():
        setattr(experience, name, value)
    _flush_or_refuse()
    history.record_revision(experience, user, action, before, comment=comment,
                            previous_at=previous_at)
    if action != "follow_up":
        session.add(ModerationComment(experience_id=experience.id, author_id=user.id,
                                      action=action, body=comment))
    notifications.notify_experience_event(experience, user, action, comment)


def check_comment(comment: str | None) -> str:
    """The comment stripped, refused when too long."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ExperienceInvalid({"comment": f"Le commentaire dépasse {COMMENT_MAX} caractères."})
    return comment


# --------------------------------------------------------------------------- helpers


def _flush_or_refuse() -> None:
    """Flush; when another transaction changed the write-up first, roll back and refuse."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise InvalidTransition(
            "Cette fiche vient d'être modifiée par quelqu'un d'autre. Rechargez la page et "
            "recommencez."
        ) from None


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def _require_state(experience: Experience, states: tuple[str, ...], message: str) -> None:
    if experience.state not in states:
        raise InvalidTransition(message)


def _filing_organisation(user, organisation: Organisation | None) -> Organisation:
    """Contributors file for their own organisation; moderators and admins for any."""
    if user is None or user.role not in CREATOR_ROLES:
        raise PermissionDenied()
    if user.role == "contributeur":
        if user.organisation is None:
            raise PermissionDenied("Votre compte n'est rattaché à aucune organisation : "
                                   "demandez à un administrateur de l'y rattacher.")
        return user.organisation
    organisation = organisation or user.organisation
    if organisation is None:
        raise ExperienceInvalid(
            {"organisation_id": "Choisissez l'organisation qui dépose la fiche."})
    return organisation


def _valid_data(data: dict, organisation_id: int) -> dict:
    data = normalise(data)
    errors = experience_errors(data)
    if any(c.get("organisation_id") == organisation_id for c in data["cofilers"]):
        errors.setdefault("cofilers", "L'organisation qui dépose la fiche n'a pas à être "
                                      "indiquée comme co-déposante.")
    if errors:
        raise ExperienceInvalid(errors)
    return data


def _restorable(data: dict, organisation_id: int) -> dict:
    """An old snapshot made valid today: co-filers merged away or now filing are dropped."""
    data = normalise(data)
    data["cofilers"] = [
        c for c in data["cofilers"]
        if c.get("organisation_id") != organisation_id
        and session.get(Organisation, c.get("organisation_id") or 0) is not None
    ]
    return _valid_data(data, organisation_id)


def _apply(experience: Experience, data: dict) -> None:
    """Copy validated data onto the write-up, deriving the slug, département and région."""
    for name in _PLAIN_FIELDS:
        setattr(experience, name, data[name])
    territory = session.get(Territory, data["territory_code"])
    experience.territory = territory
    experience.territory_code = territory.code
    experience.departement, experience.region = territory_area(territory)
    experience.start_month = parse_month(data["start"])
    experience.end_month = parse_month(data["end"])
    experience.funders = list(data["funders"])
    experience.links = list(data["links"])
    experience.slug = slugify(data["title"])
    _set_terms(experience, data)
    _set_cofilers(experience, data["cofilers"])


def territory_area(territory: Territory) -> tuple[str | None, str | None]:
    """(département, région) a write-up on ``territory`` counts in: a commune or an EPCI gives
    its own, a département itself and its région, a région only itself."""
    if territory.kind == "region":
        return None, territory.region or territory.insee
    if territory.kind == "departement":
        return territory.departement or territory.insee, territory.region
    return territory.departement, territory.region


def _set_terms(experience: Experience, data: dict) -> None:
    """Make the write-up's vocabulary terms those of ``data``, keeping the unchanged rows."""
    wanted = {(VOCABULARY_FIELDS[name], code): position
              for name in VOCABULARY_FIELDS for position, code in enumerate(data[name])}
    for term in list(experience.terms):
        key = (term.vocabulary, term.code)
        if key in wanted:
            term.position = wanted.pop(key)
        else:
            experience.terms.remove(term)
    for (vocabulary, code), position in wanted.items():
        experience.terms.append(ExperienceTerm(vocabulary=vocabulary, code=code, position=position))
    experience.terms.sort(key=lambda t: (t.vocabulary, t.position))


def _set_cofilers(experience: Experience, cofilers: list[dict]) -> None:
    wanted = {c["organisation_id"]: (c.get("role") or "").strip() for c in cofilers}
    for cofiler in list(experience.cofilers):
        if cofiler.organisation_id in wanted:
            cofiler.role = wanted.pop(cofiler.organisation_id)
        else:
            experience.cofilers.remove(cofiler)
    for organisation_id, role in wanted.items():
        experience.cofilers.append(CoFiler(
            organisation_id=organisation_id, role=role,
            organisation=session.get(Organisation, organisation_id),
        ))


def _check_version(experience: Experience, current: dict, data: dict, base_version: int,
                   base_revision: int | None) -> None:
    """Refuse an edit started before someone else's content change."""
    if experience.version == base_version:
        return
    base = history.get_revision(experience.id, base_revision) if base_revision else None
    if base is not None and normalise(base.data) == current:
        return  # only the state changed meanwhile (submitted, published, follow-up…)
    raise _conflict(experience, current, data, base)


def _flush_or_conflict(experience: Experience, data: dict, base_revision: int | None) -> None:
    """Flush; when another transaction saved the same write-up first, roll back and refuse."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        base = history.get_revision(experience.id, base_revision) if base_revision else None
        raise _conflict(experience, experience_snapshot(experience), data, base) from None


def _conflict(experience: Experience, current: dict, data: dict,
              base: Revision | None) -> EditConflict:
    latest = history.get_revision(experience.id, history.latest_revision_number(experience.id))
    if base is not None:
        changes = history.compare(normalise(base.data), current)
    else:
        changes = history.compare(data, current)
    return EditConflict(changes=changes, version=experience.version, revision=latest,
                        base_known=base is not None)


def _index_if_published(experience: Experience) -> None:
    """Published content changed: the index must follow (outbox, same transaction)."""
    if experience.state == "publiee":
        enqueue(session, experience.id, "upsert")


# --------------------------------------------------------------------------- vocabularies


def update_term_labels(vocabulary: str, labels: dict[str, str], user) -> list[str]:
    """Change the French labels of a vocabulary's codes (codes never change); the published
    write-ups showing a changed label are re-indexed. Returns the codes whose label changed."""
    if user is None or user.role != "admin":
        raise PermissionDenied()
    definition = BY_NAME[vocabulary]
    errors = {code: "Le libellé doit compter de 1 à 200 caractères."
              for code, label in labels.items()
              if code in definition.codes and not 1 <= len((label or "").strip()) <= 200}
    if errors:
        raise ExperienceInvalid(errors)
    terms = {t.code: t for t in session.scalars(
        select(VocabularyTerm).where(VocabularyTerm.vocabulary == vocabulary))}
    changed = [code for position, code in enumerate(definition.codes)
               if _set_label(terms, vocabulary, code, position, labels.get(code))]
    session.flush()
    g.pop("kb_term_labels", None)
    for experience_id in _published_with_terms(vocabulary, changed):
        enqueue(session, experience_id, "upsert")
    return changed


def _set_label(terms: dict, vocabulary: str, code: str, position: int, label: str | None) -> bool:
    if label is None:
        return False
    label = label.strip()
    term = terms.get(code)
    if term is None:
        session.add(VocabularyTerm(vocabulary=vocabulary, code=code, label=label,
                                   position=position))
        return True
    if term.label == label:
        return False
    term.label = label
    return True


def _published_with_terms(vocabulary: str, codes: list[str]) -> list[int]:
    if not codes:
        return []
    if vocabulary == "organisation":
        query = (select(Experience.id)
                 .join(Organisation, Organisation.id == Experience.organisation_id)
                 .where(Organisation.kind.in_(codes)))
    else:
        query = select(ExperienceTerm.experience_id).join(Experience).where(
            ExperienceTerm.vocabulary == vocabulary, ExperienceTerm.code.in_(codes))
    query = query.where(Experience.state == "publiee").distinct()
    return sorted(session.scalars(query))
