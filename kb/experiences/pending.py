"""Edits of published write-ups wait for review (issue 15; rules in ``docs/moderation.md``).

When a contributor saves changes to a published write-up, the write-up itself does not change:
the changes are kept as a :class:`~kb.experiences.models.PendingRevision` (a snapshot of the
proposed write-up, in the JSON shape revisions use) and listed on ``/moderation``. The
published version stays public, in the search index, the feeds and the exports, until a
moderator approves the changes — they then become the published version, as a new revision,
and only then is the index told (outbox). A moderator may instead send them back with a
comment: the authors rework the same draft of changes and save it again to resubmit.

Moderators and admins editing a published write-up change it at once (they are the
reviewers); follow-ups (*suivis*) are added without review, as SPEC section 5 says.

Like :mod:`kb.experiences.operations`, each operation checks permission, validates, saves,
records the trail and leaves the commit to the request.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from kb.accounts.models import utcnow
from kb.db import session
from kb.experiences import history
from kb.experiences import operations as ops
from kb.experiences.access import MODERATOR_ROLES, can_edit, can_moderate
from kb.experiences.models import (
    OPEN_PENDING_STATUSES,
    Experience,
    ModerationComment,
    PendingRevision,
)
from kb.experiences.snapshot import experience_snapshot
from kb.experiences.validation import normalise
from kb.mail import notifications
from kb.search.models import enqueue

PENDING_CHANGED = ("Quelqu'un a modifié ces changements en attente pendant que vous les "
                   "modifiiez.")


def needs_review(experience: Experience, user) -> bool:
    """Whether ``user``'s edit of ``experience`` waits for a moderator: a published write-up
    edited by anyone but a moderator or an admin."""
    return experience.state == "publiee" and getattr(user, "role", None) not in MODERATOR_ROLES


def open_pending_revision(experience_id: int) -> PendingRevision | None:
    """The write-up's draft of changes waiting for review or sent back, if any."""
    return session.scalars(
        select(PendingRevision)
        .where(PendingRevision.experience_id == experience_id,
               PendingRevision.status.in_(OPEN_PENDING_STATUSES))
        .order_by(PendingRevision.id.desc())
    ).first()


def waiting_pending_revisions() -> list[PendingRevision]:
    """Changes to published write-ups waiting for review, the longest-waiting first."""
    return list(session.scalars(
        select(PendingRevision).where(PendingRevision.status == "en-attente")
        .options(selectinload(PendingRevision.experience).selectinload(Experience.organisation),
                 selectinload(PendingRevision.author))
        .order_by(PendingRevision.submitted_at, PendingRevision.id)
    ))


def with_open_changes(experience_ids: list[int]) -> set[int]:
    """Which of these write-ups have open changes (for listings: « modifications en
    attente »)."""
    if not experience_ids:
        return set()
    return set(session.scalars(
        select(PendingRevision.experience_id).where(
            PendingRevision.experience_id.in_(experience_ids),
            PendingRevision.status.in_(OPEN_PENDING_STATUSES)).distinct()
    ))


def pending_changes(pending: PendingRevision) -> list:
    """Field by field, what the changes would do to the published write-up."""
    published = experience_snapshot(pending.experience)
    return history.compare(published, normalise(pending.data))


# --------------------------------------------------------------------------- authors


def propose_edit(experience: Experience, user, data: dict,
                 pending_version: int | None) -> PendingRevision | None:
    """Keep validated ``data`` as the write-up's changes waiting for review (one draft of
    changes per write-up, reworked by every author). ``pending_version`` is the version of
    the open draft the editor started from (``None`` when there was none): a draft saved by
    someone else meanwhile is never overwritten silently. Returns ``None`` when nothing would
    change; saving the published content unchanged withdraws the open draft."""

    ops._require(can_edit(experience, user))
    data = _snapshot_shape(data)
    pending = open_pending_revision(experience.id)
    if pending is not None and pending_version is not None and pending.version != pending_version:
        raise ops.EditConflict(changes=history.compare(data, normalise(pending.data)),
                           version=experience.version, revision=_latest(experience),
                           pending_version=pending.version)
    if data == experience_snapshot(experience):
        if pending is not None:
            withdraw_pending_revision(pending, user)
        return None
    if pending is not None and pending.status == "en-attente" and normalise(pending.data) == data:
        return None
    return _save_pending(experience, user, data, pending)


def _snapshot_shape(data: dict) -> dict:
    """Validated form data in the exact shape of a snapshot (co-filers carry their name), so
    that unchanged content compares equal to the published write-up."""
    from kb.accounts.models import Organisation

    cofilers = []
    for cofiler in data["cofilers"]:
        organisation = session.get(Organisation, cofiler.get("organisation_id") or 0)
        cofilers.append({"organisation_id": cofiler.get("organisation_id"),
                         "name": organisation.name if organisation else "",
                         "role": (cofiler.get("role") or "").strip()})
    return {**data, "cofilers": cofilers}


def _save_pending(experience: Experience, user, data: dict,
                  pending: PendingRevision | None) -> PendingRevision:
    resubmitted = pending is None or pending.status != "en-attente"
    if pending is None:
        pending = PendingRevision(experience_id=experience.id,
                                  base_revision=history.latest_revision_number(experience.id))
        session.add(pending)
    pending.data, pending.author_id, pending.status = data, user.id, "en-attente"
    if resubmitted:
        pending.submitted_at = utcnow()
        session.add(ModerationComment(experience_id=experience.id, author_id=user.id,
                                      action="edit_submit", body=""))
        notifications.notify_experience_event(experience, user, "edit_submit")
    _flush_pending(pending)
    return pending


def withdraw_pending_revision(pending: PendingRevision, user) -> PendingRevision:
    """The authors drop their changes: the published version stays as it is."""

    ops._require(can_edit(pending.experience, user))
    _require_open(pending, OPEN_PENDING_STATUSES)
    _decide(pending, user, "retiree", "")
    session.add(ModerationComment(experience_id=pending.experience_id, author_id=user.id,
                                  action="edit_withdraw", body=""))
    _flush_pending(pending)
    return pending


# --------------------------------------------------------------------------- moderators


def approve_pending_revision(pending: PendingRevision, moderator, comment: str = ""):
    """Make the changes the published version (a new revision, then the index follows).

    Refused when the published content changed since the changes were proposed (a
    moderator's own edit): approving would silently undo it."""

    ops._require(can_moderate(moderator))
    _require_open(pending, ("en-attente",))
    experience = pending.experience
    if experience.state != "publiee":
        raise ops.InvalidTransition(
            "Ces modifications portent sur une fiche qui n'est plus publiée.")
    if _published_changed_since(pending):
        raise ops.InvalidTransition(
            "La version publiée a changé depuis que ces modifications ont été proposées : "
            "renvoyez-les aux auteurs pour qu'ils les reportent sur la version actuelle.")
    comment = ops.check_comment(comment)
    data = ops._restorable(pending.data, experience.organisation_id)
    before, previous_at = experience_snapshot(experience), experience.updated_at
    with session.no_autoflush:
        ops._apply(experience, data)
        experience.updated_at = utcnow()
    ops._flush_or_refuse()
    revision = history.record_revision(
        experience, moderator, "approve_edit", before, previous_at=previous_at,
        comment=comment or _proposed_by(pending))
    _decide(pending, moderator, "approuvee", comment)
    pending.revision_number = revision.number
    _trail(pending, moderator, "edit_approve", comment)
    enqueue(session, experience.id, "upsert")
    return revision


def send_back_pending_revision(pending: PendingRevision, moderator,
                               comment: str) -> PendingRevision:
    """Return the changes to the authors with what to rework; the published version stays."""

    ops._require(can_moderate(moderator))
    _require_open(pending, ("en-attente",))
    if not (comment or "").strip():
        raise ops.ExperienceInvalid({"comment": "Expliquez aux auteurs ce qu'il faut modifier."})
    comment = ops.check_comment(comment)
    _decide(pending, moderator, "renvoyee", comment)
    _trail(pending, moderator, "edit_send_back", comment)
    return pending


# --------------------------------------------------------------------------- helpers


def _require_open(pending: PendingRevision, statuses: tuple[str, ...]) -> None:

    if pending.status not in statuses:
        raise ops.InvalidTransition("Ces modifications ont déjà été traitées.")


def _decide(pending: PendingRevision, user, status: str, comment: str) -> None:
    pending.status, pending.comment = status, comment
    pending.decided_at, pending.decided_by_id = utcnow(), user.id


def _trail(pending: PendingRevision, moderator, action: str, comment: str) -> None:
    """The comment authors and moderators read on the write-up, and the authors' mail."""
    session.add(ModerationComment(experience_id=pending.experience_id, author_id=moderator.id,
                                  action=action, body=comment))
    _flush_pending(pending)
    notifications.notify_experience_event(pending.experience, moderator, action, comment)


def _flush_pending(pending: PendingRevision) -> None:

    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise ops.InvalidTransition(
            PENDING_CHANGED + " Rechargez la page et recommencez.") from None


def _published_changed_since(pending: PendingRevision) -> bool:
    base = history.get_revision(pending.experience_id, pending.base_revision or 0)
    if base is None:
        return False
    return normalise(base.data) != experience_snapshot(pending.experience)


def _proposed_by(pending: PendingRevision) -> str:
    from kb.web import format_date

    who = pending.author.name if pending.author else "les auteurs"
    return f"Modifications proposées par {who} le {format_date(pending.submitted_at)}, relues."


def _latest(experience: Experience):
    return history.get_revision(experience.id, history.latest_revision_number(experience.id))
