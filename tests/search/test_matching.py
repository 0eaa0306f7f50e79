"""French matching: case, accents, plurals and inflections, synonyms and acronyms, phrases."""

from __future__ import annotations

import pytest

from kb.search.synonyms import parse_synonyms, synonym_groups


def test_case_and_accents_never_matter(create_experience, found_ids):
    experience = create_experience(title="L'École numérique de Guéret")
    for query in ("ecole numerique", "ÉCOLE NUMÉRIQUE", "Ecole Numerique", "école numérique"):
        assert found_ids(q=query) == [experience.id], query


def test_combining_accents_typed_separately_match(create_experience, found_ids):
    experience = create_experience(title="Une école connectée")
    assert found_ids(q="e\u0301cole") == [experience.id]


def test_plurals_and_inflections_match(create_experience, found_ids):
    tablets = create_experience(title="Des tablettes pour les élèves")
    training = create_experience(title="Former les enseignantes", themes=("formation",),
                                 equipment=())
    assert found_ids(q="tablette") == [tablets.id]
    assert found_ids(q="élève") == [tablets.id]
    assert found_ids(q="formation enseignant") == [training.id]


def test_words_in_long_texts_and_follow_ups_match(create_experience, found_ids, db_session):
    from datetime import date

    from kb.experiences.models import FollowUp

    experience = create_experience(context="Le **câblage** des salles était vétuste.")
    experience.follow_ups.append(
        FollowUp(entry_date=date(2024, 6, 1), body="Bilan : baladodiffusion")
    )
    db_session.commit()
    from kb.search.models import enqueue

    enqueue(db_session, experience.id)
    db_session.commit()
    assert found_ids(q="cablage") == [experience.id]
    assert found_ids(q="baladodiffusion") == [experience.id]


def test_place_names_of_every_level_match(create_experience, found_ids):
    experience = create_experience(territory_code="C23096")  # Guéret, Creuse, Nouvelle-Aquitaine
    for query in ("Guéret", "gueret", "Creuse", "nouvelle aquitaine", "Grand Guéret"):
        assert found_ids(q=query) == [experience.id], query


def test_title_outranks_body(create_experience, found_ids):
    in_body = create_experience(title="Un projet", context="Nous avons acheté des visualiseurs.")
    in_title = create_experience(title="Des visualiseurs dans chaque classe")
    assert found_ids(q="visualiseurs") == [in_title.id, in_body.id]


def test_quoted_phrase_is_exact(create_experience, found_ids):
    phrase = create_experience(title="Un tableau blanc pour la classe")
    scattered = create_experience(title="Un tableau et un mur blanc")
    assert found_ids(q='"tableau blanc"') == [phrase.id]
    assert set(found_ids(q="tableau blanc")) == {phrase.id, scattered.id}


def test_excluded_word_and_alternatives(create_experience, found_ids):
    robots = create_experience(title="Robots et tablettes")
    tablets = create_experience(title="Tablettes seules")
    drones = create_experience(title="Des drones", equipment=())
    assert found_ids(q="tablettes -robots") == [tablets.id]
    assert found_ids(q="tablettes NOT robots") == [tablets.id]
    assert set(found_ids(q="robots OR drones")) == {robots.id, drones.id}


def test_when_no_write_up_has_every_word_any_word_is_enough(create_experience, search_api):
    experience = create_experience(title="Des tablettes")
    result = search_api(q="tablettes hélicoptère")
    assert [r["id"] for r in result["results"]] == [experience.id]
    assert any("au moins un" in notice for notice in result["notices"])


# --------------------------------------------------------------------------- synonyms

SYNONYM_CASES = [
    # (text of the write-up, query that must find it)
    ("Un tableau blanc interactif par classe", "TBI"),
    ("Des TNI dans les écoles", "écrans numériques interactifs"),
    ("Des VPI au collège", "tableau numérique interactif"),
    ("L'espace numérique de travail du département", "ENT"),
    ("Un ENT pour les lycées", "espace numérique de travail"),
    ("Raccordement à la fibre optique", "très haut débit"),
    ("Le THD dans les écoles rurales", "fibre"),
    ("La protection des données des élèves", "RGPD"),
    ("Mise en conformité RGPD", "protection des données"),
    ("La communauté de communes mutualise", "intercommunalité"),
    ("Un EPCI pilote", "communauté de communes"),
    ("Démarche BYOD au lycée", "AVEC"),
    ("Démarche AVEC au lycée", "BYOD"),
    ("Le programme d'investissements d'avenir", "PIA"),
    ("Lauréat des territoires numériques éducatifs", "TNE"),
    ("Financement par le fonds européen de développement régional", "FEDER"),
]


@pytest.mark.parametrize(("text", "query"), SYNONYM_CASES, ids=[q for _t, q in SYNONYM_CASES])
def test_issue_synonym_groups(create_experience, found_ids, text, query):
    experience = create_experience(title=text)
    create_experience(title="Un projet sans rapport", summary="Rien à voir.")
    assert found_ids(q=query) == [experience.id]


@pytest.mark.parametrize("group", synonym_groups(), ids=lambda g: g.expressions[0])
def test_every_expression_of_a_synonym_group_finds_the_others(create_experience, found_ids, group):
    experience = create_experience(title=f"Projet : {group.expressions[0]}")
    for expression in group.expressions[1:]:
        assert found_ids(q=expression) == [experience.id], expression


def test_lowercase_stop_word_is_not_the_acronym(create_experience, found_ids):
    create_experience(title="Démarche BYOD au lycée", equipment=())
    with_word = create_experience(title="Tablettes avec clavier")
    assert found_ids(q="tablettes avec") == [with_word.id]


def test_synonym_file_format():
    groups = parse_synonyms("# comment\nENT, espace numérique de travail\n\nseul\n")
    assert len(groups) == 1
    assert groups[0].token_sequences == (("ent",), ("espac", "numer", "travail"))
