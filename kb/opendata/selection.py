"""Which published write-ups an export or a feed holds: *all* those matching the parameters of
``/recherche`` (not one page of them), as ids in the search's order.

* Filters only (no ``q``): one SQL query on the database, the source of truth, with the facet
  semantics of the search — OR within a facet, AND across facets — and its orders (``date``
  and ``pertinence`` without words: newest first; ``budget``: highest first, unknown last).
* With ``q``: the full-text ranking only the index knows, through :func:`kb.search.queries.
  search_index` asked for every match at once. Ids only: the rows are read afterwards in
  chunks, published ones only, so a stale index entry is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from sqlalchemy import Select, exists, extract, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from kb.accounts.models import Organisation
from kb.experiences.models import Experience, ExperienceTerm
from kb.search.params import SearchParams, parse_search_args

CHUNK_SIZE = 500
TERM_FACETS = ("theme", "equipement", "niveau", "territoire")
IGNORED_ARGS = ("page", "per_page")
STALE_MARGIN = 20  # extra index hits a limited selection asks for, in case some are stale


def selected_ids(session: Session, params: SearchParams, limit: int | None = None) -> list[int]:
    """Ids of the published write-ups matching ``params``, in order, at most ``limit``.

    Raises :class:`kb.search.store.IndexUnavailable` when ``q`` is given and the index cannot
    be read: an export silently ranked another way would mislead.
    """
    if params.q:
        return _ids_from_index(session, params, limit)
    query = select(Experience.id).where(*published_conditions(params))
    query = ordered(query, params.sort)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def chunks(ids: list[int], size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    """``ids`` in consecutive slices of ``size``."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def published_conditions(params: SearchParams) -> list:
    """SQL conditions: published, and every facet of ``params`` (AND across facets)."""
    return [Experience.state == "publiee",
            *(facet_condition(name, codes) for name, codes in params.filters.items())]


def facet_condition(name: str, codes: tuple[str, ...]):
    """One facet as SQL: the write-up has any of ``codes`` (OR within the facet)."""
    if name in TERM_FACETS:
        return exists().where(
            ExperienceTerm.experience_id == Experience.id,
            ExperienceTerm.vocabulary == name, ExperienceTerm.code.in_(codes),
        )
    if name == "organisation":
        kinds = select(Organisation.id).where(Organisation.kind.in_(codes))
        return Experience.organisation_id.in_(kinds)
    if name == "annee":
        published = func.coalesce(Experience.published_at, Experience.created_at)
        return extract("year", published).in_([int(code) for code in codes])
    if name in ("region", "departement"):
        return getattr(Experience, name).in_(codes)
    raise ValueError(f"unknown facet {name!r}")


def ordered(query: Select, sort: str) -> Select:
    """The search's order without words: newest first, or highest budget first."""
    newest = (Experience.published_at.desc(), Experience.id.desc())
    if sort == "budget":
        return query.order_by(func.coalesce(Experience.budget_eur, -1).desc(), *newest)
    return query.order_by(*newest)


def _ids_from_index(session: Session, params: SearchParams, limit: int | None) -> list[int]:
    """Every match in rank order. The index may still hold a write-up unpublished a moment
    ago: an export skips it when reading the rows; a limited selection (the feed) asks for a
    few more and keeps the published ones."""
    from kb.search.indexer import extension
    from kb.search.parsing import parse_query
    from kb.search.queries import search_index

    ext = extension()
    ext.catch_up()
    published = _published_count(session)
    if published == 0:
        return []
    parsed = parse_query(params.q)
    wanted = limit + STALE_MARGIN if limit is not None else published
    hits = search_index(ext.service, parsed, replace(params, page=1, per_page=wanted))
    if limit is not None:
        return _published_only(session, hits.ids)[:limit]
    if hits.total > len(hits.ids):  # stale entries took some of the places
        hits = search_index(ext.service, parsed, replace(params, page=1, per_page=hits.total))
    return hits.ids


def _published_only(session: Session, ids: list[int]) -> list[int]:
    if not ids:
        return []
    query = select(Experience.id).where(Experience.id.in_(ids), Experience.state == "publiee")
    published = set(session.scalars(query))
    return [i for i in ids if i in published]


def _published_count(session: Session) -> int:
    query = select(func.count()).select_from(Experience).where(Experience.state == "publiee")
    return session.scalar(query) or 0


def params_from_args(args: MultiDict) -> SearchParams:
    """The search parameters of an export or a feed, checked strictly: an unknown code gives
    :class:`~kb.search.params.BadParameter` rather than a silently wider export. ``page`` and
    ``per_page`` mean nothing here and are ignored."""
    from kb.search.labels import known_codes

    kept = MultiDict([(k, v) for k, v in args.items(multi=True) if k not in IGNORED_ARGS])
    return parse_search_args(kept, known_codes, strict=True)
