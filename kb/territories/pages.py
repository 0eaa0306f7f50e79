"""``/territoires/<code>``: a territory, its parents, and the write-ups filed in it or below it."""

from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import select

from kb.dashboard.territory_figures import territory_figures, territory_map
from kb.db import session
from kb.experiences.access import published_page
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


@bp.route("/territoires/<code>")
def show(code: str):
    territory = session.get(Territory, code.upper())
    if territory is None:
        abort(404)
    condition = experiences_condition(territory)
    return render_template(
        "territories/show.html", territory=territory, parents=parents(territory),
        **published_page(condition, request.args.get("page"), PER_PAGE),
        page_title=territory.name,
        figures=territory_figures(territory, condition), mini_map=territory_map(territory),
    )
