"""*Did you mean*, and a place name in the query offered as a filter.

Spelling corrections come from the small ``spelling`` field (the words of titles, summaries and
place names, accents kept), never from the whole text: looking words up there stays fast at any
index size. A word is only corrected when it appears in none of the exact fields, and the
correction is offered when it is a pure spelling variant (one edit, same stem: *tablete* →
*tablette*) or when the corrected query finds more write-ups.
"""

from __future__ import annotations

import re

from sqlalchemy import case, select

from kb.search.analysis import fold as fold_word
from kb.search.analysis import stem_word
from kb.search.facets import mask_from_docnums
from kb.search.params import typeset
from kb.search.parsing import Clause, ParsedQuery, parse_query
from kb.territories.lookup import fold as fold_name
from kb.territories.lookup import territory_label, territory_to_json
from kb.territories.models import Territory

FEW_RESULTS = 5
EXACT_LEXICONS = ("title_exact", "summary_exact", "places")
MAX_PLACE_WORDS = 4
COMMUNE_MIN_POPULATION = 5_000  # smaller communes only when the name is capitalised
_KIND_RANK = {"region": 0, "departement": 1, "commune": 2}


# --------------------------------------------------------------------------- spelling


def spelling_suggestion(searcher, parsed: ParsedQuery, total: int, facets) -> str | None:
    """A corrected query text, or ``None``."""
    reader = searcher.reader()
    corrections = {}
    for clause in parsed.plain_words():
        correction = _correct(reader, clause)
        if correction:
            corrections[clause.text] = correction
    if not corrections:
        return None
    corrected = _replace_words(parsed.text, corrections)
    if all(_same_stem(word, fix) for word, fix in corrections.items()):
        return corrected
    query = parse_query(corrected).to_query()
    if query is None:
        return None
    found = (mask_from_docnums(searcher.docs_for_query(query), facets.size) & facets.live)
    return corrected if found.bit_count() > total else None


def _correct(reader, clause: Clause) -> str | None:
    folded = clause.exact[0]
    if len(folded) < 4 or not folded.isalpha() or _known(reader, clause):
        return None
    word = clause.text.lower()
    for distance in (1, 2):
        candidates = [c for c in _terms_within(reader, word, distance)
                      if not _inflection(fold_word(c), folded)]
        if candidates:
            return max(candidates, key=lambda c: (reader.doc_frequency("spelling", c), c))
    return None


def _inflection(candidate: str, folded: str) -> bool:
    """Same word, or one ends the other (*tablette*/*tablettes*): not a spelling mistake."""
    return candidate.startswith(folded) or folded.startswith(candidate)


def _known(reader, clause: Clause) -> bool:
    folded = clause.exact[0]
    if any((name, folded) in reader for name in EXACT_LEXICONS):
        return True
    return ("spelling", clause.text.lower()) in reader


def _terms_within(reader, word: str, distance: int) -> set[str]:
    """Words of the spelling field within ``distance`` edits (same first letter), from each
    segment's term automaton."""
    words: set[str] = set()
    for leaf, _offset in reader.leaf_readers():
        if leaf.doc_count_all():
            words.update(leaf.terms_within("spelling", word, distance, prefix=1))
    return words


def _same_stem(word: str, correction: str) -> bool:
    return stem_word(word) == stem_word(correction)


def _replace_words(text: str, corrections: dict[str, str]) -> str:
    for word, correction in corrections.items():
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", correction, text)
    return text


# --------------------------------------------------------------------------- places


def place_in_query(session, text: str) -> tuple[Territory, str] | None:
    """The région, département or commune named in the query, and the query without it."""
    words = text.split()
    candidates = _place_candidates(words)
    if not candidates:
        return None
    rows = session.scalars(
        select(Territory).where(
            Territory.kind.in_(tuple(_KIND_RANK)),
            Territory.search_name.in_([name for name, _span in candidates]),
        ).order_by(
            case(_KIND_RANK, value=Territory.kind), Territory.population.desc().nulls_last()
        )
    ).all()
    spans = dict(candidates)
    best = None
    for territory in rows:
        start, end = spans[territory.search_name]
        if not _plausible(territory, words[start:end]):
            continue
        key = (-(end - start), _KIND_RANK[territory.kind])
        if best is None or key < best[0]:
            best = (key, territory, start, end)
    if best is None:
        return None
    _key, territory, start, end = best
    return territory, " ".join(words[:start] + words[end:])


def _place_candidates(words: list[str]) -> list[tuple[str, tuple[int, int]]]:
    candidates = []
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + MAX_PLACE_WORDS) + 1):
            name = fold_name(" ".join(words[start:end]))
            if len(name) >= 3 and not name.isdigit():
                candidates.append((name, (start, end)))
    return candidates[:200]


def _plausible(territory: Territory, words: list[str]) -> bool:
    """A commune named like a common word (*École*, *Plan*) only counts when capitalised or
    populous."""
    if territory.kind != "commune":
        return True
    capitalised = all(word[:1].isupper() for word in words if len(word) > 3)
    return capitalised or (territory.population or 0) >= COMMUNE_MIN_POPULATION


def territory_filter(territory: Territory) -> tuple[str, str] | None:
    """The facet (parameter, code) a place stands for: its région, or its département."""
    if territory.kind == "region":
        return ("region", territory.region or territory.insee)
    if territory.departement:
        return ("departement", territory.departement)
    return None


def territory_suggestion(session, params, place_label) -> dict | None:
    """« Filtrer sur Creuse (23) ? »: the place named in the query as a filter link, unless
    that filter is already on."""
    found = place_in_query(session, params.q)
    if found is None:
        return None
    territory, rest = found
    target = territory_filter(territory)
    if target is None or target[1] in params.filters.get(target[0], ()):
        return None
    name, code = target
    filters = {**params.filters, name: (*params.filters.get(name, ()), code)}
    label = place_label(name, code)
    if territory.kind == "commune":
        text = f"Filtrer sur le département de {territory.name}, {label} ?"
    else:
        text = f"Filtrer sur {label} ?"
    return {
        **territory_to_json(territory),
        "label": territory_label(territory),
        "parameter": name,
        "value": code,
        "text": typeset(text),
        "url": params.url(q=rest, filters=filters),
    }
