"""Dealing with a report (issue 15; rules in ``docs/moderation.md``): every step is a
:class:`~kb.experiences.models.ReportEvent`, so that a report keeps its trail.

* a moderator **answers the reporter** (:func:`answer_reporter`) — by mail; the report may be
  closed at the same time;
* a moderator **asks the authors** (:func:`ask_authors`) — by mail; the authors see the report
  (never who filed it) and the question on their write-up's page, and **reply** there
  (:func:`reply_as_author`), which tells the moderators;
* a moderator **archives the write-up** (:func:`archive_reported`) — the write-up's usual
  archiving (the authors are told), and the report is closed;
* a moderator **closes** it (:func:`close_report`, « marquer comme traité »).

Each operation checks permission, validates, saves, queues its mail and leaves the commit to
the request.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb.accounts.models import utcnow
from kb.db import session
from kb.experiences import operations as ops
from kb.experiences.access import can_moderate, is_author
from kb.experiences.models import AUTHOR_VISIBLE_EVENTS, Experience, Report, ReportEvent
from kb.mail import notifications

MESSAGE_MAX = 5000
CLOSED = "Ce signalement est déjà clos."


def _message(body: str | None, missing: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ops.ExperienceInvalid({"body": missing})
    if len(body) > MESSAGE_MAX:
        raise ops.ExperienceInvalid({"body": f"Le message dépasse {MESSAGE_MAX} caractères."})
    return body


def _require_open(report: Report) -> None:
    if report.resolved_at is not None:
        raise ops.InvalidTransition(CLOSED)


def _event(report: Report, user, kind: str, body: str = "") -> ReportEvent:
    event = ReportEvent(kind=kind, author_id=user.id, body=body, created_at=utcnow())
    report.events.append(event)
    return event


def _close(report: Report, user) -> None:
    if report.resolved_at is None:
        report.resolved_at, report.resolved_by_id = utcnow(), user.id


# --------------------------------------------------------------------------- moderators


def answer_reporter(report: Report, moderator, body: str, close: bool = True) -> ReportEvent:
    """Write to the person who filed the report (by mail); close the report if ``close``."""
    ops._require(can_moderate(moderator))
    _require_open(report)
    body = _message(body, "Écrivez la réponse à la personne qui a signalé la fiche.")
    event = _event(report, moderator, "reponse", body)
    if close:
        _close(report, moderator)
        _event(report, moderator, "traite")
    session.flush()
    notifications.notify_report_answer(report, moderator, body)
    return event


def ask_authors(report: Report, moderator, body: str) -> ReportEvent:
    """Ask the write-up's authors about the report (by mail; they reply on their page)."""
    ops._require(can_moderate(moderator))
    _require_open(report)
    body = _message(body, "Écrivez la question à poser aux auteurs de la fiche.")
    event = _event(report, moderator, "question-auteurs", body)
    session.flush()
    notifications.notify_report_question(report, moderator, body)
    return event


def archive_reported(report: Report, moderator, comment: str = "") -> ReportEvent:
    """Archive the reported write-up (its authors are told, as for any archiving) and close
    the report."""
    ops._require(can_moderate(moderator))
    _require_open(report)
    ops.archive_experience(report.experience, moderator, comment)
    event = _event(report, moderator, "archivage", ops.check_comment(comment))
    _close(report, moderator)
    session.flush()
    return event


def close_report(report: Report, moderator) -> Report:
    """« Marquer comme traité »: the report is closed (already closed: nothing changes)."""
    ops._require(can_moderate(moderator))
    if report.resolved_at is None:
        _close(report, moderator)
        _event(report, moderator, "traite")
        session.flush()
    return report


# --------------------------------------------------------------------------- authors


def reply_as_author(report: Report, user, body: str) -> ReportEvent:
    """The write-up's authors answer about a report (the moderators are told)."""
    ops._require(is_author(report.experience, user) and user.role == "contributeur")
    _require_open(report)
    body = _message(body, "Écrivez votre réponse à la modération.")
    event = _event(report, user, "reponse-auteurs", body)
    session.flush()
    notifications.notify_report_author_reply(report, user, body)
    return event


def reports_for_authors(experience: Experience) -> list[dict]:
    """The reports about a write-up as its authors see them: kind, comment, date, whether
    open, and the steps they may read — never who filed it, nor the answer sent to them."""
    reports = session.scalars(
        select(Report).where(Report.experience_id == experience.id)
        .options(selectinload(Report.events).selectinload(ReportEvent.author))
        .order_by(Report.resolved_at.is_not(None), Report.created_at.desc(), Report.id.desc())
    ).all()
    return [{"report": report,
             "events": [e for e in report.events if e.kind in AUTHOR_VISIBLE_EVENTS],
             "asked": any(e.kind == "question-auteurs" for e in report.events)}
            for report in reports]


def open_report_counts(experience_ids: list[int]) -> dict[int, int]:
    """Open reports per write-up, for the authors' list on ``/compte``."""
    if not experience_ids:
        return {}
    rows = session.execute(
        select(Report.experience_id, func.count(Report.id))
        .where(Report.experience_id.in_(experience_ids), Report.resolved_at.is_(None))
        .group_by(Report.experience_id))
    return dict(rows.all())


def report_status(report: Report) -> str:
    """A report's state in words, for the queue and the pages."""
    if report.resolved_at is not None:
        return "Clos"
    kinds = [e.kind for e in report.events]
    if kinds and kinds[-1] == "question-auteurs":
        return "En attente des auteurs"
    if kinds and kinds[-1] == "reponse-auteurs":
        return "Réponse des auteurs reçue"
    return "À traiter"
