"""Who may see an attachment: exactly who may see its write-up (the write-up's loader,
:func:`kb.experiences.access.get_experience_or_404`, decides), and a deleted one only from
the history, by an admin. Anything not allowed is 404, so ids reveal nothing."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from kb.attachments.models import Attachment
from kb.db import session
from kb.experiences.access import get_experience_or_404
from kb.experiences.models import Experience


def get_attachment_or_404(experience_id: int, attachment_id: int, *, for_edit: bool = False,
                          deleted: bool | None = False) -> tuple[Experience, Attachment]:
    """The write-up and its attachment for the current user.

    ``deleted=False``: a live attachment of a write-up the user may see (edit, with
    ``for_edit``). ``deleted=True``: a deleted, not purged one (restore needs ``for_edit``;
    downloading it needs an admin). ``deleted=None``: either (the history's links)."""
    experience = get_experience_or_404(experience_id, for_edit=for_edit)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.experience_id != experience.id:
        abort(404)
    if attachment.purged_at is not None:
        abort(404)
    if deleted is not None and (attachment.deleted_at is not None) != deleted:
        abort(404)
    return experience, attachment


def is_admin() -> bool:
    return current_user.is_authenticated and current_user.role == "admin"
