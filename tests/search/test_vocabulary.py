"""Vocabulary-aware ranking (issue 11 point 2): the labels and names of a write-up's codes and
its places are searched, and a query word naming a code raises the write-ups carrying it —
without filtering the others out."""

from __future__ import annotations

from kb.search.parsing import parse_query
from kb.search.vocabulary import named_codes


def _bare(create_experience, title, **fields):
    """A write-up whose codes are only those given."""
    fields.setdefault("themes", ("gouvernance",))
    for name in ("equipment", "levels", "territory_types"):
        fields.setdefault(name, ())
    return create_experience(title=title, **fields)


def test_people_of_a_level_find_the_level(create_experience, found_ids):
    lycee = _bare(create_experience, "Des ordinateurs portables", levels=("lycee",))
    _bare(create_experience, "Des ordinateurs portables pour tous", levels=("college",))
    assert found_ids(q="lycéens") == [lycee.id]
    assert found_ids(q="ordinateurs portables lycéens")[0] == lycee.id


def test_overseas_is_found_by_type_and_by_place(create_experience, found_ids):
    typed = _bare(create_experience, "Un réseau pour les écoles", territory_types=("outre-mer",))
    located = _bare(create_experience, "Un réseau pour les écoles de la ville",
                    territory_code="C97209")  # Fort-de-France, no « outre-mer » code
    _bare(create_experience, "Un réseau pour les écoles du bourg")
    assert set(found_ids(q="outre-mer")) == {typed.id, located.id}
    assert found_ids(q="Martinique") == [located.id]


def test_labels_and_acronyms_of_codes_are_searched(create_experience, found_ids):
    robots = _bare(create_experience, "Les mercredis du code", themes=("programmation",))
    screens = _bare(create_experience, "Des écrans dans les classes", equipment=("tni",))
    _bare(create_experience, "Autre chose")
    assert found_ids(q="robotique") == [robots.id]
    for acronym in ("TNI", "TBI", "VPI"):
        assert found_ids(q=acronym) == [screens.id], acronym


def test_authority_kind_and_region_names_are_searched(create_experience, create_organisation,
                                                      found_ids):
    region = create_organisation(name="Conseil de la Réunion", kind="region",
                                 territory_code="R04")
    filed = _bare(create_experience, "Un ordinateur pour chaque élève",
                  organisation=region, territory_code="R04")
    _bare(create_experience, "Un ordinateur pour chaque élève du village")
    assert found_ids(q="ordinateur région")[0] == filed.id


def test_carrying_the_named_code_ranks_first_but_does_not_filter(create_experience,
                                                                 found_ids):
    without = _bare(create_experience, "Des tablettes pour les élèves")
    carrying = _bare(create_experience, "Des tablettes pour les élèves",
                     equipment=("tablettes",))
    assert found_ids(q="tablettes") == [carrying.id, without.id]


def test_query_words_name_codes_longest_first():
    assert named_codes(parse_query("lycéens")) == [("niveau", "lycee"), ("niveau", "lycee-pro")]
    assert named_codes(parse_query("lycée professionnel")) == [("niveau", "lycee-pro")]
    assert named_codes(parse_query("des TBI au collège")) == [
        ("equipement", "tni"), ("niveau", "college")]
    assert set(named_codes(parse_query("la fibre"))) == {
        ("theme", "connectivite"), ("equipement", "thd")}
    assert named_codes(parse_query("projets en outre-mer")) == [("territoire", "outre-mer")]
    assert named_codes(parse_query("ordinateur")) == []


def test_place_in_the_query_is_still_offered_as_a_filter(create_experience, search_api):
    creuse = _bare(create_experience, "Des tablettes", territory_code="C23096")
    elsewhere = _bare(create_experience, "Des tablettes", territory_code="C97209")
    result = search_api(q="tablettes Creuse")
    assert [r["id"] for r in result["results"]] == [creuse.id, elsewhere.id]
    assert result["territory_suggestion"]["code"] == "D23"


def test_several_words_are_all_words_in_the_vocabulary_but_a_phrase_in_the_text(
        create_experience, found_ids):
    """The vocabulary field is a bag of labels: a quoted phrase finds a write-up whose labels
    hold its words apart; in running text the words must still follow each other."""
    labelled = _bare(create_experience, "Des écrans", equipment=("tni",))  # « Tableaux … »
    in_text = _bare(create_experience, "Autre projet", summary="Un tableau interactif au mur.")
    apart = _bare(create_experience, "Encore un", summary="Un tableau noir, un jeu interactif.")
    found = found_ids(q='"tableau interactif"')
    assert labelled.id in found and in_text.id in found
    assert apart.id not in found
