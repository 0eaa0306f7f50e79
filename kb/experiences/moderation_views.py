"""The review queue (``/moderation``): submitted write-ups, oldest first, with their comment
history; changes to published write-ups waiting for review (each with its review page); and the
open reports from partners."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb.accounts.auth import role_required
from kb.db import session
from kb.experiences import reports
from kb.experiences.access import MODERATOR_ROLES
from kb.experiences.forms import (
    ReportAnswerForm,
    ReportArchiveForm,
    ReportQuestionForm,
    ResolveReportForm,
    SendBackForm,
    StateChangeForm,
)
from kb.experiences.models import Experience, ModerationComment, PendingRevision, Report
from kb.experiences.operations import ExperienceInvalid
from kb.experiences.pending import (
    approve_pending_revision,
    pending_changes,
    send_back_pending_revision,
    waiting_pending_revisions,
)
from kb.experiences.views import bp
from kb.experiences.vocabularies import REPORT_KINDS

REPORT_EVENT_LABELS = {
    "reponse": "Réponse à la personne qui a signalé", "question-auteurs": "Question aux auteurs",
    "reponse-auteurs": "Réponse des auteurs", "archivage": "Fiche archivée",
    "traite": "Signalement clos",
}
COMMENT_ACTIONS = {
    "submit": "Soumise", "publish": "Publiée", "send_back": "Renvoyée au brouillon",
    "archive": "Archivée", "edit_submit": "Modifications proposées",
    "edit_approve": "Modifications publiées", "edit_send_back": "Modifications renvoyées",
    "edit_withdraw": "Modifications retirées",
}


@bp.route("/moderation")
@role_required(*MODERATOR_ROLES)
def moderation():
    """What waits for review, oldest submission first, and the open reports."""
    waiting = waiting_experiences()
    return render_template(
        "moderation/queue.html", waiting=waiting, pending_edits=waiting_pending_revisions(),
        comments=comments_by_experience([e.id for e in waiting]),
        reports=open_reports(), report_kinds=dict(REPORT_KINDS),
        report_status=reports.report_status,
        comment_actions=COMMENT_ACTIONS, resolve_form=ResolveReportForm(formdata=None),
        page_title="Modération",
    )


@bp.route("/moderation/signalements/<int:report_id>")
@role_required(*MODERATOR_ROLES)
def report_page(report_id: int):
    """A report: who filed it and why, its trail, and what a moderator can do with it —
    answer the reporter, ask the authors, archive the write-up, close it."""
    return _report_page(_report_or_404(report_id))


@bp.post("/moderation/signalements/<int:report_id>/repondre")
@role_required(*MODERATOR_ROLES)
def report_answer(report_id: int):
    """Answer the person who filed the report (and close it, unless unticked)."""
    report = _report_or_404(report_id)
    form = ReportAnswerForm(prefix="answer")
    return _report_step(report, "answer", form,
                        lambda: reports.answer_reporter(report, current_user, form.body.data,
                                                        close=form.close.data),
                        "Votre réponse est envoyée à la personne qui a signalé la fiche.")


@bp.post("/moderation/signalements/<int:report_id>/demander-aux-auteurs")
@role_required(*MODERATOR_ROLES)
def report_ask_authors(report_id: int):
    """Ask the write-up's authors; they see the report and reply on their page."""
    report = _report_or_404(report_id)
    form = ReportQuestionForm(prefix="question")
    return _report_step(report, "question", form,
                        lambda: reports.ask_authors(report, current_user, form.body.data),
                        "Votre question est envoyée aux auteurs de la fiche.")


@bp.post("/moderation/signalements/<int:report_id>/archiver")
@role_required(*MODERATOR_ROLES)
def report_archive(report_id: int):
    """Archive the reported write-up and close the report."""
    report = _report_or_404(report_id)
    form = ReportArchiveForm(prefix="archive")
    return _report_step(report, "archive", form,
                        lambda: reports.archive_reported(report, current_user,
                                                         form.comment.data or ""),
                        "La fiche est archivée et le signalement clos.")


@bp.post("/moderation/signalements/<int:report_id>/traiter")
@role_required(*MODERATOR_ROLES)
def resolve(report_id: int):
    """Mark a report as dealt with."""
    report = _report_or_404(report_id)
    reports.close_report(report, current_user)
    flash("Le signalement est marqué comme traité.", "success")
    return redirect(url_for("experiences.moderation"), 303)


def _report_or_404(report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        abort(404)
    return report


def _report_step(report: Report, name: str, form, operation, message: str):
    """Run one step on a report; a refusal shows the report page with the message by the
    field (422) and what was typed kept."""
    try:
        operation()
    except ExperienceInvalid as invalid:
        for field, text in invalid.errors.items():
            target = form._fields.get(field) or form._fields.get("comment") or form.body
            target.errors = [*target.errors, text]
        return _report_page(report, **{name: form}, status=422)
    flash(message, "success")
    return redirect(url_for("experiences.report_page", report_id=report.id), 303)


def _report_page(report: Report, status: int = 200, **forms):
    blank = {"answer": ReportAnswerForm, "question": ReportQuestionForm,
             "archive": ReportArchiveForm}
    page_forms = {name: forms.get(name) or cls(prefix=name, formdata=None)
                  for name, cls in blank.items()}
    return render_template(
        "moderation/report.html", report=report, experience=report.experience,
        report_kinds=dict(REPORT_KINDS), status_label=reports.report_status(report),
        event_labels=REPORT_EVENT_LABELS, forms=page_forms,
        resolve_form=ResolveReportForm(formdata=None),
        page_title=f"Signalement — {report.experience.title}",
    ), status


@bp.route("/moderation/modifications/<int:pending_id>")
@role_required(*MODERATOR_ROLES)
def review_pending(pending_id: int):
    """Changes proposed to a published write-up, field by field against the published
    version, with the forms to approve them or send them back."""
    return _review_page(_pending_or_404(pending_id))


@bp.post("/moderation/modifications/<int:pending_id>/approuver")
@role_required(*MODERATOR_ROLES)
def approve_pending(pending_id: int):
    """Approve the changes: they become the published version (a new revision)."""
    pending = _pending_or_404(pending_id)
    form = StateChangeForm(prefix="approve")
    try:
        approve_pending_revision(pending, current_user, form.comment.data or "")
    except ExperienceInvalid as invalid:
        form.comment.errors = list(invalid.errors.values())
        return _review_page(pending, approve=form, status=422)
    flash("Les modifications sont publiées : elles remplacent la version en ligne.", "success")
    return redirect(url_for("experiences.moderation"), 303)


@bp.post("/moderation/modifications/<int:pending_id>/renvoyer")
@role_required(*MODERATOR_ROLES)
def send_back_pending(pending_id: int):
    """Send the changes back to the authors with a comment; the published version stays."""
    pending = _pending_or_404(pending_id)
    form = SendBackForm(prefix="send_back")
    try:
        send_back_pending_revision(pending, current_user, form.comment.data or "")
    except ExperienceInvalid as invalid:
        form.comment.errors = list(invalid.errors.values())
        return _review_page(pending, send_back=form, status=422)
    flash("Les modifications sont renvoyées aux auteurs avec votre commentaire ; la version "
          "publiée reste en ligne.", "success")
    return redirect(url_for("experiences.moderation"), 303)


def _pending_or_404(pending_id: int) -> PendingRevision:
    pending = session.get(PendingRevision, pending_id)
    if pending is None:
        abort(404)
    return pending


def _review_page(pending: PendingRevision, approve=None, send_back=None, status: int = 200):
    experience = pending.experience
    return render_template(
        "moderation/pending.html", pending=pending, experience=experience,
        changes=pending_changes(pending),
        approve_form=approve or StateChangeForm(prefix="approve", formdata=None),
        send_back_form=send_back or SendBackForm(prefix="send_back", formdata=None),
        page_title=f"Modifications proposées — {experience.title}",
    ), status


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
             .options(selectinload(Report.experience), selectinload(Report.user),
                      selectinload(Report.events))
             .order_by(Report.created_at, Report.id))
    return list(session.scalars(query))
