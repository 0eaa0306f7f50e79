"""Finding and presenting territories: autocomplete, labels, JSON, containment, size bands.

Names are matched on ``Territory.search_name``, the :func:`fold`\\ ed name computed by the
loader, so that case, accents, hyphens and apostrophes never matter (``saint denis`` finds
*Saint-Denis*, ``gueret`` finds *Guéret*). The same folding is applied to the query.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from kb.territories.models import TERRITORY_KINDS, Territory

MAX_RESULTS = 20
MIN_QUERY_LENGTH = 2
NNBSP = "\u202f"  # narrow no-break space, the French thousands separator

# (code, French label, lower bound inclusive); the upper bound is the next band's lower bound
POPULATION_BANDS: tuple[tuple[str, str, int], ...] = (
    ("<2000", f"Moins de 2{NNBSP}000 habitants", 0),
    ("2000-10000", f"De 2{NNBSP}000 à 10{NNBSP}000 habitants", 2_000),
    ("10000-50000", f"De 10{NNBSP}000 à 50{NNBSP}000 habitants", 10_000),
    ("50000-200000", f"De 50{NNBSP}000 à 200{NNBSP}000 habitants", 50_000),
    (">200000", f"Plus de 200{NNBSP}000 habitants", 200_000),
)
POPULATION_BAND_LABELS = {code: label for code, label, _ in POPULATION_BANDS}

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# "23", "2A", "971", "23096", "200034825" (SIREN) — an official code or the start of one
_OFFICIAL_CODE = re.compile(r"(?:\d[\dAB]|2[AB])[\dAB]{0,7}")
# "C23096", "D2A", "E200034825": a territory code as used in URLs
_TERRITORY_CODE = re.compile(r"[RDEC](?:\d[\dAB]|2[AB])[\dAB]{0,7}")
# "Guéret (23)": a label as shown by :func:`territory_label`, sent back by a form
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_LABEL = re.compile(r"(?P<name>.*\S)\s*\((?P<departement>\d[\dAB]\d?)\)\s*")
# What an EPCI's folded name starts with before the place it is named after: its legal form
# (« CC », « CA », « CU », « Métropole »…), an article, and « Grand » or « Pays de » —
# « cc du pays de limours », « ca du grand gueret », « metropole de lyon », « grand besancon ».
_ARTICLE = r"(?:du|de la|de l|des|de|d|la|le|les|l)"
_ACRONYM = re.compile(r"\s*\([^()]*\)\s*$")  # « CC du Pays de Limours (CCPL) »
_EPCI_PREFIX = re.compile(
    r"(?:(?:cc|ca|cu|communaute (?:de communes|d agglomeration|urbaine)|metropole"
    rf"|eurometropole) (?:{_ARTICLE} )?)?(?:(?:grand|pays(?: {_ARTICLE})?) )?"
)


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form of a name, for matching.

    ``"L'Haÿ-les-Roses"`` → ``"l hay les roses"``, ``"Œuilly"`` → ``"oeuilly"``: hyphens,
    apostrophes and other punctuation become single spaces so that words can be matched.
    """
    text = text.casefold().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return _NOT_ALNUM.sub(" ", text).strip()


def core_name(name: str) -> str:
    """The folded name of an EPCI without what precedes the place it is named after:
    ``"CU Limoges Métropole"`` → ``"limoges metropole"``, ``"CA du Grand Guéret"`` →
    ``"gueret"``, ``"Métropole de Lyon"`` → ``"lyon"``, ``"CC du Pays de Limours (CCPL)"`` →
    ``"limours"``; the whole folded name when nothing is left (``"CC du Pays"``)."""
    folded = fold(_ACRONYM.sub("", name))
    core = folded[_EPCI_PREFIX.match(folded).end():]
    return core or folded


def get_territory(session: Session, code: str) -> Territory | None:
    """The territory with this prefixed code (``C23096``), or ``None``."""
    return session.get(Territory, code.strip().upper()) if code else None


def search_territories(
    session: Session, q: str, limit: int = MAX_RESULTS, kinds: Iterable[str] | None = None
) -> list[Territory]:
    """Territories matching ``q`` for the autocomplete, best first, at most ``limit``.

    ``q`` is a name (any case, accents or hyphens), a label (« Guéret (23) »), an official code
    or its start (``23``, ``2A``, ``978``, ``23096``, a SIREN) or a territory code (``C23096``,
    ``R978``). Names are ranked by how well they match, then by population:

    1. the name is ``q`` (« Lyon » the commune);
    2. the name of an EPCI without its legal form (:func:`core_name`) is ``q`` (« Métropole de
       Lyon » for « lyon », « CA du Grand Guéret » for « guéret »);
    3. the name, or that EPCI core name, starts with ``q`` (« Limousis », and « CU Limoges
       Métropole » for « limo »);
    4. a later word of the name starts with ``q`` (« Saint-Léonard-de-Noblat » for « leon »).

    Within each, the most populated first (a département before its homonym village, an
    intercommunalité, which groups its communes, before the small communes of the same
    prefix), then by kind (région, collectivité d'outre-mer, département, EPCI, commune) so
    that Paris the département and Paris the commune, of equal population, come in a stable
    order — except that an EPCI named after one of its communes comes right after that commune
    when both are found (« guére »: Guéret, then CA du Grand Guéret).
    """
    q = (q or "").strip()[:200]
    limit = max(0, min(limit, MAX_RESULTS))
    if len(q) < MIN_QUERY_LENGTH or limit == 0:
        return []
    kinds = tuple(kinds or TERRITORY_KINDS)
    results = _code_matches(session, q, limit, kinds) + _name_matches(session, q, limit, kinds)
    return _unique(results)[:limit]


def _code_matches(session: Session, q: str, limit: int, kinds: tuple[str, ...]) -> list:
    """Territories whose official or territory code is ``q``, then communes whose INSEE code
    starts with it; département (or collectivité d'outre-mer) numbers first, since that is
    what people type."""
    code = q.upper()
    if _TERRITORY_CODE.fullmatch(code):
        territory = session.get(Territory, code)
        return [territory] if territory is not None and territory.kind in kinds else []
    if not _OFFICIAL_CODE.fullmatch(code):
        return []
    exact = Territory.insee == code
    query = (
        select(Territory)
        .where(Territory.kind.in_(kinds))
        .where(or_(exact, (Territory.kind == "commune") & Territory.insee.startswith(code)))
        .order_by(
            case((exact, 0), else_=1),
            case((Territory.kind.in_(("departement", "com")), 0), else_=1),
            _kind_order(),
            Territory.population.desc().nulls_last(),
            Territory.code,
        )
        .limit(limit)
    )
    return list(session.scalars(query))


def _name_matches(session: Session, q: str, limit: int, kinds: tuple[str, ...]) -> list:
    """Territories whose folded name is, starts with, or has a word starting with ``q``."""
    departement = None
    label = _LABEL.fullmatch(q)
    if label:
        q, departement = label["name"], label["departement"].upper()
    variants = _spellings(fold(q))
    if not variants:
        return []
    prefixes = [_escape_like(variant) for variant in variants]
    starts = or_(*(Territory.search_name.like(f"{p}%", escape="\\") for p in prefixes))
    has_word = or_(*(Territory.search_name.like(f"% {p}%", escape="\\") for p in prefixes))
    # An EPCI's core name is the end of its search name from a word on: whatever it matches,
    # ``has_word`` matches too, so the filter reads ``search_name`` only (from the
    # (kind, search_name) index) and ``core_name`` is read for the matching rows' rank alone.
    core_starts = or_(*(Territory.core_name.like(f"{p}%", escape="\\") for p in prefixes))
    query = select(Territory).where(Territory.kind.in_(kinds), or_(starts, has_word))
    if departement:
        query = query.where(Territory.departement == departement)
    rank = case((Territory.search_name.in_(variants), 0), (Territory.core_name.in_(variants), 1),
                (starts | core_starts, 2), else_=3)
    query = query.order_by(
        rank, Territory.population.desc().nulls_last(), _kind_order(), Territory.code
    )
    return _after_namesakes(list(session.scalars(query.limit(limit))))


def _after_namesakes(found: list[Territory]) -> list[Territory]:
    """``found`` with each EPCI moved right after its member commune it is named after (CU
    Limoges Métropole after Limoges), when that commune comes later. Both are in the same
    match tier then: the commune's name starts the EPCI's core name, which matched ``q``."""
    ordered = list(found)
    for epci in [t for t in found if t.kind == "epci" and t.core_name]:
        namesake = next((t for t in ordered if t.kind == "commune" and t.epci_code == epci.code
                         and f"{epci.core_name} ".startswith(f"{t.search_name} ")), None)
        if namesake is not None and ordered.index(namesake) > ordered.index(epci):
            ordered.remove(epci)
            ordered.insert(ordered.index(namesake) + 1, epci)
    return ordered


def _spellings(folded: str) -> list[str]:
    """The folded query, plus its spelled-out form when it abbreviates *saint* or *sainte*
    (« St-Denis »), since official names spell them out (but a few EPCI names do not)."""
    if not folded:
        return []
    words = folded.split(" ")
    expanded = " ".join(_ABBREVIATIONS.get(word, word) for word in words)
    return [folded] if expanded == folded else [folded, expanded]


def _kind_order() -> ColumnElement[int]:
    return case({kind: i for i, kind in enumerate(TERRITORY_KINDS)}, value=Territory.kind)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _unique(territories: list[Territory]) -> list[Territory]:
    seen: set[str] = set()
    unique = []
    for territory in territories:
        if territory.code not in seen:
            seen.add(territory.code)
            unique.append(territory)
    return unique


def territory_label(territory: Territory) -> str:
    """How a territory is named on pages: « Guéret (23) », « Creuse (23) », « CA du Grand
    Guéret », « Nouvelle-Aquitaine », « Saint-Martin » (the collectivité), « Saint-Pierre (975) »
    (a commune of Saint-Pierre-et-Miquelon) — the département number tells homonyms apart."""
    if territory.kind in ("commune", "departement") and territory.departement:
        return f"{territory.name} ({territory.departement})"
    return territory.name


def territory_to_json(territory: Territory) -> dict:
    """The territory object of the open-data format and API (SPEC 7b); parents as bare codes."""
    return {
        "code": territory.code,
        "name": territory.name,
        "kind": territory.kind,
        "departement": territory.departement,
        "region": territory.region,
        "population": territory.population,
    }


def contained_codes(session: Session, territory: Territory) -> list[str]:
    """Codes of the territories directly inside ``territory``, sorted.

    A région contains its départements; a collectivité d'outre-mer, its communes; a
    département, the EPCI attributed to it and its communes; an EPCI, its member communes; a
    commune, nothing. To gather the write-ups of a
    whole région or département, filter on the write-ups' own ``region``/``departement``
    columns instead: they already cover every territory inside.
    """
    column = Territory.code
    if territory.kind == "region":
        query = select(column).where(
            Territory.kind == "departement", Territory.region == territory.region
        )
    elif territory.kind == "com":
        query = select(column).where(
            Territory.kind == "commune", Territory.region == territory.region
        )
    elif territory.kind == "departement":
        query = select(column).where(
            Territory.kind.in_(("epci", "commune")),
            Territory.departement == territory.departement,
        )
    elif territory.kind == "epci":
        query = select(column).where(Territory.epci_code == territory.code)
    else:
        return []
    return list(session.scalars(query.order_by(column)))


def population_band(population: int | None) -> str | None:
    """The size band code of a population (``'2000-10000'``), ``None`` when unknown.

    Lower bounds are inclusive: 2 000 inhabitants is in ``'2000-10000'``.
    """
    if population is None:
        return None
    band = POPULATION_BANDS[0][0]
    for code, _label, lower in POPULATION_BANDS:
        if population >= lower:
            band = code
    return band


def population_band_label(population: int | None) -> str:
    """French label of the population's band, an empty string when unknown."""
    band = population_band(population)
    return POPULATION_BAND_LABELS[band] if band else ""
