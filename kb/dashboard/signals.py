"""Signals on published write-ups and the analysts' label: named operations.

* *Intéressé* (:func:`interest_toggle`): a bookmark; the authors see the count and who.
* *Nous l'avons fait aussi* (:func:`replication_create`): one of the partner's own published
  write-ups declared as a replica of another organisation's. A replica whose project started
  before its source's is a confirm-to-proceed warning (:class:`EarlyReplication`), not a
  refusal: month dates typed by authors are often approximate, and a partner may have piloted
  first and then scaled up after the source; the warning catches the wrong write-up picked or a
  date mistyped, the confirmation keeps real links possible (issue 15).
* *Signaler* (:func:`report_create`): outdated, erroneous or duplicate, for the moderators, who
  list them with :func:`open_reports` and close them with :func:`report_resolve`.
* *Pratique à essaimer* (:func:`label_set`, :func:`label_remove`): analysts and admins.

Each operation checks permission, saves, and writes the search outbox entry when what the index
holds changes (the label is a facet and a sort key, the replication count a record field); the
commit is left to the request.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb.accounts.models import User, utcnow
from kb.db import session
from kb.experiences.access import get_experience_or_404, is_author
from kb.experiences.models import (
    CoFiler,
    Experience,
    Interest,
    Label,
    Replication,
    Report,
)
from kb.experiences.vocabularies import REPORT_KIND_CODES
from kb.mail import notifications
from kb.search.models import enqueue

LABELLER_ROLES = ("analyste", "admin")


class EarlyReplication(Exception):
    """The replica's project started before its source's: linking them needs a confirmation.
    ``str()`` is the French warning shown above the form."""


def get_published_experience_or_404(experience_id: int) -> Experience:
    """The write-up through the usual loader, and 404 unless it is published: signals and
    labels only apply to what the public can read."""
    experience = get_experience_or_404(experience_id)
    if not experience.is_published:
        abort(404)
    return experience


def can_label(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role in LABELLER_ROLES)


# --------------------------------------------------------------------------- interest


def has_interest(experience: Experience, user: User) -> bool:
    return session.get(Interest, (user.id, experience.id)) is not None


def interest_toggle(experience: Experience, user: User) -> bool:
    """Declare or withdraw *Intéressé*; returns whether the user is now interested.

    Authors do not declare interest in their own write-up (403)."""
    if is_author(experience, user):
        abort(403)
    interest = session.get(Interest, (user.id, experience.id))
    if interest is not None:
        session.delete(interest)
        return False
    session.add(Interest(user_id=user.id, experience_id=experience.id))
    notifications.record_signal(experience, user, "interet")
    return True


def interested_users(experience: Experience) -> list[User]:
    """Who declared interest, most recent first (shown to the authors only)."""
    return list(session.scalars(
        select(User).join(Interest, Interest.user_id == User.id)
        .where(Interest.experience_id == experience.id)
        .options(selectinload(User.organisation))
        .order_by(Interest.created_at.desc(), User.id)
    ))


def interest_count(experience: Experience) -> int:
    return session.scalar(
        select(func.count()).select_from(Interest).where(Interest.experience_id == experience.id)
    ) or 0


# --------------------------------------------------------------------------- replication


def replica_candidates(source: Experience, user: User) -> list[Experience]:
    """The user's organisation's published write-ups that may be declared as replicas of
    ``source``: filed or co-filed by it, not ``source`` itself, not already linked."""
    if user.organisation_id is None:
        return []
    cofiled = select(CoFiler.experience_id).where(CoFiler.organisation_id == user.organisation_id)
    linked = select(Replication.replica_id).where(Replication.source_id == source.id)
    return list(session.scalars(
        select(Experience).where(
            Experience.state == "publiee",
            (Experience.organisation_id == user.organisation_id) | Experience.id.in_(cofiled),
            Experience.id != source.id,
            Experience.id.not_in(linked),
        ).order_by(Experience.title, Experience.id)
    ))


def can_replicate(source: Experience, user) -> bool:
    """Signed-in partners of another organisation than the authors'."""
    return bool(getattr(user, "is_authenticated", False)) and not is_author(source, user)


def replication_date_warning(source: Experience, replica: Experience) -> str | None:
    """The French warning when ``replica`` started before ``source`` (both dates known)."""
    from kb.web import format_month

    if not (source.start_month and replica.start_month):
        return None
    if replica.start_month >= source.start_month:
        return None
    return (f"Votre projet « {replica.title} » a commencé en "
            f"{format_month(replica.start_month)}, avant celui-ci "
            f"({format_month(source.start_month)}) : une reprise commence d'ordinaire après le "
            "projet dont elle s'inspire. Vérifiez que vous avez choisi la bonne fiche et que "
            "ses dates sont justes ; si votre projet s'en est bien inspiré, confirmez le lien.")


def replication_create(source: Experience, replica: Experience, user: User,
                       confirmed_early_start: bool = False) -> Replication:
    """Declare *nous l'avons fait aussi*: ``replica`` (the user's own) reproduces ``source``.

    403 unless ``replica`` is one of the user's organisation's published write-ups and
    ``source`` is not; an existing link is returned as it is. :class:`EarlyReplication` when
    ``replica`` started before ``source`` and the user has not confirmed it."""
    if not can_replicate(source, user) or not is_author(replica, user):
        abort(403)
    if not replica.is_published or replica.id == source.id:
        abort(403)
    existing = session.scalar(select(Replication).where(
        Replication.source_id == source.id, Replication.replica_id == replica.id
    ))
    if existing is not None:
        return existing
    warning = replication_date_warning(source, replica)
    if warning and not confirmed_early_start:
        raise EarlyReplication(warning)
    replication = Replication(source_id=source.id, replica_id=replica.id, created_by_id=user.id)
    session.add(replication)
    enqueue(session, source.id)  # the open-data record carries the replication count
    notifications.record_signal(source, user, "reprise")
    return replication


def replications_of(source: Experience) -> list[Replication]:
    """Published replicas of ``source`` with their territories, oldest first."""
    replica = Replication.replica
    return list(session.scalars(
        select(Replication).join(replica)
        .where(Replication.source_id == source.id, Experience.state == "publiee")
        .options(selectinload(replica).selectinload(Experience.territory),
                 selectinload(replica).selectinload(Experience.organisation))
        .order_by(Replication.created_at, Replication.id)
    ))


# --------------------------------------------------------------------------- reports


def report_create(experience: Experience, user: User, kind: str, comment: str) -> Report:
    """Report a write-up to the moderators."""
    if kind not in REPORT_KIND_CODES:
        abort(400)
    report = Report(experience_id=experience.id, user_id=user.id, kind=kind,
                    comment=comment.strip())
    session.add(report)
    session.flush()
    notifications.notify_report(report, user)
    return report


def open_reports(limit: int | None = None) -> list[Report]:
    """Unresolved reports, oldest first, with their write-up and author loaded (for
    ``/moderation``)."""
    query = (
        select(Report).where(Report.resolved_at.is_(None))
        .options(selectinload(Report.experience), selectinload(Report.user))
        .order_by(Report.created_at, Report.id)
    )
    return list(session.scalars(query.limit(limit) if limit else query))


def open_reports_count() -> int:
    return session.scalar(
        select(func.count(Report.id)).where(Report.resolved_at.is_(None))
    ) or 0


def report_resolve(report: Report, user: User) -> Report:
    """Close a report (a moderator has dealt with it)."""
    report.resolved_at = utcnow()
    report.resolved_by_id = user.id
    return report


# --------------------------------------------------------------------------- label


def label_set(experience: Experience, user: User, justification: str) -> Label:
    """Label (or re-justify) a published write-up *pratique à essaimer*; analysts and admins."""
    if not can_label(user):
        abort(403)
    label = experience.label
    if label is None:
        label = Label(experience_id=experience.id)
        experience.label = label
    label.justification = justification.strip()
    label.analyst_id = user.id
    enqueue(session, experience.id)
    return label


def label_remove(experience: Experience, user: User) -> None:
    """Remove the label; analysts and admins."""
    if not can_label(user):
        abort(403)
    if experience.label is None:
        return
    experience.label = None  # delete-orphan: the row goes at flush
    enqueue(session, experience.id)
