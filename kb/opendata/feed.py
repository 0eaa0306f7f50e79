"""``/flux.atom``: an Atom 1.0 feed (RFC 4287) of the 50 latest published write-ups matching
the parameters of ``/recherche`` — any search can be followed in a feed reader.

The XML is built with :mod:`xml.etree.ElementTree`, which escapes every text; titles and
summaries go out as ``type="text"`` (never HTML), and characters XML 1.0 forbids are removed,
so nothing a contributor typed can break the feed or run in a reader.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from urllib.parse import urlencode
from xml.etree.ElementTree import Element, SubElement, tostring

from flask import Response, current_app, request, url_for

from kb.accounts.models import utcnow
from kb.db import session
from kb.experiences.models import Experience
from kb.experiences.terms import term_label
from kb.html import markdown_to_text
from kb.opendata.export_views import INDEX_DOWN, refuse
from kb.opendata.records import iso_utc
from kb.opendata.selection import params_from_args, selected_ids
from kb.opendata.streams import load_published
from kb.opendata.views import bp
from kb.search.labels import facet_label
from kb.search.params import DEFAULT_SORT, BadParameter, SearchParams
from kb.search.schema import FACETS
from kb.search.store import IndexUnavailable

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_SIZE = 50
SUMMARY_FALLBACK_LENGTH = 600
LICENCE = "Licence Ouverte Etalab 2.0 — https://www.etalab.gouv.fr/licence-ouverte-open-licence"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FACET_LABELS = {facet.name: facet.label for facet in FACETS}


@bp.route("/flux.atom")
def feed():
    """The feed of a search; ``tri`` and ``page`` are ignored (newest first, 50 entries)."""
    try:
        params = replace(params_from_args(request.args), sort=DEFAULT_SORT)
        ids = selected_ids(session, replace(params, sort="date"), limit=FEED_SIZE)
    except BadParameter as error:
        return refuse(400, error.message, as_json=False)
    except IndexUnavailable:
        return refuse(503, INDEX_DOWN, as_json=False)
    xml = atom_feed(params, load_published(session, ids))
    response = Response(xml, content_type="application/atom+xml; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def atom_feed(params: SearchParams, experiences: list[Experience]) -> bytes:
    """The Atom document of a search and its entries."""
    root = Element("feed", {"xmlns": ATOM_NS, XML_LANG: "fr"})
    query = urlencode(params.pairs(with_page=False))
    self_url = _with_query(url_for("opendata.feed", _external=True), query)
    _text(root, "id", self_url)
    _text(root, "title", f"{current_app.config['SERVICE_NAME']} — {describe_search(params)}")
    _text(root, "subtitle", "Les dernières fiches d'expérience publiées correspondant à "
                            "cette recherche.")
    updated = max((e.updated_at or e.published_at for e in experiences), default=utcnow())
    _text(root, "updated", iso_utc(updated))
    SubElement(root, "link", rel="self", type="application/atom+xml", href=self_url)
    SubElement(root, "link", rel="alternate", type="text/html",
               href=_with_query(url_for("search.search", _external=True), query))
    _text(root, "rights", LICENCE)
    _text(root, "generator", current_app.config["SERVICE_NAME"])
    for experience in experiences:
        root.append(atom_entry(experience))
    return tostring(root, encoding="utf-8", xml_declaration=True)


def atom_entry(experience: Experience) -> Element:
    """One write-up: permanent id, dates, link, plain-text summary, author, themes."""
    entry = Element("entry")
    _text(entry, "id", url_for("experiences.show", experience_id=experience.id, _external=True))
    _text(entry, "title", experience.title, type="text")
    _text(entry, "published", iso_utc(experience.published_at))
    _text(entry, "updated", iso_utc(experience.updated_at or experience.published_at))
    SubElement(entry, "link", rel="alternate", type="text/html", href=url_for(
        "experiences.show", experience_id=experience.id, slug=experience.slug, _external=True,
    ))
    author = SubElement(entry, "author")
    _text(author, "name", experience.organisation.name)
    scheme = url_for("opendata.data_page", _external=True) + "#vocabulaire-theme"
    for code in experience.codes("theme"):
        SubElement(entry, "category", term=code, label=term_label("theme", code), scheme=scheme)
    _text(entry, "summary", entry_summary(experience), type="text")
    return entry


def entry_summary(experience: Experience) -> str:
    """The plain-text summary, or the start of the context when there is none."""
    if experience.summary.strip():
        return experience.summary
    text = html.unescape(markdown_to_text(experience.context))  # plain text, not HTML
    return text[:SUMMARY_FALLBACK_LENGTH]


def describe_search(params: SearchParams) -> str:
    """« toutes les fiches » or « « tablettes » ; Thème : Équipement des écoles… »."""
    parts = [f"«\u00a0{params.q}\u00a0»"] if params.q else []
    for name, codes in params.filters.items():
        labels = ", ".join(facet_label(name, code) for code in codes)
        parts.append(f"{_FACET_LABELS[name]}\u00a0: {labels}")
    return " ; ".join(parts) if parts else "toutes les fiches"


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold (control characters…)."""
    return _NOT_XML.sub("", value)


def _text(parent: Element, tag: str, value: str | None, **attributes) -> Element:
    element = SubElement(parent, tag, attributes)
    element.text = xml_text(value or "")
    return element


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url
