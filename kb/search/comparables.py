"""Comparable projects: write-ups from territories alike, close in content.

A write-up (or « my territory + themes + levels ») is compared with the others on what a local
authority cares about, in this order, each criterion deciding before the next is looked at:

1. the same kind of authority (a commune with communes: they share the same competences);
2. the same département (neighbours the officer can call or visit);
3. the same population band;
4. the same région;
5. then relevance: content (Whoosh key terms of its text, *more like this*), shared themes,
   territory types and school levels.

So a same-département commune comes before a same-size commune of another région, and the order
never contradicts the reason given (« Commune de taille similaire, même département »).
Candidates come from the cached facet bitsets (most alike territories first) plus the closest
texts anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from whoosh.query import Or, Term

from kb.experiences.models import TEXT_FIELDS, Experience
from kb.experiences.terms import term_label
from kb.html import markdown_to_text
from kb.search.facets import MaskFilter, docnums_of
from kb.search.indexer import extension
from kb.search.queries import fetch_in_order
from kb.search.ranking import top_indexes
from kb.search.scoring import bools
from kb.territories.lookup import population_band
from kb.territories.models import Territory

POOL_SIZE = 200
CONTENT_CANDIDATES = 50
TERRITORY_CRITERIA = ("kind", "departement", "band", "region")  # in order of precedence
RELEVANCE_WEIGHTS = {"type": 1.0, "theme": 1.5, "level": 0.5, "content": 4.0}
KIND_NOUNS = {  # noun, feminine
    "commune": ("Commune", True), "epci": ("Intercommunalité", True),
    "departement": ("Département", False), "region": ("Région", True),
    "com": ("Collectivité d'outre-mer", True),
}
TYPE_ADJECTIVES = {  # masculine, feminine
    "rural": ("rural", "rurale"), "periurbain": ("périurbain", "périurbaine"),
    "urbain": ("urbain", "urbaine"), "metropole": ("métropolitain", "métropolitaine"),
    "montagne": ("de montagne", "de montagne"), "littoral": ("littoral", "littorale"),
    "outre-mer": ("d'outre-mer", "d'outre-mer"),
    "quartier-prioritaire": ("avec quartier prioritaire", "avec quartier prioritaire"),
    "education-prioritaire": ("en éducation prioritaire", "en éducation prioritaire"),
}


@dataclass(frozen=True)
class Reference:
    """What comparables are sought for: a territory, its types, themes, levels and a text."""

    territory: Territory
    territory_types: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    text: str = ""
    exclude_id: int | None = None

    @property
    def band(self) -> str | None:
        return population_band(self.territory.population)

    @property
    def region(self) -> str | None:
        return self.territory.region

    @property
    def departement(self) -> str | None:
        return self.territory.departement


@dataclass(frozen=True, order=True)
class Rank:
    """How alike a candidate is: the territory criteria met (in order of precedence, as 0/1),
    then relevance; compared as a tuple, the greater the more comparable."""

    territory: tuple[int, ...]
    relevance: float
    closeness: float = field(compare=False)  # content closeness 0–1, for the reason


@dataclass
class Comparable:
    experience: Experience
    rank: Rank
    reason: str
    shared_themes: list[str] = field(default_factory=list)


def reference_for(experience: Experience) -> Reference:
    texts = [experience.title, experience.summary]
    texts += [markdown_to_text(getattr(experience, name)) for name in TEXT_FIELDS]
    return Reference(
        territory=experience.territory,
        territory_types=tuple(experience.codes("territoire")),
        themes=tuple(experience.codes("theme")),
        levels=tuple(experience.codes("niveau")),
        text="\n".join(texts),
        exclude_id=experience.id,
    )


def reference_from_form(territory: Territory, territory_types, themes, levels) -> Reference:
    """« Trouver des projets comparables au mien »: the content is what the themes say."""
    text = " ".join(term_label("theme", code) for code in themes)
    return Reference(territory, tuple(territory_types), tuple(themes), tuple(levels), text)


def comparable_experiences(reference: Reference, limit: int = 10) -> list[Comparable]:
    """The most comparable published write-ups, best first (raises ``IndexUnavailable``)."""
    ext = extension()
    ext.catch_up()
    with ext.service.view() as view:
        ranks = _rank_candidates(view, reference)
        ranked = sorted(ranks, key=lambda docnum: (ranks[docnum], -docnum), reverse=True)
        ids = {int(view.searcher.stored_fields(d)["id"]): d for d in ranked[: limit + 1]}
    ids.pop(reference.exclude_id, None)
    by_id = {i: ranks[d] for i, d in ids.items()}
    experiences = fetch_in_order(list(ids))[:limit]
    return [
        Comparable(e, by_id[e.id], explain(reference, e, by_id[e.id].closeness),
                   [term_label("theme", c) for c in e.codes("theme") if c in reference.themes])
        for e in experiences
    ]


def _rank_candidates(view, reference: Reference) -> dict[int, Rank]:
    """{docnum: rank} for the candidate pool."""
    features = _features(view.facets, reference)
    content = _content_scores(view, reference)
    pool = _pool(view.facets, features) | set(content)
    tests = {name: MaskFilter(mask) for name, mask in features.items() if mask}
    ranks = {}
    for docnum in pool:
        met = {name for name, test in tests.items() if docnum in test}
        closeness = content.get(docnum, 0.0)
        relevance = closeness * RELEVANCE_WEIGHTS["content"] + sum(
            RELEVANCE_WEIGHTS[name.split(":")[0]] for name in met if ":" in name)
        territory = tuple(int(name in met) for name in TERRITORY_CRITERIA)
        ranks[docnum] = Rank(territory, round(relevance, 6), closeness)
    return ranks


def _features(facets, reference: Reference) -> dict[str, int]:
    features = {
        "kind": facets.selection("territory_kind", [reference.territory.kind]),
        "departement": facets.selection(
            "departement", [reference.departement] if reference.departement else []),
        "band": facets.selection("population_band", [reference.band] if reference.band else []),
        "region": facets.selection("region", [reference.region] if reference.region else []),
    }
    for prefix, name, codes in (("type", "territoire", reference.territory_types[:2]),
                                ("theme", "theme", reference.themes[:3]),
                                ("level", "niveau", reference.levels[:2])):
        for code in codes:
            features[f"{prefix}:{code}"] = facets.selection(name, [code])
    return features


def _pool(facets, features: dict[str, int]) -> set[int]:
    """The most alike territories first, in the order of the criteria (those sharing a theme
    before the others of each tier): widen tier by tier until the pool is large enough. A tier
    too large to take whole is cut, never the tiers before it."""
    themes = 0
    for name, mask in features.items():
        if name.startswith("theme:"):
            themes |= mask
    kind, departement = features["kind"], features["departement"]
    band, region = features["band"], features["region"]
    tiers = (kind & departement & band, kind & departement, kind & band & region,
             kind & band, kind & region, kind, departement, region, themes)
    taken, pool = 0, set()
    for tier in tiers:
        for part in (tier & themes, tier):
            pool.update(_take(docnums_of(part & ~taken), POOL_SIZE * 5 - len(pool)))
            taken |= part
            if len(pool) >= POOL_SIZE:
                return pool
    return pool


def _take(iterator, count: int) -> list[int]:
    taken = []
    for item in iterator:
        taken.append(item)
        if len(taken) >= count:
            break
    return taken


def _content_scores(view, reference: Reference) -> dict[int, float]:
    """More like this: the key terms of the reference text, scored over the whole index as
    arrays (:mod:`kb.search.scoring`, Whoosh's BM25F numbers), the best
    :data:`CONTENT_CANDIDATES` kept. Whoosh's own matchers took over a second here at 10,000
    write-ups: the key terms are common words of long posting lists."""
    if not reference.text.strip():
        return {}
    searcher = view.searcher
    key_terms = searcher.key_terms_from_text("body", reference.text, numterms=12)
    if not key_terms:
        return {}
    query = Or([Term("body", word, boost=weight) for word, weight in key_terms])
    scores = view.scorer.scores(query) * bools(view.facets.live, view.scorer.size)
    matching = np.flatnonzero(scores > 0)
    if not len(matching):
        return {}
    top = matching[top_indexes(matching, np.zeros(len(matching), dtype=np.int32),
                               scores[matching], CONTENT_CANDIDATES)[:CONTENT_CANDIDATES]]
    best = float(scores[top[0]])
    return {int(docnum): float(scores[docnum]) / best for docnum in top}


def explain(reference: Reference, experience: Experience, closeness: float) -> str:
    """Why a write-up is comparable, in French."""
    territory = experience.territory
    parts = []
    same_kind = territory.kind == reference.territory.kind
    band = population_band(territory.population)
    same_band = reference.band is not None and band == reference.band
    shared_types = [c for c in experience.codes("territoire") if c in reference.territory_types]
    if same_kind:
        noun, feminine = KIND_NOUNS[territory.kind]
        adjectives = [c for c in shared_types if (territory.kind, c) != ("com", "outre-mer")]
        words = [noun] + [TYPE_ADJECTIVES[c][feminine] for c in adjectives[:1]]
        if same_band:
            words.append("de taille similaire")
        parts.append(" ".join(words))
    elif same_band:
        parts.append("Territoire de taille similaire")
    elif shared_types:
        parts.append(f"Territoire {TYPE_ADJECTIVES[shared_types[0]][0]}")
    departement = reference.territory.departement
    if departement and experience.departement == departement:
        parts.append("même département")
    elif reference.region and experience.region == reference.region:
        parts.append("même région")
    if closeness >= 0.5 or not parts:
        parts.append("contenu proche")
    text = ", ".join(parts)
    return text[0].upper() + text[1:]
