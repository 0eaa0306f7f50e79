"""``/territoires/<code>``: a territory, its parents, and the write-ups filed in it or below it."""

from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import func, select

from kb.dashboard.territory_figures import territory_figures, territory_map
from kb.db import row_id, session
from kb.experiences.access import published_query
from kb.experiences.models import Experience
from kb.territories.models import Territory
from kb.territories.views import bp

PER_PAGE = 20


def experiences_condition(territory: Territory):
    """Write-ups filed for this territory or for a territory it contains."""
    if territory.kind == "region":
        return Experience.region == territory.region
    if territory.kind == "departement":
        return Experience.departement == territory.departement
    if territory.kind == "epci":
        members = select(Territory.code).where(Territory.epci_code == territory.code)
        own = Experience.territory_code == territory.code
        return own | Experience.territory_code.in_(members)
    return Experience.territory_code == territory.code


def parents(territory: Territory) -> list[Territory]:
    """Région, département and EPCI above this territory, from the top."""
    codes = []
    if territory.kind != "region" and territory.region:
        codes.append(f"R{territory.region}")
    if territory.kind in ("commune", "epci") and territory.departement:
        codes.append(f"D{territory.departement}")
    if territory.kind == "commune" and territory.epci_code:
        codes.append(territory.epci_code)
    found = {t.code: t for t in session.scalars(select(Territory).where(Territory.code.in_(codes)))}
    return [found[c] for c in codes if c in found]


def _page_number() -> int:
    return max(1, row_id(request.args.get("page")) or 1)


@bp.route("/territoires/<code>")
def show(code: str):
    territory = session.get(Territory, code.upper())
    if territory is None:
        abort(404)
    condition = experiences_condition(territory)
    total = session.scalar(
        select(func.count(Experience.id)).where(condition, Experience.state == "publiee")
    )
    pages = max(1, -(-total // PER_PAGE))
    page = min(_page_number(), pages)
    experiences = session.scalars(
        published_query().where(condition).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return render_template(
        "territories/show.html", territory=territory, parents=parents(territory),
        experiences=experiences, total=total, page=page, pages=pages,
        page_title=territory.name,
        figures=territory_figures(territory, condition), mini_map=territory_map(territory),
    )
