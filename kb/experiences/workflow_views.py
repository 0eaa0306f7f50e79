"""The life cycle of a write-up (submit, publish, send back, archive) and its follow-ups.

Each view loads the write-up (404 when unseen), calls one operation — which checks permission
(403) before anything else — and comes back to the write-up's page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from kb.db import session
from kb.experiences.access import get_experience_or_404
from kb.experiences.forms import WithdrawChangesForm
from kb.experiences.models import Experience, Report
from kb.experiences.operations import (
    ExperienceInvalid,
    add_follow_up,
    archive_experience,
    publish_experience,
    send_back_experience,
    submit_experience,
)
from kb.experiences.pending import open_pending_revision, withdraw_pending_revision
from kb.experiences.reports import reply_as_author
from kb.experiences.views import bp, page_form, render_show

STATE_CHANGES = {
    # form name: (operation, message once done)
    "submit": (submit_experience, "La fiche est soumise : un modérateur la relira avant sa "
                                  "publication."),
    "publish": (publish_experience, "La fiche est publiée : elle est visible de tous."),
    "send_back": (send_back_experience, "La fiche est renvoyée à ses auteurs avec votre "
                                        "commentaire."),
    "archive": (archive_experience, "La fiche est archivée : elle n'est plus visible du public."),
}


@bp.post("/experiences/<int:experience_id>/soumettre")
@login_required
def submit(experience_id: int):
    """Authors send their draft to the moderators."""
    return _change_state(experience_id, "submit")


@bp.post("/experiences/<int:experience_id>/publier")
@login_required
def publish(experience_id: int):
    """A moderator publishes a submitted (or archived) write-up."""
    return _change_state(experience_id, "publish")


@bp.post("/experiences/<int:experience_id>/renvoyer")
@login_required
def send_back(experience_id: int):
    """A moderator sends a submitted write-up back to its authors, with a comment."""
    return _change_state(experience_id, "send_back")


@bp.post("/experiences/<int:experience_id>/archiver")
@login_required
def archive(experience_id: int):
    """A moderator withdraws a published write-up."""
    return _change_state(experience_id, "archive")


@bp.post("/experiences/<int:experience_id>/suivis")
@login_required
def follow_up(experience_id: int):
    """Authors add a dated follow-up entry to their published write-up."""
    experience = get_experience_or_404(experience_id)
    form = page_form("follow_up")
    form.validate()
    try:
        add_follow_up(experience, current_user, form.entry_date.data, form.body.data or "",
                      form.title.data or "")
    except ExperienceInvalid as invalid:
        for name, message in invalid.errors.items():
            if not form[name].errors:
                form[name].errors = [message]
        return render_show(experience, follow_up=form), 422
    flash("Le suivi est ajouté à la fiche.", "success")
    return _back_to(experience)


@bp.post("/experiences/<int:experience_id>/signalements/<int:report_id>/repondre")
@login_required
def report_reply(experience_id: int, report_id: int):
    """The authors answer the moderators about a report on their write-up."""
    experience = get_experience_or_404(experience_id)
    report = session.get(Report, report_id)
    if report is None or report.experience_id != experience.id:
        abort(404)
    form = page_form("report_reply")
    try:
        reply_as_author(report, current_user, form.body.data or "")
    except ExperienceInvalid as invalid:
        form.body.errors = list(invalid.errors.values())
        return render_show(experience, replying_to=report.id, report_reply=form), 422
    flash("Votre réponse est transmise à la modération.", "success")
    return redirect(url_for("experiences.show", experience_id=experience.id,
                            slug=experience.slug) + "#signalements", 303)


@bp.post("/experiences/<int:experience_id>/modifications-en-attente/retirer")
@login_required
def withdraw_pending(experience_id: int):
    """The authors drop their changes waiting for review; the published version stays."""
    experience = get_experience_or_404(experience_id)
    if not WithdrawChangesForm().validate_on_submit():
        abort(400)
    pending = open_pending_revision(experience.id)
    if pending is None:
        abort(404)
    withdraw_pending_revision(pending, current_user)
    flash("Les modifications en attente sont retirées : la fiche publiée est inchangée.", "info")
    return _back_to(experience)


def _change_state(experience_id: int, name: str):
    experience = get_experience_or_404(experience_id)
    form = page_form(name)
    operation, message = STATE_CHANGES[name]
    try:
        operation(experience, current_user, form.comment.data or "")
    except ExperienceInvalid as invalid:
        form.comment.errors = list(invalid.errors.values())
        return render_show(experience, **{name: form}), 422
    flash(message, "success")
    return _back_to(experience)


def _back_to(experience: Experience):
    return redirect(url_for("experiences.show", experience_id=experience.id,
                            slug=experience.slug), 303)
