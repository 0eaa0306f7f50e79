"""The attachment: a file (stored by :mod:`kb.attachments.storage` under its SHA-256) with
its title, description and alt text, on a write-up or one of its follow-ups.

Deleting an attachment only marks it (``deleted_at``): it stays restorable from the write-up's
history until an admin purges it (``purged_at``; the file goes when no other row uses it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.accounts.models import User, utcnow
from kb.db import Base
from kb.experiences.vocabularies import sql_in

#: Accepted kinds, in the order the help text lists them.
DOCUMENT_KINDS = ("pdf", "odt", "ods", "odp", "docx", "xlsx", "pptx", "csv")
IMAGE_KINDS = ("png", "jpeg", "webp")
KINDS = DOCUMENT_KINDS + IMAGE_KINDS
KIND_LABELS = {
    "pdf": "PDF", "odt": "Texte OpenDocument", "ods": "Tableur OpenDocument",
    "odp": "Présentation OpenDocument", "docx": "Document Word", "xlsx": "Classeur Excel",
    "pptx": "Présentation PowerPoint", "csv": "Tableau CSV", "png": "Image PNG",
    "jpeg": "Photo JPEG", "webp": "Image WebP",
}
EXTENSIONS = {"jpeg": "jpg"}
#: Attachments are published with the write-up, under the open data's licence.
ATTACHMENT_LICENCE = "Licence Ouverte Etalab 2.0"


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(KINDS)}", name="kind"),
        CheckConstraint("size_bytes >= 0", name="size"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experience_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), index=True
    )
    follow_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_up.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    alt_text: Mapped[str] = mapped_column(String(300), default="")  # required for images
    kind: Mapped[str] = mapped_column(String(8))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    purged_at: Mapped[datetime | None] = mapped_column(DateTime)
    # text for the search, cached by the indexer (None: not extracted yet)
    extracted_text: Mapped[str | None] = mapped_column(Text)
    extraction_note: Mapped[str] = mapped_column(String(200), default="")

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])

    @property
    def is_image(self) -> bool:
        return self.kind in IMAGE_KINDS

    @property
    def is_live(self) -> bool:
        return self.deleted_at is None and self.purged_at is None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.kind} {self.title!r}>"
