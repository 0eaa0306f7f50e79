"""Comparable projects: write-ups from territories alike, close in content.

A write-up (or « my territory + themes + levels ») is compared with the others on what a local
authority cares about — same kind of authority, same population band, shared territory types,
same région (then same département), shared themes and school levels — and on content (Whoosh
key terms of its text, *more like this*). Candidates come from the cached facet bitsets (most
alike territories first) plus the closest texts anywhere; each is scored, and the result says
why it is comparable (« Commune rurale de taille similaire, même région »).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh.query import Or, Term

from kb.experiences.models import TEXT_FIELDS, Experience
from kb.experiences.terms import term_label
from kb.html import markdown_to_text
from kb.search.facets import MaskFilter, docnums_of
from kb.search.indexer import extension
from kb.search.queries import fetch_in_order
from kb.territories.lookup import population_band
from kb.territories.models import Territory

POOL_SIZE = 200
CONTENT_CANDIDATES = 50
WEIGHTS = {"kind": 3.0, "band": 2.0, "region": 1.5, "type": 1.0, "theme": 1.5, "level": 0.5,
           "content": 4.0}
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


@dataclass
class Comparable:
    experience: Experience
    score: float
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
        scored = _score_candidates(view, reference)
        ranked = sorted(scored.items(), key=lambda item: -item[1][0])[: limit * 2]
        ids = {int(view.searcher.stored_fields(d)["id"]): d for d, _score in ranked}
    ids.pop(reference.exclude_id, None)
    scores = {i: scored[d] for i, d in ids.items()}
    experiences = fetch_in_order(sorted(ids, key=lambda i: -scores[i][0]))[:limit]
    return [
        Comparable(e, scores[e.id][0], explain(reference, e, scores[e.id][1]),
                   [term_label("theme", c) for c in e.codes("theme") if c in reference.themes])
        for e in experiences
    ]


def _score_candidates(view, reference: Reference) -> dict[int, tuple[float, float]]:
    """{docnum: (score, content closeness 0–1)} for the candidate pool."""
    features = _features(view.facets, reference)
    content = _content_scores(view.searcher, reference)
    pool = _pool(view.facets, features) | set(content)
    tests = {name: MaskFilter(mask) for name, mask in features.items() if mask}
    scored = {}
    for docnum in pool:
        closeness = content.get(docnum, 0.0)
        score = closeness * WEIGHTS["content"]
        for name, test in tests.items():
            if docnum in test:
                score += WEIGHTS[name.split(":")[0]]
        scored[docnum] = (score, closeness)
    return scored


def _features(facets, reference: Reference) -> dict[str, int]:
    features = {
        "kind": facets.selection("territory_kind", [reference.territory.kind]),
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
    """The most alike territories first: widen tier by tier until the pool is large enough."""
    themes = 0
    for name, mask in features.items():
        if name.startswith("theme:"):
            themes |= mask
    kind, band, region = features["kind"], features["band"], features["region"]
    tiers = (kind & band & region & themes, kind & band & themes, kind & band & region,
             kind & region & themes, kind & band, region & themes, kind & themes, themes, kind)
    pool = 0
    for tier in tiers:
        pool |= tier
        if pool.bit_count() >= POOL_SIZE:
            break
    return set(_take(docnums_of(pool), POOL_SIZE * 5))


def _take(iterator, count: int) -> list[int]:
    taken = []
    for item in iterator:
        taken.append(item)
        if len(taken) >= count:
            break
    return taken


def _content_scores(searcher, reference: Reference) -> dict[int, float]:
    """More like this: the key terms of the reference text, searched in the whole index."""
    if not reference.text.strip():
        return {}
    key_terms = searcher.key_terms_from_text("body", reference.text, numterms=12)
    if not key_terms:
        return {}
    query = Or([Term("body", word, boost=weight) for word, weight in key_terms])
    results = searcher.search(query, limit=CONTENT_CANDIDATES)
    top = results.top_n
    best = top[0][0] if top else 0
    return {docnum: score / best for score, docnum in top} if best > 0 else {}


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
