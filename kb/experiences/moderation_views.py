"""The review queue (``/moderation``): submitted write-ups, oldest first, with their comment
history, and the open reports from partners."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb.accounts.auth import role_required
from kb.db import session
from kb.experiences.access import MODERATOR_ROLES
from kb.experiences.forms import ResolveReportForm
from kb.experiences.models import Experience, ModerationComment, Report
from kb.experiences.operations import resolve_report
from kb.experiences.views import bp
from kb.experiences.vocabularies import REPORT_KINDS

COMMENT_ACTIONS = {
    "submit": "Soumise", "publish": "Publiée", "send_back": "Renvoyée au brouillon",
    "archive": "Archivée",
}


@bp.route("/moderation")
@role_required(*MODERATOR_ROLES)
def moderation():
    """What waits for review, oldest submission first, and the open reports."""
    waiting = waiting_experiences()
    return render_template(
        "moderation/queue.html", waiting=waiting,
        comments=comments_by_experience([e.id for e in waiting]),
        reports=open_reports(), report_kinds=dict(REPORT_KINDS),
        comment_actions=COMMENT_ACTIONS, resolve_form=ResolveReportForm(formdata=None),
        page_title="Modération",
    )


@bp.post("/moderation/signalements/<int:report_id>/traiter")
@role_required(*MODERATOR_ROLES)
def resolve(report_id: int):
    """Mark a report as dealt with."""
    report = session.get(Report, report_id)
    if report is None:
        abort(404)
    resolve_report(report, current_user)
    flash("Le signalement est marqué comme traité.", "success")
    return redirect(url_for("experiences.moderation"), 303)


def waiting_experiences() -> list[Experience]:
    """Submitted write-ups, the longest-waiting first."""
    query = (
        select(Experience).where(Experience.state == "soumise")
        .options(selectinload(Experience.organisation), selectinload(Experience.territory))
        .order_by(func.coalesce(Experience.submitted_at, Experience.created_at), Experience.id)
    )
    return list(session.scalars(query))


def comments_by_experience(ids: list[int]) -> dict[int, list[ModerationComment]]:
    """Every write-up's moderation comments, oldest first."""
    grouped: dict[int, list[ModerationComment]] = defaultdict(list)
    if not ids:
        return grouped
    query = (select(ModerationComment).where(ModerationComment.experience_id.in_(ids))
             .options(selectinload(ModerationComment.author))
             .order_by(ModerationComment.created_at, ModerationComment.id))
    for comment in session.scalars(query):
        grouped[comment.experience_id].append(comment)
    return grouped


def open_reports() -> list[Report]:
    """Reports not yet dealt with, oldest first."""
    query = (select(Report).where(Report.resolved_at.is_(None))
             .options(selectinload(Report.experience), selectinload(Report.user))
             .order_by(Report.created_at, Report.id))
    return list(session.scalars(query))
