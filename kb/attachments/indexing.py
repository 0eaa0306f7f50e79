"""What the search index holds of a write-up's attachments: their titles, descriptions and
alt texts, and the text of the documents (:mod:`.extract`).

Extraction happens here, in the indexer (an outbox sync, a rebuild, ``kb index sync``), never
in the upload request. Its result is cached on the attachment's row (``extracted_text``) in a
short transaction of its own, so that a rebuild does not parse every file again.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.orm import object_session

from kb.attachments.extract import extract_text
from kb.attachments.models import Attachment
from kb.attachments.storage import get_storage

log = logging.getLogger(__name__)


def attachments_text(experience) -> str:
    """The words of the write-up's live attachments, one attachment after the other."""
    parts = []
    for attachment in getattr(experience, "attachments", []):
        if not attachment.is_live:
            continue
        parts.extend((attachment.title, attachment.description, attachment.alt_text,
                      document_text(attachment)))
    return "\n".join(part for part in parts if part)


def document_text(attachment: Attachment) -> str:
    """The document's text: cached on the row, or extracted now and cached."""
    if attachment.extracted_text is not None or attachment.is_image:
        return attachment.extracted_text or ""
    try:
        data = get_storage().get(attachment.storage_key)
    except Exception:  # a missing or unreachable file: index the rest, retry next time
        log.warning("attachment %s: file %s unreadable", attachment.id, attachment.storage_key)
        return ""
    extraction = extract_text(data, attachment.kind)
    _cache(attachment, extraction.text, extraction.note)
    return extraction.text


def _cache(attachment: Attachment, text: str, note: str) -> None:
    """Keep the text on the row, outside the indexer's read transaction (which it rolls
    back); a failure only means extracting again next time."""
    attachment.extracted_text = text
    session = object_session(attachment)
    if session is None:
        return
    statement = (update(Attachment).where(Attachment.id == attachment.id)
                 .values(extracted_text=text, extraction_note=note or attachment.extraction_note))
    try:
        with session.get_bind().begin() as connection:
            connection.execute(statement)
    except Exception:
        log.warning("attachment %s: extracted text not cached", attachment.id, exc_info=True)
