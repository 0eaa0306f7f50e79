"""Organisations (local authorities and partners) and the people who sign in for them."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.db import Base
from kb.experiences.vocabularies import ORGANISATION, ROLE_CODES, sql_in
from kb.territories.models import Territory


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Organisation(Base):
    """A commune, EPCI, département, région, State service, association of elected officials…"""

    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint(f"kind IN {sql_in(ORGANISATION.codes)}", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    territory_code: Mapped[str | None] = mapped_column(
        ForeignKey("territory.code"), index=True
    )
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    siret: Mapped[str | None] = mapped_column(String(14), index=True)  # ProConnect's claim
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    presentation_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Set by every update through the application: what the organisation autocomplete's
    #: per-process list watches (:mod:`kb.accounts.organisation_lookup`).
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, onupdate=utcnow)

    territory: Mapped[Territory | None] = relationship()
    members: Mapped[list[User]] = relationship(back_populates="organisation")
    associations: Mapped[list[Organisation]] = relationship(
        secondary="organisation_membership",
        primaryjoin="Organisation.id == OrganisationMembership.member_id",
        secondaryjoin="Organisation.id == OrganisationMembership.association_id",
        viewonly=True,
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


class OrganisationMembership(Base):
    """An authority's membership of an association of elected officials (AMF, AMRF, ADF…)."""

    __tablename__ = "organisation_membership"
    __table_args__ = (
        CheckConstraint("member_id <> association_id", name="not_self"),
    )

    member_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    association_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )


class User(UserMixin, Base):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(f"role IN {sql_in(ROLE_CODES)}", name="role"),
        UniqueConstraint("email"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="contributeur")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    # registration request: what the person asked for, shown to the admin who approves it
    requested_role: Mapped[str | None] = mapped_column(String(16))
    request_message: Mapped[str | None] = mapped_column(Text)
    refused_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # keeps the public page of their organisation (website, presentation), granted by an admin
    manages_organisation: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # bumped on password change so that other sessions end
    session_token: Mapped[str | None] = mapped_column(String(64))

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    @property
    def is_active(self) -> bool:  # Flask-Login: only approved, active accounts sign in
        return bool(self.active and self.approved)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token or ''}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class OidcIdentity(Base):
    """An account's identity at an OpenID provider (ProConnect): issuer and subject."""

    __tablename__ = "oidc_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)


class OrganisationMerge(Base):
    """The record of a merge: ``from_id`` (deleted) was folded into ``into_id`` by an admin.

    ``from_id`` and ``into_id`` are plain integers, not foreign keys: the merged organisation
    is gone, and the one kept may itself be merged later (its records are then pointed at the
    new survivor, so that an old public address redirects in one hop). The counts say what
    moved.
    """

    __tablename__ = "organisation_merge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_id: Mapped[int] = mapped_column(Integer, index=True)
    from_name: Mapped[str] = mapped_column(String(200))
    from_slug: Mapped[str] = mapped_column(String(120))
    into_id: Mapped[int] = mapped_column(Integer, index=True)
    into_name: Mapped[str] = mapped_column(String(200))
    merged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    experiences_moved: Mapped[int] = mapped_column(Integer, default=0)
    cofilings_moved: Mapped[int] = mapped_column(Integer, default=0)
    accounts_moved: Mapped[int] = mapped_column(Integer, default=0)
    memberships_moved: Mapped[int] = mapped_column(Integer, default=0)

    merged_by: Mapped[User | None] = relationship()
