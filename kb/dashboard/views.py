"""Views of the dashboard feature: ``/tableau-de-bord``, plus the signal and label routes
(registered on this blueprint by :mod:`kb.dashboard.signal_views`)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from kb.dashboard import figures, maps
from kb.dashboard.cache import cached
from kb.dashboard.figures import search_url
from kb.dashboard.signals import LABELLER_ROLES, open_reports_count
from kb.experiences.vocabularies import THEME
from kb.french import compte
from kb.territories.lookup import fold

bp = Blueprint("dashboard", __name__)


def _count_title(code: str, name: str, count: int) -> str:
    return f"{name} ({code})\u00a0: {compte(count, 'fiche publiée', 'fiches publiées')}"


def departement_map(departements, counts: dict[str, int], theme: str | None):
    """The choropleth of the dashboard: each département links to its filtered search."""
    return maps.choropleth(
        departements, counts,
        href=lambda code: search_url(departement=code, theme=theme),
        title=_count_title,
    )


def _requested_theme() -> tuple[str | None, str | None]:
    """The ``theme`` parameter when it is a known code, and a notice when it is not."""
    theme = request.args.get("theme", "").strip()
    if not theme or theme in THEME.codes:
        return theme or None, None
    return None, "Thème inconnu ignoré\u00a0: les chiffres portent sur tous les thèmes."


def practice_marks(labelled, theme: str | None) -> dict[str, tuple[str, str]]:
    """Map markers for the labelled practices (of the chosen theme): one per département,
    linking to the practice, or to the list when there are several."""
    by_departement: dict[str, list] = {}
    for experience in labelled:
        if experience.departement and (theme is None or theme in experience.codes("theme")):
            by_departement.setdefault(experience.departement, []).append(experience)
    marks = {}
    for code, practices in by_departement.items():
        titles = " ; ".join(e.title for e in practices)
        if len(practices) == 1:
            href = url_for("experiences.show", experience_id=practices[0].id,
                           slug=practices[0].slug)
            marks[code] = (href, f"Pratique à essaimer\u00a0: {titles}")
        else:
            marks[code] = ("#pratiques", f"{len(practices)} pratiques à essaimer\u00a0: {titles}")
    return marks


def dashboard_figures(theme: str | None) -> dict:
    """Everything the dashboard shows, from a handful of aggregate queries."""
    departements = figures.territory_names("departement")
    # the régions, then the collectivités d'outre-mer (in the table; they have no map outline)
    regions = [place for kind in ("region", "com")
               for place in sorted(figures.territory_names(kind), key=lambda item: fold(item[1]))]
    counts = cached("counts_by_departement", figures.counts_by_departement, theme)
    costs = {cost.theme: cost
             for cost in cached("median_cost_per_pupil", figures.median_cost_per_pupil)}
    labelled = figures.labelled_practices()
    drawn = departement_map(departements, counts, theme)
    return {
        "departements": departements,
        "counts": counts,
        "map": drawn.with_markers(practice_marks(labelled, theme)),
        "regions": regions,
        "theme_region": cached("counts_by_theme_and_region", figures.counts_by_theme_and_region),
        "region_totals": cached("counts_by_region", figures.counts_by_region),
        "years": cached("counts_by_year", figures.counts_by_year, theme),
        "most_replicated": figures.most_replicated(),
        "most_followed": figures.most_followed(),
        "labelled": labelled,
        "adoptions": figures.adoptions(labelled),
        "gaps": figures.gaps(departements, counts),
        "costs": [costs[code] for code in THEME.codes if code in costs],
    }


def is_analyst() -> bool:
    return current_user.is_authenticated and current_user.role in LABELLER_ROLES


@bp.route("/tableau-de-bord")
def dashboard():
    """The ministry's view: where practices are, how they spread, where the gaps are."""
    theme, notice = _requested_theme()
    analyst = is_analyst()
    return render_template(
        "dashboard/dashboard.html",
        page_title="Tableau de bord",
        theme=theme,
        notice=notice,
        figures=dashboard_figures(theme),
        analyst=analyst,
        open_reports=open_reports_count() if analyst else None,
        search_url=search_url,
        year_url=lambda year: search_url(annee=year, theme=theme),
    )


from kb.dashboard import signal_views as _signal_views  # noqa: E402, F401  (adds routes to bp)
