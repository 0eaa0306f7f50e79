"""Views of the opendata feature: the blueprint; the routes live in the modules imported at
the bottom (exports, feed, record API and OpenAPI, the ``/donnees`` page)."""

from flask import Blueprint

bp = Blueprint("opendata", __name__)

from kb.opendata import (  # noqa: E402,F401  (modules adding their routes to ``bp``)
    api_views,
    export_views,
    feed,
    page_views,
)
