"""``GET /api/v1/experiences``: the search as JSON, same parameters as ``/recherche``.

Returns ``total``, ``page``, ``per_page``, ``results`` (open-data records of SPEC 7b, each with
an HTML ``snippet`` where only ``<mark>`` is markup), ``facets``, ``suggestion``,
``territory_suggestion`` and ``notices``. A parameter it cannot use gives 400 naming it; an
unreadable index gives 503.
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from sqlalchemy import func, select

from kb.db import session
from kb.experiences.models import Replication
from kb.opendata.records import experience_to_record
from kb.search.labels import known_codes
from kb.search.params import BadParameter, parse_search_args
from kb.search.queries import SearchOutcome, run_search
from kb.search.views import bp


@bp.route("/api/v1/experiences")
def api_experiences():
    try:
        params = parse_search_args(request.args, known_codes, strict=True, allow_per_page=True)
    except BadParameter as error:
        return jsonify({
            "error": "Requête incorrecte", "message": error.message,
            "parameter": error.parameter, "status": 400,
        }), 400
    outcome = run_search(params)
    if outcome.degraded:
        return jsonify({
            "error": "Service momentanément indisponible", "status": 503,
            "message": "L'index de recherche est indisponible ; réessayez dans un instant.",
        }), 503
    return jsonify(outcome_to_json(outcome))


def outcome_to_json(outcome: SearchOutcome) -> dict:
    replications = _replication_counts([e.id for e in outcome.experiences])
    results = []
    for experience in outcome.experiences:
        url = url_for("experiences.show", experience_id=experience.id, slug=experience.slug,
                      _external=True)
        record = experience_to_record(
            experience, url, replications=replications.get(experience.id, 0)
        )
        snippet = outcome.snippets.get(experience.id)
        record["snippet"] = str(snippet) if snippet else None
        results.append(record)
    return {
        "total": outcome.total,
        "page": outcome.page,
        "per_page": outcome.params.per_page,
        "results": results,
        "facets": {
            name: [{"code": v.code, "label": v.label, "count": v.count, "selected": v.selected}
                   for v in values]
            for name, values in outcome.facets.items()
        },
        "suggestion": outcome.suggestion,
        "territory_suggestion": outcome.territory_suggestion,
        "notices": outcome.notices,
    }


def _replication_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(Replication.source_id, func.count())
        .where(Replication.source_id.in_(ids))
        .group_by(Replication.source_id)
    )
    return dict(rows.all())
