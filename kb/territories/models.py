"""Territories of the Code officiel géographique, one table for every kind.

Codes are prefixed by kind so that one namespace covers them all: ``R84`` (région), ``D23``
(département), ``E200000172`` (EPCI, by SIREN), ``C23096`` (commune, by INSEE code).

A *collectivité d'outre-mer* (kind ``com``: Saint-Pierre-et-Miquelon, Saint-Barthélemy,
Saint-Martin, Wallis-et-Futuna, Polynésie française, Nouvelle-Calédonie) stands where a région
and a département stand for the rest of France: its code is ``R`` + its COG code (``R978``), and
its ``region`` and ``departement`` columns both hold that code (``978``), as do those of its
communes (``C97801``) — which is how the COG numbers them. There is no ``D978`` row.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.db import Base

TERRITORY_KINDS = ("region", "com", "departement", "epci", "commune")
KIND_PREFIX = {"region": "R", "com": "R", "departement": "D", "epci": "E", "commune": "C"}
#: Kinds whose territory is the top of its own hierarchy (no région above it).
TOP_KINDS = ("region", "com")
KIND_LABELS = {
    "region": "Région",
    "com": "Collectivité d'outre-mer",
    "departement": "Département",
    "epci": "Intercommunalité",
    "commune": "Commune",
}


class Territory(Base):
    __tablename__ = "territory"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('region', 'com', 'departement', 'epci', 'commune')", name="kind"
        ),
        CheckConstraint("population IS NULL OR population >= 0", name="population"),
        Index("ix_territory_kind_search", "kind", "search_name"),
    )

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    insee: Mapped[str] = mapped_column(String(12))  # official code without prefix
    name: Mapped[str] = mapped_column(String(200))
    # lower-case, accent-free, hyphens as spaces: what the autocomplete matches against
    search_name: Mapped[str] = mapped_column(String(200), index=True)
    # for an EPCI, the search name without its legal form, article and « Grand »/« Pays de »
    # (« cu limoges metropole » → « limoges metropole », « ca du grand gueret » → « gueret »):
    # the place it is named after, which the autocomplete ranks like a name (NULL otherwise)
    core_name: Mapped[str | None] = mapped_column(String(200))
    population: Mapped[int | None] = mapped_column(Integer)
    departement: Mapped[str | None] = mapped_column(String(3), index=True)  # "23", "2A", "971"
    region: Mapped[str | None] = mapped_column(String(3), index=True)  # "75"
    epci_code: Mapped[str | None] = mapped_column(
        ForeignKey("territory.code", ondelete="SET NULL"), index=True
    )  # for a commune: the EPCI it belongs to
    epci_type: Mapped[str | None] = mapped_column(String(8))  # CC, CA, CU, METRO, MET69

    epci: Mapped[Territory | None] = relationship(remote_side=[code])

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def departement_code(self) -> str | None:
        return f"D{self.departement}" if self.departement else None

    @property
    def region_code(self) -> str | None:
        return f"R{self.region}" if self.region else None

    def __repr__(self) -> str:
        return f"<Territory {self.code} {self.name}>"
