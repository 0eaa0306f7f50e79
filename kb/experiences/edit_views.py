"""Filing and editing a write-up, and the Markdown preview of the form."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb.experiences.access import MODERATOR_ROLES, can_create, get_experience_or_404
from kb.experiences.forms import (
    MARKDOWN_FIELDS,
    MARKDOWN_HINT,
    EditExperienceForm,
    ExperienceForm,
    NewExperienceForm,
    PreviewForm,
    StaffNewExperienceForm,
)
from kb.experiences.history import latest_revision_number
from kb.experiences.models import Experience, PendingRevision
from kb.experiences.operations import (
    EditConflict,
    ExperienceInvalid,
    create_experience,
    update_experience,
)
from kb.experiences.pending import needs_review, open_pending_revision
from kb.experiences.snapshot import experience_snapshot
from kb.experiences.territory_input import label_of
from kb.experiences.validation import experience_errors, normalise
from kb.experiences.views import bp, send_back_comment
from kb.html import render_markdown


@bp.route("/experiences/nouvelle", methods=["GET", "POST"])
@login_required
def new():
    """File a write-up: it starts as a draft of the user's organisation."""
    if not can_create():
        abort(403)
    staff = current_user.role in MODERATOR_ROLES
    form_class = StaffNewExperienceForm if staff else NewExperienceForm
    form = form_class() if _posted() else form_class(data=_new_values())
    if _posted():
        organisation = form.organisation() if staff else None
        experience = _save(form, lambda data: create_experience(current_user, data, organisation))
        if experience:
            flash("Votre brouillon est enregistré. Relisez-le, puis soumettez-le à la "
                  "modération quand il est prêt.", "success")
            return _to_page(experience)
    return _render_form(form, None, status=422 if _posted() else 200)


@bp.route("/experiences/<int:experience_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(experience_id: int):
    """Edit a write-up; a save against a version changed meanwhile is refused (conflict)."""
    experience = get_experience_or_404(experience_id, for_edit=True)
    if not _posted():
        return _render_form(EditExperienceForm(data=_edit_values(experience)), experience)
    form = EditExperienceForm()
    try:
        saved = _save(form, lambda data: update_experience(
            experience, current_user, data, form.base_version(), form.base_revision_number(),
            form.base_pending_version()))
    except EditConflict as conflict:
        form.version.data = str(conflict.version)
        form.base_revision.data = str(conflict.revision.number if conflict.revision else "")
        form.pending_version.data = str(conflict.pending_version or "")
        return _render_form(form, experience, conflict=conflict, status=409)
    if saved is False:
        return _render_form(form, experience, status=422)
    _flash_saved(saved)
    return _to_page(experience)


def _flash_saved(saved) -> None:
    if isinstance(saved, PendingRevision):
        flash("Vos modifications sont enregistrées et attendent la relecture d'un modérateur. "
              "La version publiée reste en ligne d'ici là.", "success")
    elif saved:
        flash("Vos modifications sont enregistrées.", "success")
    else:
        flash("Aucune modification à enregistrer : la fiche est inchangée.", "info")


def _review_notice(experience: Experience | None) -> dict | None:
    """For a contributor editing a published write-up: their changes will wait for review,
    and the draft of changes already open (waiting, or sent back with a comment)."""
    if experience is None or not needs_review(experience, current_user):
        return None
    return {"pending": open_pending_revision(experience.id)}


@bp.post("/experiences/apercu")
@login_required
def preview():
    """The sanitised HTML of a Markdown text, for the form's preview (CSRF-protected)."""
    form = PreviewForm()
    if not form.validate():
        return jsonify(error="Le texte est trop long pour être prévisualisé."), 400
    return jsonify(html=str(render_markdown(form.text.data or "")))


def _save(form: ExperienceForm, operation):
    """Run ``operation(data)`` if the form reads well; on refusal attach every message to its
    field and return ``False`` (``None`` from the operation means nothing changed)."""
    if not form.validate():
        form.add_errors(experience_errors(normalise(form.experience_data())))
        return False
    try:
        return operation(form.experience_data())
    except ExperienceInvalid as invalid:
        form.add_errors(invalid.errors)
        return False


def _posted() -> bool:
    return request.method == "POST"


def _new_values() -> dict:
    """A new write-up starts on the territory of the user's organisation."""
    organisation = current_user.organisation
    code = organisation.territory_code if organisation else None
    return {"territory_code": code, "territory_code_search": label_of(code), "evidence": "aucune"}


def _edit_values(experience: Experience) -> dict:
    """The form starts from the write-up — or, when a contributor edits a published write-up
    with changes already waiting for review, from those changes (the draft of changes)."""
    pending = open_pending_revision(experience.id) if needs_review(
        experience, current_user) else None
    snapshot = normalise(pending.data) if pending else experience_snapshot(experience)
    values = EditExperienceForm.values_from(snapshot)
    values.update(version=str(experience.version),
                  base_revision=str(latest_revision_number(experience.id) or ""),
                  pending_version=str(pending.version) if pending else "")
    return values


def _to_page(experience: Experience):
    return redirect(url_for("experiences.show", experience_id=experience.id,
                            slug=experience.slug), 303)


def _render_form(form: ExperienceForm, experience: Experience | None,
                 conflict: EditConflict | None = None, status: int = 200):
    title = f"Modifier « {experience.title} »" if experience else "Déposer une fiche d'expérience"
    return render_template(
        "experiences/form.html", form=form, experience=experience, conflict=conflict,
        send_back=send_back_comment(experience) if experience else None,
        review=_review_notice(experience),
        markdown_fields=MARKDOWN_FIELDS, markdown_hint=MARKDOWN_HINT,
        page_title="Modifier une fiche" if experience else "Déposer une fiche",
        heading=title,
    ), status
