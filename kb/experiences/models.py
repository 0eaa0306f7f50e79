"""The write-up and everything attached to it: vocabularies, co-filers, revisions, follow-ups,
moderation comments, signals (interest, replication, report) and labels."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.accounts.models import Organisation, User, utcnow
from kb.db import Base
from kb.experiences.vocabularies import (
    ALL_VOCABULARIES,
    EVIDENCE_CODES,
    EXPERIENCE_VOCABULARIES,
    PROJECT_STATE_CODES,
    REPORT_KIND_CODES,
    STATE_CODES,
    sql_in,
)
from kb.territories.models import Territory

if TYPE_CHECKING:
    from kb.attachments.models import Attachment

TEXT_FIELDS = ("context", "actions", "results", "lessons")  # Markdown fields


class VocabularyTerm(Base):
    """One code of a controlled vocabulary with its (editable) French label."""

    __tablename__ = "vocabulary_term"
    __table_args__ = (
        CheckConstraint(
            f"vocabulary IN {sql_in(tuple(v.name for v in ALL_VOCABULARIES))}", name="vocabulary"
        ),
    )

    vocabulary: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Experience(Base):
    __tablename__ = "experience"
    __table_args__ = (
        CheckConstraint(f"state IN {sql_in(STATE_CODES)}", name="state"),
        CheckConstraint(
            f"project_state IS NULL OR project_state IN {sql_in(PROJECT_STATE_CODES)}",
            name="project_state",
        ),
        CheckConstraint(f"evidence IN {sql_in(EVIDENCE_CODES)}", name="evidence"),
        CheckConstraint("budget_eur IS NULL OR budget_eur >= 0", name="budget"),
        CheckConstraint("schools IS NULL OR schools >= 0", name="schools"),
        CheckConstraint("pupils IS NULL OR pupils >= 0", name="pupils"),
        CheckConstraint("teachers IS NULL OR teachers >= 0", name="teachers"),
        CheckConstraint(
            "end_month IS NULL OR start_month IS NULL OR end_month >= start_month",
            name="dates",
        ),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_experience_state_published", "state", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(600), default="")
    context: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    territory_code: Mapped[str] = mapped_column(ForeignKey("territory.code"), index=True)
    # derived from the territory (an EPCI or région has no single commune)
    departement: Mapped[str | None] = mapped_column(String(3), index=True)
    region: Mapped[str | None] = mapped_column(String(3), index=True)

    state: Mapped[str] = mapped_column(String(16), default="brouillon")
    project_state: Mapped[str | None] = mapped_column(String(16))
    start_month: Mapped[date | None] = mapped_column(Date)  # first day of the month
    end_month: Mapped[date | None] = mapped_column(Date)
    budget_eur: Mapped[int | None] = mapped_column(BigInteger)
    funders: Mapped[list[str]] = mapped_column(JSON, default=list)
    schools: Mapped[int | None] = mapped_column(Integer)
    pupils: Mapped[int | None] = mapped_column(Integer)
    teachers: Mapped[int | None] = mapped_column(Integer)
    partners: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence: Mapped[str] = mapped_column(String(24), default="aucune")

    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_role: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship()
    territory: Mapped[Territory] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    terms: Mapped[list[ExperienceTerm]] = relationship(
        cascade="all, delete-orphan", order_by="ExperienceTerm.position"
    )
    cofilers: Mapped[list[CoFiler]] = relationship(cascade="all, delete-orphan")
    follow_ups: Mapped[list[FollowUp]] = relationship(
        cascade="all, delete-orphan", order_by="FollowUp.entry_date"
    )
    label: Mapped[Label | None] = relationship(cascade="all, delete-orphan", uselist=False)
    # issue 13: every attachment row, deleted ones included (kb.attachments.models)
    attachments: Mapped[list[Attachment]] = relationship(
        "Attachment", viewonly=True, order_by="Attachment.position, Attachment.id")

    def codes(self, vocabulary: str) -> list[str]:
        """The codes of one vocabulary attached to this write-up, in form order."""
        return [t.code for t in self.terms if t.vocabulary == vocabulary]

    @property
    def cost_per_pupil(self) -> float | None:
        if self.budget_eur is None or not self.pupils:
            return None
        return self.budget_eur / self.pupils

    @property
    def is_published(self) -> bool:
        return self.state == "publiee"

    def __repr__(self) -> str:
        return f"<Experience {self.id} {self.state} {self.title!r}>"


class ExperienceTerm(Base):
    """A write-up's theme, equipment, school level or territory type."""

    __tablename__ = "experience_term"
    __table_args__ = (
        ForeignKeyConstraint(
            ["vocabulary", "code"], ["vocabulary_term.vocabulary", "vocabulary_term.code"],
            name="fk_experience_term_vocabulary_term",
        ),
        CheckConstraint(
            f"vocabulary IN {sql_in(tuple(v.name for v in EXPERIENCE_VOCABULARIES))}",
            name="vocabulary",
        ),
        Index("ix_experience_term_code", "vocabulary", "code"),
    )

    experience_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), primary_key=True
    )
    vocabulary: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CoFiler(Base):
    """An organisation that files the write-up jointly (an EPCI, the académie…), with its role."""

    __tablename__ = "experience_cofiler"

    experience_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(200), default="")

    organisation: Mapped[Organisation] = relationship()


class Revision(Base):
    """A snapshot written at every save: who, when, what changed; restorable."""

    __tablename__ = "revision"
    __table_args__ = (UniqueConstraint("experience_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experience_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(32), default="update")
    data: Mapped[dict] = mapped_column(JSON)  # every editable field, as the form saw it
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[User | None] = relationship()


class FollowUp(Base):
    """A dated follow-up entry (*suivi*) added to a published write-up."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experience_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entry_date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class ModerationComment(Base):
    """A moderator's or author's comment attached to a state change."""

    __tablename__ = "moderation_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experience_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(32))  # submit, publish, send_back, archive…
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class Interest(Base):
    """A signed-in partner's *Intéressé* (bookmark; the authors see the count)."""

    __tablename__ = "interest"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    experience_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Replication(Base):
    """*Nous l'avons fait aussi*: ``replica`` reproduces ``source``."""

    __tablename__ = "replication"
    __table_args__ = (
        UniqueConstraint("source_id", "replica_id"),
        CheckConstraint("source_id <> replica_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), index=True
    )
    replica_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    source: Mapped[Experience] = relationship(foreign_keys=[source_id])
    replica: Mapped[Experience] = relationship(foreign_keys=[replica_id])


class Report(Base):
    """A report to the moderators: outdated, erroneous or duplicate."""

    __tablename__ = "report"
    __table_args__ = (CheckConstraint(f"kind IN {sql_in(REPORT_KIND_CODES)}", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experience_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    experience: Mapped[Experience] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    events: Mapped[list[ReportEvent]] = relationship(
        cascade="all, delete-orphan", order_by="ReportEvent.id")


class Label(Base):
    """*Pratique à essaimer*: an analyst's label with its justification."""

    __tablename__ = "label"
    __table_args__ = (UniqueConstraint("experience_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experience_id: Mapped[int] = mapped_column(ForeignKey("experience.id", ondelete="CASCADE"))
    analyst_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    justification: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    analyst: Mapped[User | None] = relationship()


PENDING_STATUSES = ("en-attente", "renvoyee", "approuvee", "retiree")
OPEN_PENDING_STATUSES = ("en-attente", "renvoyee")


class PendingRevision(Base):
    """Changes to a published write-up waiting for a moderator (issue 15): the published
    version stays public until they are approved.

    ``data`` is a snapshot (:mod:`kb.experiences.snapshot`) of the proposed write-up;
    ``base_revision`` the revision it was proposed from. At most one is open (``en-attente``
    or ``renvoyee``) per write-up: every author edits the same draft of changes. Approval
    makes it the published version (``revision_number`` is the revision then recorded);
    a send-back keeps it, with ``comment``, for the authors to rework.
    """

    __tablename__ = "pending_revision"
    __table_args__ = (CheckConstraint(f"status IN {sql_in(PENDING_STATUSES)}", name="status"),
                      CheckConstraint("version >= 1", name="version"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experience_id: Mapped[int] = mapped_column(
        ForeignKey("experience.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="en-attente")
    data: Mapped[dict] = mapped_column(JSON)
    base_revision: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")
    revision_number: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    experience: Mapped[Experience] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PENDING_STATUSES


REPORT_EVENT_KINDS = ("reponse", "question-auteurs", "reponse-auteurs", "archivage", "traite")
#: The events of a report its write-up's authors see (answers to the reporter are private).
AUTHOR_VISIBLE_EVENTS = ("question-auteurs", "reponse-auteurs", "archivage", "traite")


class ReportEvent(Base):
    """One step in dealing with a report (issue 15): a moderator answers the reporter, asks
    the authors, archives the write-up or closes the report; the authors reply. The trail of
    a report is its events, oldest first."""

    __tablename__ = "report_event"
    __table_args__ = (CheckConstraint(f"kind IN {sql_in(REPORT_EVENT_KINDS)}", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("report.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
