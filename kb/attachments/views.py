"""The attachment pages: adding and removing files while editing a write-up, serving them,
and restoring or purging deleted ones from the history."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from kb.attachments.access import get_attachment_or_404, is_admin
from kb.attachments.forms import AttachmentActionForm, AttachmentForm
from kb.attachments.models import Attachment
from kb.attachments.operations import (
    Upload,
    add_attachment,
    live_attachments,
    max_bytes,
    max_count,
    purge_attachments,
    remove_attachment,
    restore_attachment,
)
from kb.attachments.operations import _size as size_text
from kb.attachments.storage import get_storage
from kb.db import row_id
from kb.experiences.access import get_experience_or_404
from kb.experiences.form_fields import select_choices
from kb.experiences.models import Experience
from kb.experiences.operations import ExperienceInvalid
from kb.experiences.slugs import slugify

bp = Blueprint("attachments", __name__)

#: Sent with every file: nothing in it runs, even opened on the site's own origin.
FILE_CSP = "default-src 'none'; sandbox"
MANAGE_ENDPOINT = "attachments.manage"


@bp.route("/experiences/<int:experience_id>/pieces-jointes", methods=["GET", "POST"])
@login_required
def manage(experience_id: int):
    """The write-up's files, and the form adding one (authors, moderators, admins)."""
    experience = get_experience_or_404(experience_id, for_edit=True)
    form = _attachment_form(experience)
    if request.method == "GET":
        return _render_manage(experience, form)
    if not form.validate():
        return _render_manage(experience, form, 422)
    try:
        attachment = add_attachment(experience, current_user, _upload(form))
    except ExperienceInvalid as invalid:
        for name, message in invalid.errors.items():
            getattr(form, name, form.file).errors = [message]
        return _render_manage(experience, form, 422)
    flash(f"La pièce jointe « {attachment.title} » est ajoutée à la fiche.", "success")
    return redirect(url_for(MANAGE_ENDPOINT, experience_id=experience.id), 303)


@bp.post("/experiences/<int:experience_id>/pieces-jointes/<int:attachment_id>/supprimer")
@login_required
def remove(experience_id: int, attachment_id: int):
    experience, attachment = get_attachment_or_404(experience_id, attachment_id, for_edit=True)
    if not AttachmentActionForm().validate():
        abort(400)
    remove_attachment(attachment, experience, current_user)
    flash(f"La pièce jointe « {attachment.title} » est supprimée. Elle reste restaurable "
          "depuis l'historique de la fiche.", "success")
    return redirect(url_for(MANAGE_ENDPOINT, experience_id=experience.id), 303)


@bp.post("/experiences/<int:experience_id>/pieces-jointes/<int:attachment_id>/restaurer")
@login_required
def restore(experience_id: int, attachment_id: int):
    experience, attachment = get_attachment_or_404(experience_id, attachment_id, for_edit=True,
                                                   deleted=True)
    if not AttachmentActionForm().validate():
        abort(400)
    try:
        restore_attachment(attachment, experience, current_user)
    except ExperienceInvalid as invalid:
        flash(" ".join(invalid.errors.values()), "error")
    else:
        flash(f"La pièce jointe « {attachment.title} » est restaurée.", "success")
    return redirect(url_for("experiences.history", experience_id=experience.id), 303)


@bp.post("/experiences/<int:experience_id>/pieces-jointes/<int:attachment_id>/purger")
@login_required
def purge(experience_id: int, attachment_id: int):
    """Admins forget a deleted attachment for good."""
    if not is_admin():
        abort(403)
    experience, attachment = get_attachment_or_404(experience_id, attachment_id, deleted=True)
    if not AttachmentActionForm().validate():
        abort(400)
    purge_attachments(current_user, [attachment.id])
    flash(f"La pièce jointe « {attachment.title} » est purgée définitivement.", "success")
    return redirect(url_for("experiences.history", experience_id=experience.id), 303)


@bp.route("/experiences/<int:experience_id>/pieces-jointes/<int:attachment_id>/<file_name>")
def download(experience_id: int, attachment_id: int, file_name: str):
    """The file, with the write-up's visibility; documents always as a download."""
    _experience, attachment = get_attachment_or_404(experience_id, attachment_id)
    return _send(attachment, _experience)


@bp.route("/experiences/<int:experience_id>/pieces-jointes/<int:attachment_id>/apercu")
def thumbnail(experience_id: int, attachment_id: int):
    experience, attachment = get_attachment_or_404(experience_id, attachment_id)
    if not attachment.thumbnail_key:
        abort(404)
    return _send(attachment, experience, key=attachment.thumbnail_key, media_type="image/webp")


@bp.route("/experiences/<int:experience_id>/historique/pieces-jointes/<int:attachment_id>")
@login_required
def deleted_download(experience_id: int, attachment_id: int):
    """An attachment from the history, deleted ones included: admins only (404 for anyone
    else)."""
    if not is_admin():
        abort(404)
    experience, attachment = get_attachment_or_404(experience_id, attachment_id, deleted=None)
    return _send(attachment, experience)


# --------------------------------------------------------------------------- helpers


def download_name(attachment: Attachment) -> str:
    """The name a download gets: the title's slug, never the uploader's file name."""
    return f"{slugify(attachment.title, 60)}.{attachment.extension}"


def download_url(attachment: Attachment) -> str:
    return url_for("attachments.download", experience_id=attachment.experience_id,
                   attachment_id=attachment.id, file_name=download_name(attachment))


def _send(attachment: Attachment, experience: Experience, key: str | None = None,
          media_type: str | None = None):
    try:
        data = get_storage().get(key or attachment.storage_key)
    except KeyError:
        abort(404)
    inline = attachment.is_image
    response = send_file(
        io.BytesIO(data), mimetype=media_type or attachment.media_type, as_attachment=not inline,
        download_name=download_name(attachment), etag=attachment.sha256 + ("-t" if key else ""),
        conditional=True, max_age=3600 if experience.is_published else 0,
    )
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.cache_control.public = experience.is_published
    response.cache_control.private = not experience.is_published
    return response


def _attachment_form(experience: Experience) -> AttachmentForm:
    form = AttachmentForm()
    form.follow_up_id.choices = select_choices([("", "La fiche")] + [
        (str(entry.id), f"Suivi du {entry.entry_date:%d/%m/%Y}"
                        + (f" — {entry.title}" if entry.title else ""))
        for entry in experience.follow_ups])
    form.set_file_hint(max_count(), size_text(max_bytes()))
    return form


def _upload(form: AttachmentForm) -> Upload:
    storage = form.file.data
    data = storage.read() if storage else b""
    return Upload(data=data, title=form.title.data or "", description=form.description.data or "",
                  alt_text=form.alt_text.data or "",
                  follow_up_id=row_id(form.follow_up_id.data) if form.follow_up_id.data else None)


def _render_manage(experience: Experience, form: AttachmentForm, status: int = 200):
    return render_template(
        "attachments/manage.html", experience=experience, form=form,
        attachments=live_attachments(experience.id),
        action_form=AttachmentActionForm(formdata=None),
        download_url=download_url, size_text=size_text,
        page_title=f"Pièces jointes — {experience.title}",
    ), status


def upload_body_limit(app) -> int:
    """The largest request the upload form accepts: a file a little over the limit still gets
    the form's French message rather than a bare 413 page."""
    return 2 * int(app.config.get("ATTACHMENTS_MAX_BYTES", 20 * 1024 * 1024)) + 1024 * 1024


def init_app(app) -> None:
    from kb.attachments import storage

    storage.init_app(app)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(attachment_url=download_url, attachment_size=size_text)
