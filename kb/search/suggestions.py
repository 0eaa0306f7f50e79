"""*Did you mean*, and a place name in the query offered as a filter.

Spelling corrections come from the small ``spelling`` field (the words of titles, summaries and
place names, accents kept), never from the whole text: looking words up there stays fast at any
index size. A word is only corrected when it appears in none of the exact fields, and the
correction is offered when it is a pure spelling variant (one edit, same stem: *tablete* →
*tablette*) or when the corrected query finds more write-ups. Candidates come from the field's
lexicon, kept in memory grouped by first two letters: one edit away (generated edits looked
up), or — only when the query finds few write-ups — two edits away among the words sharing the
first two letters.
"""

from __future__ import annotations

import re

from sqlalchemy import case, select

from kb.search.analysis import fold as fold_word
from kb.search.analysis import stem_word
from kb.search.params import typeset
from kb.search.parsing import Clause, ParsedQuery, parse_query
from kb.territories.lookup import fold as fold_name
from kb.territories.lookup import territory_label, territory_to_json
from kb.territories.models import Territory

FEW_RESULTS = 5  # two-edit corrections only below this many results
LETTERS = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæ"
EXACT_LEXICONS = ("title_exact", "summary_exact", "places")
MAX_PLACE_WORDS = 4
COMMUNE_MIN_POPULATION = 5_000  # smaller communes only when the name is capitalised
_KIND_RANK = {"region": 0, "com": 0, "departement": 1, "commune": 2}


# --------------------------------------------------------------------------- spelling


def spelling_suggestion(view, parsed: ParsedQuery, total: int) -> str | None:
    """A corrected query text, or ``None``."""
    reader = view.searcher.reader()
    corrections = {}
    for clause in parsed.plain_words():
        correction = _correct(reader, view.matches, clause, total)
        if correction:
            corrections[clause.text] = correction
    if not corrections:
        return None
    corrected = _replace_words(parsed.text, corrections)
    if all(_same_stem(word, fix) for word, fix in corrections.items()):
        return corrected
    reparsed = parse_query(corrected)
    if reparsed.is_empty:
        return None
    return corrected if view.matches.query(reparsed).bit_count() > total else None


def _correct(reader, matches, clause: Clause, total: int) -> str | None:
    """The likeliest correction of an unknown word: one edit away, or — when the query finds
    few write-ups — two."""
    folded = clause.exact[0]
    if len(folded) < 4 or not folded.isalpha() or _known(reader, clause):
        return None
    word = clause.text.lower()
    lexicon = matches.lexicon("spelling")
    for distance in (1, 2) if total < FEW_RESULTS else (1,):
        if distance == 1:
            near = {edit for edit in _edits1(word) if edit in lexicon.get(edit[:2], ())}
        else:
            near = {c for c in lexicon.get(word[:2], ()) if _within_two(word, c)}
        candidates = [c for c in near if not _inflection(fold_word(c), folded)]
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


def _within_two(word: str, candidate: str) -> bool:
    """At most two edits apart (insertions, deletions, substitutions, adjacent swaps)."""
    if abs(len(word) - len(candidate)) > 2:
        return False
    before, previous = None, list(range(len(candidate) + 1))
    for i, char in enumerate(word, 1):
        current = [i]
        for j, other in enumerate(candidate, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if before and i > 1 and j > 1 and char == candidate[j - 2] and word[i - 2] == other:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > 2:
            return False
        before, previous = previous, current
    return previous[-1] <= 2


def _edits1(word: str) -> set[str]:
    """Strings one deletion, transposition, replacement or insertion away, first letter
    kept."""
    first, rest = word[:1], word[1:]
    splits = [(rest[:i], rest[i:]) for i in range(len(rest) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    edits |= {a + c + b for a, b in splits for c in LETTERS}
    edits.discard(rest)
    return {first + edit for edit in edits}


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
    """The facet (parameter, code) a place stands for: its région (or collectivité
    d'outre-mer), or its département."""
    if territory.kind in ("region", "com"):
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
