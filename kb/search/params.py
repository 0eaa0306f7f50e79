"""The parameters of ``/recherche`` and ``/api/v1/experiences``, read from the query string.

Nothing a visitor puts in the URL makes a search fail: on the page, unknown facet codes, sorts
and page numbers are ignored with a French notice; the API (``strict``) answers 400 naming the
parameter instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from flask import url_for
from werkzeug.datastructures import MultiDict

from kb.experiences.vocabularies import BY_NAME
from kb.search.parsing import MAX_QUERY_LENGTH, clean_query_text
from kb.search.schema import FACETS

SORTS = {"pertinence": "Pertinence", "date": "Les plus récentes", "budget": "Budget le plus élevé"}
DEFAULT_SORT = "pertinence"
PER_PAGE = 20
MAX_PER_PAGE = 100
_YEAR = re.compile(r"(19|20)[0-9]{2}")
_SPACE_BEFORE = re.compile(r" ([:;?!»])")
_SPACE_AFTER = re.compile(r"« ")


def typeset(text: str) -> str:
    """French spacing: no-break spaces before ``: ; ? ! »`` and after ``«``."""
    return _SPACE_AFTER.sub("«\u00a0", _SPACE_BEFORE.sub("\u00a0\\1", text))
_FACET_LABELS = {facet.name: facet.label for facet in FACETS}


class BadParameter(ValueError):
    """A parameter the API refuses (400), with a French message naming it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = typeset(message)


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = PER_PAGE
    notices: tuple[str, ...] = ()

    @property
    def active_filters(self) -> list[tuple[str, str]]:
        return [(name, code) for name, codes in self.filters.items() for code in codes]

    def pairs(self, *, page: int | None = None, with_page: bool = True) -> list[tuple[str, str]]:
        """Query-string pairs that reproduce this search (defaults left out)."""
        pairs: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        pairs += self.active_filters
        if self.sort != DEFAULT_SORT:
            pairs.append(("tri", self.sort))
        page = self.page if page is None else page
        if with_page and page > 1:
            pairs.append(("page", str(page)))
        return pairs

    def url(self, endpoint: str = "search.search", **changes) -> str:
        """The address of this search, with ``changes`` (fields of this class) applied; the
        page goes back to 1 unless given."""
        changes.setdefault("page", 1)
        params = replace(self, **changes)
        query = urlencode(params.pairs())
        return url_for(endpoint) + (f"?{query}" if query else "")

    def page_url(self, page: int) -> str:
        return self.url(page=page)

    def toggled(self, name: str, code: str) -> str:
        """This search with one facet value added or removed."""
        codes = self.filters.get(name, ())
        codes = tuple(c for c in codes if c != code) if code in codes else (*codes, code)
        return self.url(filters={**self.filters, name: codes})

    def feed_url(self) -> str:
        """The Atom feed of this search (« Suivre cette recherche »)."""
        query = urlencode(self.pairs(with_page=False))
        return "/flux.atom" + (f"?{query}" if query else "")

    def export_url(self, extension: str, **options: str) -> str:
        """The open-data export of this search, every match rather than one page
        (``export_url("csv", separateur="point-virgule")``)."""
        query = urlencode(self.pairs(with_page=False) + list(options.items()))
        return f"/export.{extension}" + (f"?{query}" if query else "")


def parse_search_args(
    args: MultiDict, known_codes, *, strict: bool = False, allow_per_page: bool = False
) -> SearchParams:
    """Read and check the query string. ``known_codes(name)`` gives the valid codes of a facet
    (``None``: any code matching its own rule). Raises :class:`BadParameter` when ``strict``."""
    notices: list[str] = []
    q, cut = clean_query_text(args.get("q", ""))
    if cut:
        notices.append(f"Votre recherche a été raccourcie à {MAX_QUERY_LENGTH} caractères.")
    filters = {}
    for facet in FACETS:
        codes = _facet_codes(facet.name, args.getlist(facet.name), known_codes, strict, notices)
        if codes:
            filters[facet.name] = codes
    return SearchParams(
        q=q, filters=filters, sort=_sort(args.get("tri"), strict, notices),
        page=_page(args.get("page"), strict, notices),
        per_page=_per_page(args.get("per_page"), strict) if allow_per_page else PER_PAGE,
        notices=tuple(typeset(notice) for notice in notices),
    )


def _facet_codes(name, values, known_codes, strict, notices) -> tuple[str, ...]:
    codes = []
    valid = known_codes(name)
    for value in values:
        value = value.strip()
        if not value or value in codes:
            continue
        if _is_valid(name, value, valid):
            codes.append(value)
            continue
        shown = value[:40]
        if strict:
            raise BadParameter(name, f"Code inconnu pour le paramètre « {name} » : « {shown} ».")
        notices.append(
            f"Le filtre « {_FACET_LABELS[name]} » ne connaît pas la valeur « {shown} » : "
            "elle a été ignorée."
        )
    return tuple(codes)


def _is_valid(name: str, value: str, valid) -> bool:
    if name == "annee":
        return bool(_YEAR.fullmatch(value))
    if name in BY_NAME:
        return value in BY_NAME[name].codes
    return valid is not None and value in valid


def _sort(value: str | None, strict: bool, notices: list[str]) -> str:
    if value is None or value == "":
        return DEFAULT_SORT
    if value in SORTS:
        return value
    if strict:
        raise BadParameter("tri", "Le paramètre « tri » vaut pertinence, date ou budget.")
    notices.append("Ce tri n'existe pas : les résultats sont triés par pertinence.")
    return DEFAULT_SORT


def _page(value: str | None, strict: bool, notices: list[str]) -> int:
    if value is None or value == "":
        return 1
    try:
        page = int(value.strip())
    except ValueError:
        page = 0
    if 1 <= page <= 100_000:
        return page
    if strict:
        raise BadParameter("page", "Le paramètre « page » est un nombre entier à partir de 1.")
    notices.append("Ce numéro de page n'existe pas : voici la première page.")
    return 1


def _per_page(value: str | None, strict: bool) -> int:
    if value is None or value == "":
        return PER_PAGE
    try:
        per_page = int(value)
    except ValueError:
        per_page = 0
    if 1 <= per_page <= MAX_PER_PAGE:
        return per_page
    raise BadParameter("per_page", f"Le paramètre « per_page » va de 1 à {MAX_PER_PAGE}.")
