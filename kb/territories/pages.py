"""``/territoires/<code>``: a territory, its parents, and the write-ups filed in it or below it."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select

from kb.dashboard.territory_figures import territory_figures, territory_map
from kb.db import session
from kb.experiences.access import published_page
from kb.experiences.models import Experience
from kb.territories.models import TOP_KINDS, Territory
from kb.territories.views import bp

PER_PAGE = 20


def experiences_condition(territory: Territory):
    """Write-ups filed for this territory or for a territory it contains."""
    if territory.kind in TOP_KINDS:
        return Experience.region == territory.region
    if territory.kind == "departement":
        return Experience.departement == territory.departement
    if territory.kind == "epci":
        members = select(Territory.code).where(Territory.epci_code == territory.code)
        own = Experience.territory_code == territory.code
        return own | Experience.territory_code.in_(members)
    return Experience.territory_code == territory.code


def parents(territory: Territory) -> list[Territory]:
    """Région (or collectivité d'outre-mer), département and EPCI above this territory, from the
    top; a commune of a collectivité d'outre-mer has only its collectivité (no ``D978``)."""
    codes = []
    if territory.kind not in TOP_KINDS and territory.region:
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
        return _collectivite_redirect(code)
    condition = experiences_condition(territory)
    return render_template(
        "territories/show.html", territory=territory, parents=parents(territory),
        **published_page(condition, request.args.get("page"), PER_PAGE),
        page_title=territory.name,
        figures=territory_figures(territory, condition), mini_map=territory_map(territory),
    )


def _collectivite_redirect(code: str):
    """``/territoires/D978`` → ``/territoires/R978``: a collectivité d'outre-mer is filed as
    both région and département of its code, under its ``R`` code only; anything else is 404."""
    code = code.upper()
    collectivite = session.get(Territory, f"R{code[1:]}") if code.startswith("D") else None
    if collectivite is None or collectivite.kind != "com":
        abort(404)
    return redirect(url_for("territories.show", code=collectivite.code), 301)
