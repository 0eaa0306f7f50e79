"""Finding territories by name or code, and presenting them."""

import pytest

from kb.territories.lookup import (
    contained_codes,
    core_name,
    fold,
    get_territory,
    population_band,
    population_band_label,
    search_territories,
    territory_label,
    territory_to_json,
)


def _codes(territories):
    return [t.code for t in territories]


@pytest.mark.parametrize(("text", "folded"), [
    ("Guéret", "gueret"),
    ("GUÉRET", "gueret"),
    ("Saint-Denis", "saint denis"),
    ("L'Haÿ-les-Roses", "l hay les roses"),
    ("Œuilly", "oeuilly"),
    ("  Saint -  Jean’d  ", "saint jean d"),
    ("CC Faucigny - Glières", "cc faucigny glieres"),
    ("", ""),
])
def test_fold_ignores_case_accents_and_punctuation(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    "query", ["gueret", "GUÉRET", "Guéret", "guére", " Gueret ", "Guéret (23)"]
)
def test_gueret_comes_first_whatever_the_spelling(db_session, query):
    assert _codes(search_territories(db_session, query))[0] == "C23096"


def test_saint_denis_lists_homonyms_largest_first(db_session):
    found = search_territories(db_session, "saint denis")
    exact = [t for t in found if t.name == "Saint-Denis"]
    assert {"C93066", "C97411"} <= set(_codes(exact[:2]))
    assert exact == found[:len(exact)]
    assert [t.population for t in exact] == sorted((t.population for t in exact), reverse=True)
    assert len(exact) >= 3


@pytest.mark.parametrize("query", ["saint-denis", "Saint Denis", "st denis", "ST-DENIS"])
def test_saint_denis_spellings_give_the_same_first_results(db_session, query):
    expected = _codes(search_territories(db_session, "saint denis"))[:4]
    assert _codes(search_territories(db_session, query))[:4] == expected


def test_exact_name_comes_before_prefix_and_word_matches(db_session):
    codes = _codes(search_territories(db_session, "lyon"))
    # Lyon, the Métropole de Lyon (named after it), then Lyons-la-Forêt (a prefix match)
    assert codes[:2] == ["C69123", "E200046977"]
    assert codes.index("E200046977") < codes.index("C27377")


@pytest.mark.parametrize(("name", "core"), [
    ("CU Limoges Métropole", "limoges metropole"),
    ("CA du Grand Guéret", "gueret"),
    ("Métropole de Lyon", "lyon"),
    ("Métropole du Grand Paris", "paris"),
    ("Eurométropole de Strasbourg", "strasbourg"),
    ("CC du Pays de Limours (CCPL)", "limours"),
    ("CC de l'Est Lyonnais (CCEL)", "est lyonnais"),
    ("CC des Monts du Lyonnais", "monts du lyonnais"),
    ("CC de la Vallée de l'Hérault", "vallee de l herault"),
    ("CC Pays d'Apt Luberon", "apt luberon"),
    ("Grand Besançon Métropole", "besancon metropole"),
    ("Bordeaux Métropole", "bordeaux metropole"),
    ("CC du Pays", "pays"),
])
def test_core_name_drops_the_legal_form_article_and_grand(name, core):
    assert core_name(name) == core


def test_an_epci_named_after_the_query_comes_before_communes_that_merely_start_with_it(
        db_session):
    """« Limo »: CU Limoges Métropole (« limoges… » once its legal form is set aside) ranks
    with the names starting with « limo », by population — so before Limousis (121
    inhabitants), where it used to come after every commune starting with « limo »."""
    codes = _codes(search_territories(db_session, "Limo"))
    limoges, metropole, limoux, limousis = "C87085", "E248719312", "C11206", "C11205"
    assert codes[:2] == [limoges, metropole]  # Limoges, then the CU named after it
    assert codes.index(metropole) < codes.index(limoux) < codes.index(limousis)


def test_tiers_then_population_decide_the_order(db_session):
    gueret = _codes(search_territories(db_session, "gueret"))
    assert gueret[:2] == ["C23096", "E200034825"]  # Guéret, then CA du Grand Guéret
    guer = search_territories(db_session, "guér")
    codes = _codes(guer)
    # Guer (the exact name), then every name starting with « guer » (the CA through its core
    # name « gueret »), by size, but the CA (28,000 inhabitants) comes right after Guéret, the
    # commune it is named after
    assert codes[:4] == ["C56075", "C44069", "C23096", "E200034825"]
    communes = [t.population for t in guer[1:] if t.kind == "commune"]
    assert communes == sorted(communes, reverse=True)
    assert _codes(search_territories(db_session, "guére"))[:2] == ["C23096", "E200034825"]
    paris = _codes(search_territories(db_session, "paris"))
    assert set(paris[:2]) == {"C75056", "D75"} and paris[2] == "E200054781"
    limours = _codes(search_territories(db_session, "limours"))
    assert limours[:2] == ["C91338", "E249100074"]  # the commune, then CC du Pays de Limours


def test_creuse_gives_the_departement_first(db_session):
    found = search_territories(db_session, "creuse")
    assert found[0].code == "D23"
    assert "C80225" in _codes(found)  # the village of Creuse, Somme


def test_departement_number_gives_the_departement_then_its_communes(db_session):
    codes = _codes(search_territories(db_session, "23"))
    assert codes[:2] == ["D23", "C23096"]
    assert _codes(search_territories(db_session, "2a"))[0] == "D2A"
    assert _codes(search_territories(db_session, "971"))[0] == "D971"


def test_official_and_territory_codes_find_their_territory(db_session):
    assert _codes(search_territories(db_session, "23096")) == ["C23096"]
    assert _codes(search_territories(db_session, "200034825")) == ["E200034825"]
    assert _codes(search_territories(db_session, "c23096")) == ["C23096"]


def test_results_are_limited_to_twenty(db_session):
    assert len(search_territories(db_session, "saint")) == 20
    assert len(search_territories(db_session, "saint", limit=5)) == 5
    assert len(search_territories(db_session, "saint", limit=500)) == 20


@pytest.mark.parametrize("query", ["", " ", "g", "-", "%%", "__", "'\"", None])
def test_short_or_meaningless_queries_find_nothing(db_session, query):
    assert search_territories(db_session, query) == []


def test_search_can_be_restricted_to_kinds(db_session):
    found = search_territories(db_session, "gueret", kinds=["epci"])
    assert _codes(found) == ["E200034825"]


def test_get_territory_by_code(db_session):
    assert get_territory(db_session, "C23096").name == "Guéret"
    assert get_territory(db_session, " d23 ").name == "Creuse"
    assert get_territory(db_session, "X1") is None
    assert get_territory(db_session, "") is None


def test_labels_tell_homonyms_apart(db_session):
    labels = {code: territory_label(get_territory(db_session, code))
              for code in ("C23096", "D23", "E200034825", "R75")}
    assert labels == {"C23096": "Guéret (23)", "D23": "Creuse (23)",
                      "E200034825": "CA du Grand Guéret", "R75": "Nouvelle-Aquitaine"}


def test_json_has_the_open_data_territory_shape(db_session):
    data = territory_to_json(get_territory(db_session, "C23096"))
    assert data == {"code": "C23096", "name": "Guéret", "kind": "commune",
                    "departement": "23", "region": "75", "population": data["population"]}
    assert isinstance(data["population"], int)


def test_contained_codes_follow_the_hierarchy(db_session):
    assert contained_codes(db_session, get_territory(db_session, "R94")) == ["D2A", "D2B"]
    in_creuse = contained_codes(db_session, get_territory(db_session, "D23"))
    assert {"C23096", "E200034825"} <= set(in_creuse)
    assert all(code[1:3] == "23" or code.startswith("E") for code in in_creuse)
    members = contained_codes(db_session, get_territory(db_session, "E200034825"))
    assert "C23096" in members and all(code.startswith("C") for code in members)
    assert contained_codes(db_session, get_territory(db_session, "C23096")) == []


@pytest.mark.parametrize(("population", "band"), [
    (0, "<2000"), (1_999, "<2000"), (2_000, "2000-10000"), (12_955, "10000-50000"),
    (50_000, "50000-200000"), (199_999, "50000-200000"), (200_000, ">200000"),
    (2_103_778, ">200000"), (None, None),
])
def test_population_bands(population, band):
    assert population_band(population) == band


def test_population_band_labels_are_french():
    assert population_band_label(12_955) == "De 10\u202f000 à 50\u202f000 habitants"
    assert population_band_label(None) == ""
