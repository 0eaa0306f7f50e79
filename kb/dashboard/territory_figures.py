"""Figures of a territory page: its write-ups by theme compared with its région and the
country, per 100,000 inhabitants, and a mini-map locating it.

The comparison comes from one aggregate query with conditional sums (plus one for the totals),
whatever the kind of territory.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import case, func, select

from kb.dashboard import maps
from kb.dashboard.cache import cached
from kb.dashboard.figures import PUBLISHED, search_url, territory_names
from kb.db import session
from kb.experiences.models import Experience, ExperienceTerm
from kb.experiences.vocabularies import THEME
from kb.territories.models import TOP_KINDS, Territory

PER = 100_000


def rate(count: int, population: int | None) -> float | None:
    """Write-ups per 100,000 inhabitants; ``None`` when the population is unknown."""
    return count * PER / population if population else None


@dataclass(frozen=True)
class Row:
    theme: str | None  # None: every theme
    count: int
    region_count: int
    national_count: int


@dataclass(frozen=True)
class TerritoryFigures:
    territory: Territory
    region: Territory | None  # its région or collectivité d'outre-mer; None on their own page
    national_population: int
    rows: tuple[Row, ...]
    total: Row

    def rates(self, row: Row) -> tuple[float | None, float | None, float | None]:
        """(territory, région, national) write-ups per 100,000 inhabitants."""
        region_population = self.region.population if self.region else None
        return (rate(row.count, self.territory.population),
                rate(row.region_count, region_population),
                rate(row.national_count, self.national_population))

    def search_url(self, scope: str, theme: str | None) -> str | None:
        """The search listing a cell's write-ups; ``None`` where the search has no filter for
        the territory (communes and EPCI are found by name, not by code)."""
        territory = self.territory
        if scope == "national":
            return search_url(theme=theme)
        if scope == "region" or territory.kind in TOP_KINDS:
            return search_url(region=territory.region, theme=theme)
        if territory.kind == "departement":
            return search_url(departement=territory.departement, theme=theme)
        return None


def _sums(in_territory, in_region):
    return (
        func.sum(case((in_territory, 1), else_=0)),
        func.sum(case((in_region, 1), else_=0)),
        func.count(Experience.id),
    )


def _counts(territory: Territory, in_territory) -> tuple[dict[str, Row], tuple]:
    """Counts by theme and in all (territory, région, country): plain values, cacheable."""
    in_region = Experience.region == territory.region
    by_theme = session.execute(
        select(ExperienceTerm.code, *_sums(in_territory, in_region))
        .join(Experience, Experience.id == ExperienceTerm.experience_id)
        .where(PUBLISHED, ExperienceTerm.vocabulary == "theme")
        .group_by(ExperienceTerm.code)
    )
    counts = {code: Row(code, int(a or 0), int(b or 0), int(c)) for code, a, b, c in by_theme}
    total = session.execute(select(*_sums(in_territory, in_region)).where(PUBLISHED)).one()
    return counts, tuple(total)


def territory_figures(territory: Territory, in_territory) -> TerritoryFigures:
    """Compare ``territory`` (its write-ups: SQL condition ``in_territory``) with its région
    and the country, theme by theme."""
    counts, (a, b, c) = cached(  # keyed by the code: the condition follows from it
        "territory_counts", lambda _code: _counts(territory, in_territory), territory.code)
    region = None
    if territory.kind not in TOP_KINDS and territory.region:
        region = session.get(Territory, f"R{territory.region}")
    national = session.scalar(  # France: the régions and the collectivités d'outre-mer
        select(func.sum(Territory.population)).where(Territory.kind.in_(TOP_KINDS))
    )
    return TerritoryFigures(
        territory=territory, region=region, national_population=int(national or 0),
        rows=tuple(counts[code] for code in THEME.codes if code in counts),
        total=Row(None, int(a or 0), int(b or 0), int(c)),
    )


def territory_map(territory: Territory) -> maps.DepartementMap | None:
    """The mini-map of a département or région page: where it is, in France. None for the
    collectivités d'outre-mer: the map package has no outline for them."""
    if territory.kind == "departement":
        highlighted = {territory.departement}
    elif territory.kind == "region":
        highlighted = set(session.scalars(select(Territory.departement).where(
            Territory.kind == "departement", Territory.region == territory.region
        )))
    else:
        return None

    def href(code: str) -> str | None:
        if territory.kind == "region" and code in highlighted:
            return url_for("territories.show", code=f"D{code}")
        return None

    def title(code: str, name: str, _count: int) -> str:
        return f"{name} ({code})"

    return maps.highlight_map(territory_names("departement"), highlighted, href, title)
