"""``/donnees``: what the open data holds and how to get it (exports, feed, API, licence)."""

from __future__ import annotations

from flask import render_template

from kb.experiences.vocabularies import ALL_VOCABULARIES
from kb.opendata.fields import FIELDS
from kb.opendata.records import CSV_COLUMNS
from kb.opendata.views import bp
from kb.search.schema import FACETS


@bp.route("/donnees")
def data_page():
    """Exports, feed, API, licence, the meaning of every field and the vocabularies."""
    return render_template(
        "opendata/donnees.html", fields=FIELDS, csv_columns=CSV_COLUMNS, facets=FACETS,
        vocabulary_list=ALL_VOCABULARIES, page_title="Données ouvertes et API",
    )
