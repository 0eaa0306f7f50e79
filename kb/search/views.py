"""Views of the search feature: ``/recherche``, comparable projects, and (in
:mod:`kb.search.api`) ``/api/v1/experiences``."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from kb.experiences.access import get_experience_or_404
from kb.search.comparables import (
    comparable_experiences,
    reference_for,
    reference_from_form,
)
from kb.search.forms import ComparablesForm
from kb.search.labels import known_codes
from kb.search.params import SORTS, parse_search_args
from kb.search.queries import run_search
from kb.search.schema import FACETS
from kb.search.store import IndexUnavailable

bp = Blueprint("search", __name__)

UNAVAILABLE = "La recherche de projets comparables est momentanément indisponible."


@bp.route("/recherche")
def search():
    params = parse_search_args(request.args, known_codes)
    outcome = run_search(params)
    return render_template(
        "search/search.html", outcome=outcome, params=params, facets=FACETS, sorts=SORTS,
        page_title=f"Recherche\u00a0: {params.q}" if params.q else "Rechercher une expérience",
    )


@bp.route("/experiences/<int:experience_id>/comparables")
def comparables(experience_id: int):
    """Projects comparable to a write-up the visitor may see."""
    experience = get_experience_or_404(experience_id)
    results, notice = _comparables(reference_for(experience))
    return render_template(
        "search/comparables.html", experience=experience, results=results, notice=notice,
        page_title=f"Projets comparables à «\u00a0{experience.title}\u00a0»",
    )


@bp.route("/comparables")
def comparables_form():
    """« Trouver des projets comparables au mien »: territory, themes and levels."""
    form = ComparablesForm(formdata=request.args if request.args else None)
    results, notice = None, None
    if form.submitted and form.validate():
        reference = reference_from_form(
            form.territory, form.codes("types"), form.codes("themes"), form.codes("niveaux")
        )
        results, notice = _comparables(reference)
    return render_template(
        "search/comparables_form.html", form=form, results=results, notice=notice,
        page_title="Trouver des projets comparables au mien",
    )


def _comparables(reference) -> tuple[list, str | None]:
    try:
        return comparable_experiences(reference), None
    except IndexUnavailable:
        return [], UNAVAILABLE


from kb.search import api as _api  # noqa: E402,F401  (adds /api/v1/experiences to bp)
