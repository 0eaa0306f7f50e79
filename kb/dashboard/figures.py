"""The ministry's figures, each from one aggregate query over published write-ups.

Every function returns plain data (dicts, lists, small dataclasses) for the templates; none
issues a query per département, région or write-up.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import Select, and_, case, extract, func, select
from sqlalchemy.orm import aliased, selectinload

from kb.db import session
from kb.experiences.access import published_query
from kb.experiences.models import Experience, ExperienceTerm, Interest, Label, Replication
from kb.territories.models import Territory

PUBLISHED = Experience.state == "publiee"
TOP_LIMIT = 10


def search_url(**params: str | int | None) -> str:
    """``/recherche`` with the given filters (empty ones left out), codes bare (``region=75``):
    the search that lists what a figure counts."""
    query = urlencode({name: value for name, value in params.items() if value})
    return f"/recherche?{query}" if query else "/recherche"


def theme_condition(theme: str | None):
    """SQL condition: the write-up has ``theme`` (always true without a theme)."""
    if not theme:
        return PUBLISHED
    tagged = select(ExperienceTerm.experience_id).where(
        ExperienceTerm.vocabulary == "theme", ExperienceTerm.code == theme
    )
    return and_(PUBLISHED, Experience.id.in_(tagged))


def territory_names(kind: str) -> list[tuple[str, str]]:
    """``(bare code, name)`` of every région or département (``("23", "Creuse")``)."""
    column = Territory.departement if kind == "departement" else Territory.region
    rows = session.execute(
        select(column, Territory.name).where(Territory.kind == kind).order_by(Territory.code)
    )
    return [(code, name) for code, name in rows if code]


def counts_by_departement(theme: str | None = None) -> dict[str, int]:
    """Published write-ups per département (bare code), for one theme or all."""
    rows = session.execute(
        select(Experience.departement, func.count(Experience.id))
        .where(theme_condition(theme), Experience.departement.is_not(None))
        .group_by(Experience.departement)
    )
    return {code: count for code, count in rows}


def counts_by_theme_and_region() -> dict[str, dict[str | None, int]]:
    """``{theme: {région: count}}`` of published write-ups (a write-up counts once per theme)."""
    rows = session.execute(
        select(ExperienceTerm.code, Experience.region, func.count(Experience.id))
        .join(Experience, Experience.id == ExperienceTerm.experience_id)
        .where(PUBLISHED, ExperienceTerm.vocabulary == "theme")
        .group_by(ExperienceTerm.code, Experience.region)
    )
    table: dict[str, dict[str | None, int]] = defaultdict(dict)
    for theme, region, count in rows:
        table[theme][region] = count
    return dict(table)


def counts_by_region() -> dict[str | None, int]:
    """Published write-ups per région, all themes (a write-up counts once)."""
    rows = session.execute(
        select(Experience.region, func.count(Experience.id))
        .where(PUBLISHED).group_by(Experience.region)
    )
    return {region: count for region, count in rows}


def counts_by_year(theme: str | None = None) -> list[tuple[int, int]]:
    """``(year, count)`` of write-ups by year of publication, every year between the first and
    the last (a year without any publication shows as 0)."""
    year = extract("year", Experience.published_at)
    rows = session.execute(
        select(year, func.count(Experience.id))
        .where(theme_condition(theme), Experience.published_at.is_not(None))
        .group_by(year)
    )
    counts = {int(y): n for y, n in rows}
    if not counts:
        return []
    return [(y, counts.get(y, 0)) for y in range(min(counts), max(counts) + 1)]


def _ranked(count_query: Select, limit: int) -> list[tuple[Experience, int]]:
    """Published write-ups with the counts of ``count_query`` (``experience_id, n``), top first."""
    counted = count_query.subquery()
    rows = session.execute(
        published_query()
        .add_columns(counted.c.n)
        .join(counted, counted.c.experience_id == Experience.id)
        .order_by(None)
        .order_by(counted.c.n.desc(), Experience.published_at.desc(), Experience.id)
        .limit(limit)
    )
    return [(experience, n) for experience, n in rows]


def most_replicated(limit: int = TOP_LIMIT) -> list[tuple[Experience, int]]:
    """The write-ups most often declared *nous l'avons fait aussi* (published replicas only)."""
    replica = aliased(Experience)
    query = (
        select(Replication.source_id.label("experience_id"), func.count(Replication.id).label("n"))
        .join(replica, replica.id == Replication.replica_id)
        .where(replica.state == "publiee")
        .group_by(Replication.source_id)
    )
    return _ranked(query, limit)


def most_followed(limit: int = TOP_LIMIT) -> list[tuple[Experience, int]]:
    """The write-ups with the most *Intéressé* declarations."""
    query = select(
        Interest.experience_id.label("experience_id"), func.count().label("n")
    ).group_by(Interest.experience_id)
    return _ranked(query, limit)


def labelled_practices() -> list[Experience]:
    """Published write-ups labelled *pratique à essaimer*, most recently labelled first."""
    return list(session.scalars(
        published_query()
        .join(Label, Label.experience_id == Experience.id)
        .options(selectinload(Experience.label).selectinload(Label.analyst))
        .order_by(None)
        .order_by(Label.created_at.desc(), Experience.id.desc())
    ))


@dataclass(frozen=True)
class Adoption:
    """How a labelled practice spread: published replications, and those since the label."""

    total: int = 0
    since_label: int = 0


def adoptions(labelled: list[Experience]) -> dict[int, Adoption]:
    """{write-up id: adoption} for the labelled write-ups, in one grouped query (published
    replicas only, as in :func:`most_replicated`)."""
    if not labelled:
        return {}
    replica = aliased(Experience)
    since = case((Replication.created_at >= Label.created_at, 1), else_=0)
    query = (
        select(Replication.source_id, func.count(Replication.id), func.sum(since))
        .join(replica, replica.id == Replication.replica_id)
        .join(Label, Label.experience_id == Replication.source_id)
        .where(replica.state == "publiee",
               Replication.source_id.in_([e.id for e in labelled]))
        .group_by(Replication.source_id)
    )
    found = {source: Adoption(total, int(after or 0))
             for source, total, after in session.execute(query)}
    return {e.id: found.get(e.id, Adoption()) for e in labelled}


@dataclass(frozen=True)
class CostFigure:
    theme: str
    median: float
    count: int  # write-ups with both a budget and a number of pupils


def median_cost_per_pupil() -> list[CostFigure]:
    """Median budget per pupil for each theme, over write-ups giving both (one query)."""
    rows = session.execute(
        select(ExperienceTerm.code, Experience.budget_eur, Experience.pupils)
        .join(Experience, Experience.id == ExperienceTerm.experience_id)
        .where(
            PUBLISHED, ExperienceTerm.vocabulary == "theme",
            Experience.budget_eur.is_not(None), Experience.pupils > 0,
        )
    )
    costs: dict[str, list[float]] = defaultdict(list)
    for theme, budget, pupils in rows:
        costs[theme].append(budget / pupils)
    return [CostFigure(theme, statistics.median(values), len(values))
            for theme, values in costs.items()]


def gaps(departements: list[tuple[str, str]], counts: dict[str, int]) -> list[tuple[str, str]]:
    """The départements (code, name) where ``counts`` has no write-up."""
    return [(code, name) for code, name in departements if not counts.get(code)]
