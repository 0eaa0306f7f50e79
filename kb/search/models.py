"""The search outbox: one row per change to index, written in the same transaction as the change.

Each index records the id of the last row it applied (in its own directory), so several hosts
sharing one database each keep their own index in sync, and a crash between the commit and the
indexing loses nothing: the next sync applies what is pending.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kb.accounts.models import utcnow
from kb.db import Base


class OutboxEntry(Base):
    __tablename__ = "search_outbox"
    __table_args__ = (CheckConstraint("operation IN ('upsert', 'delete')", name="operation"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    # no foreign key: a delete entry outlives the write-up it removes from the index
    experience_id: Mapped[int] = mapped_column(Integer, index=True)
    operation: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def enqueue(session, experience_id: int, operation: str = "upsert") -> OutboxEntry:
    """Add an outbox row to ``session`` (committed with the change that caused it)."""
    entry = OutboxEntry(experience_id=experience_id, operation=operation)
    session.add(entry)
    session.info["kb_outbox_written"] = True
    return entry
