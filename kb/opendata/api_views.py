"""``GET /api/v1/experiences/<id>`` (one published write-up as a record) and
``GET /api/v1/openapi.json`` (the description of the whole API)."""

from __future__ import annotations

import json

from flask import abort, current_app, request

from kb.db import session
from kb.experiences.access import published_by_ids
from kb.experiences.models import Experience
from kb.opendata.openapi import openapi_document
from kb.opendata.streams import records_of, url_builder
from kb.opendata.views import bp
from kb.search.labels import place_names

MAX_ID = 2**31 - 1  # larger ids cannot exist (and would overflow the database's integer)


@bp.get("/api/v1/experiences/<int:experience_id>")
def api_experience(experience_id: int):
    """A published write-up in the open-data format; 404 (JSON) for anything else."""
    experience = published_experience_or_404(experience_id)
    (record,) = records_of(session, [experience], url_builder())
    return json_response(record)


@bp.get("/api/v1/openapi.json")
def api_openapi():
    """The OpenAPI 3.1 description, with this server's address and the place codes."""
    places = {kind: list(codes) for kind, codes in place_names().items()}
    return json_response(openapi_document(request.url_root.rstrip("/"), places))


def published_experience_or_404(experience_id: int) -> Experience:
    """The published write-up ``experience_id`` whoever asks (the API never shows drafts)."""
    if not 1 <= experience_id <= MAX_ID:
        abort(404)
    found = published_by_ids([experience_id])
    if not found:
        abort(404)
    return found[0]


def json_response(data, status: int = 200):
    """JSON with the keys in their documented order and readable accents, open to any origin
    (public data only)."""
    body = json.dumps(data, ensure_ascii=False)
    response = current_app.response_class(body, status=status, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
