"""The search operation behind ``/recherche`` and ``/api/v1/experiences``.

1. The query text is parsed (:mod:`kb.search.parsing`); its matches are a bitset computed from
   the posting lists (:mod:`kb.search.matching`), intersected with the facet selections (OR
   within a facet, AND across facets).
2. Each facet is counted on the matches filtered by the *other* facets, so that ticking a theme
   does not zero the other themes.
3. The page is ranked by BM25F (``pertinence``, every match scored:
   :mod:`kb.search.ranking`), or read from the cached sort order (``date``, ``budget``), and
   its write-ups are loaded from the database in that order: a stale index entry (a write-up
   unpublished a moment ago) is simply skipped.
4. Snippets, a spelling suggestion and a place filter are added.

Steps 1–3 (ids, total, counts, suggestion) are cached per result page, keyed by the index's
state: a commit or a rebuild changes the key. When the index cannot be read, a degraded listing
comes from the database instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import and_, exists, extract, func, or_, select

from kb.accounts.models import Organisation
from kb.db import session
from kb.experiences.access import published_by_ids, published_query
from kb.experiences.models import Experience, ExperienceTerm
from kb.experiences.vocabularies import BY_NAME
from kb.search.facets import MaskFilter
from kb.search.indexer import extension
from kb.search.labels import facet_label
from kb.search.params import SearchParams, typeset
from kb.search.parsing import ParsedQuery, parse_query
from kb.search.ranking import ranked_page
from kb.search.schema import FACETS
from kb.search.snippets import make_snippets
from kb.search.store import IndexUnavailable
from kb.search.suggestions import spelling_suggestion, territory_suggestion

RELAXED_NOTICE = (
    "Aucune fiche ne contient tous ces mots : voici celles qui en contiennent au moins un."
)
PARTIAL_NOTICE = (
    "Aucune fiche ne contient tous ces mots : voici celles qui en contiennent le plus."
)
#: A query finding fewer write-ups than this also finds those holding one word less.
FEW_MATCHES = 10
DEGRADED_NOTICE = (
    "La recherche plein texte est momentanément indisponible : voici les fiches publiées les "
    "plus récentes correspondant aux filtres, cherchées dans les titres et résumés seulement."
)


@dataclass
class FacetValue:
    code: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchOutcome:
    params: SearchParams
    total: int = 0
    page: int = 1
    pages: int = 1
    experiences: list[Experience] = field(default_factory=list)
    snippets: dict[int, Markup | None] = field(default_factory=dict)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: dict | None = None
    territory_suggestion: dict | None = None
    notices: list[str] = field(default_factory=list)
    degraded: bool = False
    index_status: str = "ok"


@dataclass
class IndexHits:
    ids: list[int]
    total: int
    page: int
    pages: int
    counts: dict[str, dict[str, int]]
    relaxed: bool = False  # no result holds every word: a notice says so
    suggestion: str | None = None
    any_word: bool = False  # and none of them holds two of the words


def run_search(params: SearchParams) -> SearchOutcome:
    """Search the index (or the database when the index is unavailable)."""
    ext = extension()
    ext.catch_up()
    parsed = parse_query(params.q)
    try:
        hits = search_index(ext.service, parsed, params)
    except IndexUnavailable as error:
        return degraded_search(params, error)
    outcome = SearchOutcome(params, hits.total, hits.page, hits.pages, notices=list(params.notices))
    if params.page > hits.pages:
        outcome.notices.append(typeset(
            "Ce numéro de page dépasse les résultats : voici la dernière page."
        ))
    if hits.relaxed:
        outcome.notices.append(typeset(RELAXED_NOTICE if hits.any_word else PARTIAL_NOTICE))
    outcome.experiences = fetch_in_order(hits.ids)
    terms = parsed.highlight_terms()
    outcome.snippets = make_snippets(outcome.experiences, terms)
    outcome.facets = facet_values(params, hits.counts)
    if hits.suggestion:
        outcome.suggestion = {"q": hits.suggestion, "url": params.url(q=hits.suggestion)}
    if params.q:
        outcome.territory_suggestion = territory_suggestion(session, params, facet_label)
    return outcome


def search_index(service, parsed: ParsedQuery, params: SearchParams) -> IndexHits:
    """Steps 1–3 against this process's index; raises :class:`IndexUnavailable`.

    A failure other than a missing index is retried once on freshly opened searchers: a commit
    or a generation swap may have removed files under a searcher opened a moment before."""
    try:
        return _search_index(service, parsed, params)
    except IndexUnavailable as error:
        if error.status == "missing":
            raise
    except Exception:  # any Whoosh error: retried below, then reported
        pass
    service.reset()
    try:
        return _search_index(service, parsed, params)
    except IndexUnavailable:
        raise
    except Exception as error:
        raise IndexUnavailable("error", f"Index illisible ({type(error).__name__}).") from error


def _search_index(service, parsed: ParsedQuery, params: SearchParams) -> IndexHits:
    with service.view() as view:
        key = (view.generation, view.facets.key, parsed.text, tuple(params.filters.items()),
               params.sort, params.page, params.per_page)
        hits = service.result_pages.get(key)
        if hits is None:
            hits = index_hits(view, parsed, params)
            service.result_pages.put(key, hits)
        return hits


def index_hits(view, parsed: ParsedQuery, params: SearchParams) -> IndexHits:
    """Matches, facet counts, total and the ids of the page asked for, from one index view."""
    searcher, facets = view.searcher, view.facets
    matches, relaxed = match_documents(view, parsed)
    selections = {name: facets.selection(name, codes) for name, codes in params.filters.items()}
    selected = _intersect(matches, selections.values())
    counts = facet_counts(facets, matches, selections)
    total = selected.bit_count()
    pages = max(1, math.ceil(total / params.per_page))
    page = min(params.page, pages)
    offset = (page - 1) * params.per_page
    query = parsed.to_query(relaxed=relaxed)
    docnums = rank_page(view, parsed, query, selected, params, offset)
    ids = [int(searcher.stored_fields(docnum)["id"]) for docnum in docnums]
    suggestion = None
    if query is not None and parsed.plain_words():
        suggestion = spelling_suggestion(view, parsed, total)
    partial = lacks_some_word(view, parsed, selected)
    any_word = partial and not selected & view.matches.query(parsed, need=2)
    return IndexHits(ids, total, page, pages, counts, partial, suggestion, any_word=any_word)


def match_documents(view, parsed: ParsedQuery) -> tuple[int, bool]:
    """Bitset of the documents matching the query, and whether it came down to any one word
    (``True``: relaxed).

    The minimum-should-match rule decides; but there is no cliff: when a query of several
    words finds fewer than :data:`FEW_MATCHES` write-ups, the write-ups holding one word less
    are added (then two…, down to any word), ranked after them since ranking puts more words
    first."""
    if parsed.is_empty:
        return view.facets.live, False
    wanted = parsed.minimum_should_match()
    levels = view.matches.levels(parsed, wanted)
    need = wanted
    while need > 1 and levels[need].bit_count() < FEW_MATCHES:
        need -= 1
    return levels[need], need == 1 and wanted > 1


def lacks_some_word(view, parsed: ParsedQuery, selected: int) -> bool:
    """Whether the notice « aucune fiche ne contient tous ces mots » is true: there are results
    (after the filters), and none of them holds every word of a query of several (filler
    words aside)."""
    if not selected or len(parsed.required()) + len(parsed.counted()) < 2:
        return False
    return not selected & view.matches.all_words(parsed)


def facet_counts(facets, matches: int, selections: dict[str, int]) -> dict[str, dict[str, int]]:
    """Each facet counted on the matches filtered by the *other* facets' selections."""
    return {facet.name: facets.counts(facet.name, _others(matches, selections, facet.name))
            for facet in FACETS}


def _others(matches: int, selections: dict[str, int], name: str) -> int:
    """The matches filtered by every facet but ``name`` (whose counts they are)."""
    return _intersect(matches, (mask for other, mask in selections.items() if other != name))


def _intersect(mask: int, others) -> int:
    for other in others:
        mask &= other
    return mask


def rank_page(view, parsed: ParsedQuery, query, selected: int, params, offset: int) -> list[int]:
    """Document numbers of the page: by BM25F (``pertinence``) or by the cached order."""
    if not selected:
        return []
    limit = params.per_page
    if params.sort == "pertinence" and query is not None:
        return ranked_page(view.scorer, view.matches, parsed, query, selected, offset, limit)
    facets = view.facets
    order = facets.order("budget" if params.sort == "budget" else "published")
    allowed = MaskFilter(selected)
    page: list[int] = []
    seen = 0
    for docnum in order:
        if docnum in allowed:
            if seen >= offset:
                page.append(docnum)
                if len(page) == limit:
                    break
            seen += 1
    return page


def fetch_in_order(ids: list[int]) -> list[Experience]:
    """The published write-ups with these ids, in the given order (others are left out)."""
    if not ids:
        return []
    rows = {e.id: e for e in published_by_ids(ids)}
    return [rows[i] for i in ids if i in rows]


def facet_values(params: SearchParams, counts: dict[str, dict[str, int]]) -> dict:
    """Every facet's values with count, label and state; selected values first."""
    result = {}
    for facet in FACETS:
        selected = params.filters.get(facet.name, ())
        facet_counts = counts.get(facet.name, {})
        codes = list(dict.fromkeys([*selected, *facet_counts]))
        values = [
            FacetValue(code, facet_label(facet.name, code), facet_counts.get(code, 0),
                       code in selected)
            for code in codes
        ]
        values.sort(key=_facet_order(facet.name))
        result[facet.name] = values
    return result


def _facet_order(name: str):
    if name == "annee":
        return lambda v: (not v.selected, -int(v.code))
    if name in BY_NAME:
        position = {code: i for i, code in enumerate(BY_NAME[name].codes)}
        return lambda v: (not v.selected, -v.count, position.get(v.code, 99))
    return lambda v: (not v.selected, -v.count, v.label)


# --------------------------------------------------------------------------- degraded mode


def degraded_search(params: SearchParams, error: IndexUnavailable) -> SearchOutcome:
    """Published write-ups from the database, newest first, filtered by the facets and by
    the query's words in titles and summaries."""
    condition = and_(*_sql_filters(params))
    query = published_query().where(condition)
    total = session.scalar(
        select(func.count()).select_from(Experience).where(Experience.state == "publiee", condition)
    ) or 0
    pages = max(1, math.ceil(total / params.per_page))
    page = min(params.page, pages)
    experiences = list(session.scalars(
        query.offset((page - 1) * params.per_page).limit(params.per_page)
    ))
    return SearchOutcome(
        params, total, page, pages, experiences,
        notices=[*params.notices, typeset(DEGRADED_NOTICE)],
        degraded=True, index_status=error.status,
    )


def _sql_filters(params: SearchParams) -> list:
    conditions = []
    for word in params.q.split()[:10]:
        pattern = f"%{word.strip(chr(34))[:50]}%"
        conditions.append(or_(Experience.title.ilike(pattern), Experience.summary.ilike(pattern)))
    for name, codes in params.filters.items():
        conditions.append(_sql_facet(name, codes))
    return conditions


def _sql_facet(name: str, codes: tuple[str, ...]):
    if name in ("theme", "equipement", "niveau", "territoire"):
        return exists().where(
            ExperienceTerm.experience_id == Experience.id,
            ExperienceTerm.vocabulary == name, ExperienceTerm.code.in_(codes),
        )
    if name == "organisation":
        return Experience.organisation_id.in_(
            select(Organisation.id).where(Organisation.kind.in_(codes))
        )
    if name == "annee":
        return extract("year", Experience.published_at).in_([int(c) for c in codes])
    return getattr(Experience, name).in_(codes)
