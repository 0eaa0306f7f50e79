"""A saved search: a ``/recherche`` query string, a name and how often its alert is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kb.accounts.models import utcnow
from kb.db import Base

FREQUENCIES = (("quotidienne", "Chaque jour"), ("hebdomadaire", "Chaque semaine"))
FREQUENCY_CODES = tuple(code for code, _label in FREQUENCIES)


class SavedSearch(Base):
    __tablename__ = "saved_search"
    __table_args__ = (
        CheckConstraint("frequency IN ('quotidienne', 'hebdomadaire')", name="frequency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(String(2000), default="")
    frequency: Mapped[str] = mapped_column(String(16), default="hebdomadaire")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # write-ups published after this moment are new for the next alert
    since: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
