"""Views of the territories feature."""

from flask import Blueprint, abort, jsonify, request

from kb.db import session
from kb.territories.lookup import search_territories, territory_label, territory_to_json
from kb.territories.models import TERRITORY_KINDS

bp = Blueprint("territories", __name__)


@bp.get("/api/v1/territoires")
def api_territories():
    """Territory autocomplete: ``q`` (2 characters at least), optional ``kind`` (``commune``,
    or several separated by commas). Returns at most 20 territory objects, best first, each
    with the ``label`` to show (« Guéret (23) »)."""
    kinds = _requested_kinds(request.args.get("kind", ""))
    found = search_territories(session, request.args.get("q", ""), kinds=kinds)
    return jsonify([territory_to_json(t) | {"label": territory_label(t)} for t in found])


def _requested_kinds(value: str) -> tuple[str, ...] | None:
    """The kinds asked for, ``None`` for all; 400 on an unknown kind."""
    kinds = tuple(kind.strip() for kind in value.split(",") if kind.strip())
    unknown = [kind for kind in kinds if kind not in TERRITORY_KINDS]
    if unknown:
        expected = ", ".join(TERRITORY_KINDS)
        message = f"Type de territoire inconnu\u00a0: {unknown[0]} (attendu\u00a0: {expected})."
        abort(400, description=message)
    return kinds or None
