"""The history of a write-up: its revisions, what changed between two, restoring one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb.db import row_id
from kb.experiences.access import can_edit, can_view_history, get_experience_or_404
from kb.experiences.forms import RestoreForm
from kb.experiences.history import ACTION_LABELS, FIELD_LABELS, compare, get_revision, revisions_of
from kb.experiences.models import PendingRevision
from kb.experiences.operations import ExperienceInvalid, restore_revision
from kb.experiences.validation import normalise
from kb.experiences.views import bp


@bp.route("/experiences/<int:experience_id>/historique")
@login_required
def history(experience_id: int):
    """Every revision, newest first; ``?de=N&a=M`` shows what changed from N to M."""
    from kb.attachments.operations import deleted_attachments

    experience = get_experience_or_404(experience_id)
    if not can_view_history(experience):
        abort(403)
    revisions = revisions_of(experience.id)
    comparison = _comparison(experience.id, row_id(request.args.get("de")),
                             row_id(request.args.get("a")))
    return render_template(
        "experiences/history.html", experience=experience, revisions=revisions,
        comparison=comparison, action_labels=ACTION_LABELS, field_labels=FIELD_LABELS,
        can_restore=can_edit(experience), restore_form=RestoreForm(formdata=None),
        page_title=f"Historique — {experience.title}",
        deleted_attachments=deleted_attachments(experience.id),
    )


@bp.post("/experiences/<int:experience_id>/historique/<int:number>/restaurer")
@login_required
def restore(experience_id: int, number: int):
    """Make an earlier revision current again (itself recorded as a new revision)."""
    experience = get_experience_or_404(experience_id)
    try:
        restored = restore_revision(experience, current_user, number)
    except ExperienceInvalid as invalid:
        flash("Cette version ne peut pas être restaurée telle quelle : "
              + " ".join(invalid.errors.values()), "error")
        return redirect(url_for("experiences.history", experience_id=experience.id), 303)
    if restored is None:
        flash("Cette version est déjà celle qui est publiée.", "info")
    elif isinstance(restored, PendingRevision):
        flash(f"La version n° {number} est proposée à la relecture : la version publiée reste "
              "en ligne jusqu'à ce qu'un modérateur l'accepte.", "success")
    else:
        flash(f"La version n° {number} est restaurée ; elle devient la version "
              f"n° {restored.number}.", "success")
    return redirect(url_for("experiences.history", experience_id=experience.id), 303)


def _comparison(experience_id: int, first: int | None, second: int | None) -> dict | None:
    """The two revisions asked for, older first, and the changes between them."""
    if first is None or second is None:
        return None
    older, newer = sorted((first, second))
    old, new = get_revision(experience_id, older), get_revision(experience_id, newer)
    if old is None or new is None:
        return None
    return {"old": old, "new": new,
            "changes": compare(normalise(old.data), normalise(new.data))}
