"""Everything that changes an attachment, one operation per action, in the caller's
transaction (a request commits once at its end).

Each checks permission, validates the file (:mod:`.checks`, :mod:`.images`), stores it
(:mod:`.storage`), saves the row, writes the write-up's revision (``attachment_added`` /
``attachment_removed`` / ``attachment_restored``) and, when the write-up is published, the
search outbox entry (its text goes in the index).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from kb.accounts.models import utcnow
from kb.attachments.checks import Detected, FileRefused, detect
from kb.attachments.images import clean_image, thumbnail
from kb.attachments.models import IMAGE_KINDS, Attachment
from kb.attachments.storage import file_key, get_storage, thumbnail_key
from kb.db import session
from kb.experiences import history
from kb.experiences.access import can_edit
from kb.experiences.models import Experience, FollowUp
from kb.experiences.operations import ExperienceInvalid, PermissionDenied, _flush_or_refuse
from kb.experiences.snapshot import experience_snapshot
from kb.search.models import enqueue

TITLE_MAX, DESCRIPTION_MAX, ALT_MAX = 200, 2000, 300


@dataclass
class Upload:
    """What the form (or an import) gives: the bytes and the author's words about them."""

    data: bytes
    title: str
    description: str = ""
    alt_text: str = ""
    follow_up_id: int | None = None


def max_count() -> int:
    return int(current_app.config.get("ATTACHMENTS_MAX_COUNT", 20))


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENTS_MAX_BYTES", 20 * 1024 * 1024))


def live_attachments(experience_id: int) -> list[Attachment]:
    """The write-up's attachments that are not deleted, in their order."""
    return list(session.scalars(
        select(Attachment)
        .where(Attachment.experience_id == experience_id, Attachment.deleted_at.is_(None),
               Attachment.purged_at.is_(None))
        .order_by(Attachment.position, Attachment.id)))


def deleted_attachments(experience_id: int) -> list[Attachment]:
    """Deleted but not purged: restorable from the history."""
    return list(session.scalars(
        select(Attachment)
        .where(Attachment.experience_id == experience_id, Attachment.deleted_at.is_not(None),
               Attachment.purged_at.is_(None))
        .order_by(Attachment.deleted_at.desc())))


def add_attachment(experience: Experience, user, upload: Upload,
                   check_permission: bool = True) -> Attachment:
    """Check, clean and store ``upload``, attach it to the write-up (or one of its
    follow-ups). :class:`ExperienceInvalid` maps each faulty field to a French message."""
    if check_permission and not can_edit(experience, user):
        raise PermissionDenied()
    detected, data = _checked_file(upload.data)
    _check_words(experience, upload, detected)
    sha256 = hashlib.sha256(data).hexdigest()
    _store(data, detected, sha256)
    attachment = Attachment(
        experience_id=experience.id, follow_up_id=upload.follow_up_id,
        title=upload.title.strip(), description=(upload.description or "").strip(),
        alt_text=(upload.alt_text or "").strip(), kind=detected.kind,
        media_type=detected.media_type, size_bytes=len(data), sha256=sha256,
        storage_key=file_key(sha256),
        thumbnail_key=thumbnail_key(sha256) if detected.kind in IMAGE_KINDS else None,
        position=_next_position(experience.id), created_by_id=getattr(user, "id", None),
        extraction_note="contenu actif (JavaScript) : jamais affiché dans le navigateur"
        if detected.active_content else "",
    )
    session.add(attachment)
    _record(experience, user, "attachment_added", f"Pièce jointe ajoutée : « {attachment.title} »")
    return attachment


def remove_attachment(attachment: Attachment, experience: Experience, user) -> Attachment:
    """Delete an attachment from the write-up; it stays restorable from the history."""
    if not can_edit(experience, user):
        raise PermissionDenied()
    if attachment.deleted_at is None:
        attachment.deleted_at, attachment.deleted_by_id = utcnow(), user.id
        _record(experience, user, "attachment_removed",
                f"Pièce jointe supprimée : « {attachment.title} »")
    return attachment


def restore_attachment(attachment: Attachment, experience: Experience, user) -> Attachment:
    """Put a deleted (not purged) attachment back on the write-up."""
    if not can_edit(experience, user):
        raise PermissionDenied()
    if attachment.purged_at is not None:
        raise ExperienceInvalid({"file": "Cette pièce jointe a été purgée : elle ne peut plus "
                                         "être restaurée."})
    if attachment.deleted_at is not None:
        if len(live_attachments(experience.id)) >= max_count():
            raise ExperienceInvalid({"file": _count_message()})
        attachment.deleted_at = attachment.deleted_by_id = None
        _record(experience, user, "attachment_restored",
                f"Pièce jointe restaurée : « {attachment.title} »")
    return attachment


def purge_attachments(user, attachment_ids: list[int] | None = None) -> int:
    """Admins only: forget deleted attachments for good (``attachment_ids``, or all deleted
    ones); a file goes from the store when no remaining attachment uses it."""
    if user is not None and getattr(user, "role", None) != "admin":
        raise PermissionDenied()
    query = select(Attachment).where(Attachment.deleted_at.is_not(None),
                                     Attachment.purged_at.is_(None))
    if attachment_ids is not None:
        query = query.where(Attachment.id.in_(attachment_ids))
    purged = list(session.scalars(query))
    for attachment in purged:
        attachment.purged_at = utcnow()
        attachment.extracted_text = None
    session.flush()
    for sha256 in {a.sha256 for a in purged}:
        _drop_unused_file(sha256)
    return len(purged)


# --------------------------------------------------------------------------- helpers


def _checked_file(data: bytes) -> tuple[Detected, bytes]:
    limit = max_bytes()
    if not data:
        raise ExperienceInvalid({"file": "Choisissez un fichier à joindre (le fichier envoyé "
                                         "est vide)."})
    if len(data) > limit:
        raise ExperienceInvalid({"file": f"Ce fichier pèse {_size(len(data))} : la limite est "
                                         f"de {_size(limit)} par fichier."})
    try:
        detected = detect(data)
        if detected.kind in IMAGE_KINDS:
            data = clean_image(data, detected.kind)
    except FileRefused as refused:
        raise ExperienceInvalid({"file": str(refused)}) from None
    return detected, data


def _check_words(experience: Experience, upload: Upload, detected: Detected) -> None:
    errors = {}
    title = (upload.title or "").strip()
    if not title:
        errors["title"] = "Donnez un titre à la pièce jointe (par exemple « Cahier des charges »)."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Le titre ne doit pas dépasser {TITLE_MAX} caractères."
    if len(upload.description or "") > DESCRIPTION_MAX:
        errors["description"] = f"La description ne doit pas dépasser {DESCRIPTION_MAX} caractères."
    alt = (upload.alt_text or "").strip()
    if detected.kind in IMAGE_KINDS and not alt:
        errors["alt_text"] = ("Décrivez l'image en quelques mots pour les personnes qui ne la "
                              "voient pas (texte alternatif).")
    elif len(alt) > ALT_MAX:
        errors["alt_text"] = f"Le texte alternatif ne doit pas dépasser {ALT_MAX} caractères."
    if upload.follow_up_id is not None and session.get(FollowUp, upload.follow_up_id) is None:
        errors["follow_up_id"] = "Ce suivi n'existe pas."
    elif upload.follow_up_id is not None and \
            session.get(FollowUp, upload.follow_up_id).experience_id != experience.id:
        errors["follow_up_id"] = "Ce suivi n'appartient pas à cette fiche."
    if len(live_attachments(experience.id)) >= max_count():
        errors["file"] = _count_message()
    if errors:
        raise ExperienceInvalid(errors)


def _count_message() -> str:
    return (f"Cette fiche a déjà {max_count()} pièces jointes, le maximum : supprimez-en une "
            "avant d'en ajouter une autre.")


def _store(data: bytes, detected: Detected, sha256: str) -> None:
    storage = get_storage()
    if not storage.exists(file_key(sha256)):
        storage.put(file_key(sha256), data, detected.media_type)
    if detected.kind in IMAGE_KINDS and not storage.exists(thumbnail_key(sha256)):
        storage.put(thumbnail_key(sha256), thumbnail(data), "image/webp")


def _drop_unused_file(sha256: str) -> None:
    still_used = session.scalar(select(func.count(Attachment.id)).where(
        Attachment.sha256 == sha256, Attachment.purged_at.is_(None)))
    if not still_used:
        storage = get_storage()
        storage.delete(file_key(sha256))
        storage.delete(thumbnail_key(sha256))


def _next_position(experience_id: int) -> int:
    highest = session.scalar(select(func.max(Attachment.position))
                             .where(Attachment.experience_id == experience_id))
    return (highest or 0) + 1


def _record(experience: Experience, user, action: str, comment: str) -> None:
    """The write-up's revision for this change (its row's version serialises numbering), and
    the index entry when published (the attachment's text is searchable)."""
    before, previous_at = experience_snapshot(experience), experience.updated_at
    experience.updated_at = utcnow()
    _flush_or_refuse()
    revision = history.record_revision(experience, user, action, before, comment=comment,
                                       previous_at=previous_at)
    revision.changed_fields = ["attachments"]
    if experience.state == "publiee":
        enqueue(session, experience.id, "upsert")


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} Mo".replace(".", ",")
    return f"{max(1, count // 1024)} ko"
