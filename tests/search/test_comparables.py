"""Comparable projects: territories alike first, close content, and why."""

from __future__ import annotations

import pytest

# Communes of Nouvelle-Aquitaine (75) and elsewhere, by population band.
GUERET = "C23096"  # Guéret, 12 955 inhabitants (10 000–50 000), Creuse, Nouvelle-Aquitaine


@pytest.fixture
def commune_codes(db_session):
    """Codes of communes by (région, band), read from the reference data."""
    from sqlalchemy import select

    from kb.territories.lookup import population_band
    from kb.territories.models import Territory

    def find(region: str, band: str, exclude=(GUERET,), count: int = 1) -> list[str]:
        rows = db_session.scalars(
            select(Territory).where(Territory.kind == "commune", Territory.region == region,
                                    Territory.population.is_not(None))
            .order_by(Territory.code)
        )
        codes = [t.code for t in rows if population_band(t.population) == band
                 and t.code not in exclude]
        return codes[:count]

    return find


def test_comparables_rank_territories_alike_and_say_why(create_experience, client, commune_codes):
    reference = create_experience(title="Tablettes à Guéret", territory_code=GUERET,
                                  territory_types=("rural",), themes=("equipement",))
    (same_region_same_size,) = commune_codes("75", "10000-50000")
    (other_region_same_size,) = commune_codes("84", "10000-50000")
    (same_region_tiny,) = commune_codes("75", "<2000")
    alike = create_experience(title="Un projet", territory_code=same_region_same_size,
                              territory_types=("rural",), themes=("equipement",))
    far = create_experience(title="Un projet", territory_code=other_region_same_size,
                            territory_types=("rural",), themes=("equipement",))
    small = create_experience(title="Un projet", territory_code=same_region_tiny,
                              territory_types=("urbain",), themes=("formation",))
    departement = create_experience(title="Un projet", territory_code="D33",
                                    territory_types=(), themes=("ent",))
    response = client.get(f"/experiences/{reference.id}/comparables")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    positions = [html.find(f'href="/experiences/{e.id}-') for e in (alike, far, small)]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    assert "Commune rurale de taille similaire, même région" in html
    assert "Commune rurale de taille similaire ·" in html  # the other région
    assert html.count(f'href="/experiences/{reference.id}-') == 2  # breadcrumb and intro only
    assert departement


def test_comparables_use_the_content(create_experience, commune_codes):
    from kb.search.comparables import comparable_experiences, reference_for

    reference = create_experience(title="Robotique", territory_code=GUERET,
                                  context="Des robots Thymio et de la programmation Scratch.")
    (other,) = commune_codes("84", "<2000")
    close = create_experience(title="Atelier", territory_code=other, themes=("formation",),
                              context="Programmation de robots Thymio avec Scratch.")
    create_experience(title="Autre", territory_code=other, themes=("formation",),
                      context="Rénovation du réseau électrique.")
    results = comparable_experiences(reference_for(reference))
    assert results[0].experience.id == close.id
    assert "contenu proche" in results[0].reason


def test_comparables_of_an_unpublished_write_up_are_not_found(create_experience, client):
    draft = create_experience(state="brouillon")
    assert client.get(f"/experiences/{draft.id}/comparables").status_code == 404
    assert client.get("/experiences/999999/comparables").status_code == 404


def test_comparables_form(create_experience, client, commune_codes):
    (alike,) = commune_codes("75", "10000-50000")
    found = create_experience(title="Tablettes", territory_code=alike,
                              territory_types=("rural",), themes=("equipement",))
    page = client.get("/comparables")
    assert page.status_code == 200
    assert "Trouver des projets comparables au mien" in page.get_data(as_text=True)
    response = client.get("/comparables", query_string={
        "territoire": GUERET, "types": "rural", "themes": "equipement", "niveaux": "elementaire",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/experiences/{found.id}-' in html
    assert "Commune rurale de taille similaire, même région" in html


def test_comparables_form_with_an_unknown_territory(client):
    html = client.get("/comparables?territoire=Nullepart-sur-Mer").get_data(as_text=True)
    assert "Territoire introuvable" in html


def test_explanations_agree_in_gender():
    from types import SimpleNamespace

    from kb.search.comparables import Reference, explain

    def territory(kind, population, region="75", departement="23"):
        return SimpleNamespace(kind=kind, population=population, region=region,
                               departement=departement)

    def experience(kind, population, types, region="75", departement="33"):
        return SimpleNamespace(territory=territory(kind, population, region, departement),
                               region=region, departement=departement,
                               codes=lambda vocabulary: list(types))

    reference = Reference(territory("departement", 120_000), ("rural",))
    assert explain(reference, experience("departement", 130_000, ("rural",)), 0) == (
        "Département rural de taille similaire, même région"
    )
    reference = Reference(territory("epci", 30_000, departement=None), ("montagne",))
    assert explain(reference, experience("epci", 60_000, ("montagne",), region="84"), 0.9) == (
        "Intercommunalité de montagne, contenu proche"
    )


# Issue 15 point 4: the order follows the stated criteria, each deciding before the next —
# same kind of authority, same département, same population band, same région, then content.
AUBUSSON = "C23008"  # 3 018 inhabitants (2 000–10 000), Creuse
GENTIOUX = "C23090"  # Gentioux-Pigerolles, 398 inhabitants (< 2 000), Creuse
BORDEAUX = "C33063"  # 267 991 inhabitants, Gironde, Nouvelle-Aquitaine like the Creuse
MARIPASOULA = "C97353"  # 9 579 inhabitants (2 000–10 000 like Aubusson), Guyane
GRAND_GUERET = "E200034825"  # the Guéret agglomeration (an EPCI, not a commune)
TABLETS = ("Des tablettes numériques pour les écoles élémentaires : achat de tablettes, "
           "formation des enseignants aux tablettes, ressources pédagogiques sur tablettes.")


def _titles(reference):
    from kb.search.comparables import comparable_experiences, reference_for

    return [item.experience.title for item in comparable_experiences(reference_for(reference))]


def test_gueret_a_same_departement_commune_comes_before_bordeaux(create_experience):
    """Bordeaux shares the words, the themes and the région; Gentioux-Pigerolles shares the
    département: the département decides first (Bordeaux was first, Gentioux 7th)."""
    reference = create_experience(title="Guéret", territory_code=GUERET, context=TABLETS,
                                  territory_types=("rural", "urbain"),
                                  themes=("equipement", "formation", "ressources"))
    create_experience(title="Bordeaux", territory_code=BORDEAUX, context=TABLETS,
                      territory_types=("urbain",), themes=("equipement", "formation", "ressources"))
    create_experience(title="Gentioux", territory_code=GENTIOUX, territory_types=("montagne",),
                      themes=("connectivite",), context="La fibre optique arrive à l'école.")
    create_experience(title="Grand Guéret", territory_code=GRAND_GUERET, context=TABLETS,
                      territory_types=("rural",), themes=("equipement", "formation"))
    assert _titles(reference) == ["Gentioux", "Bordeaux", "Grand Guéret"]


def test_aubusson_gentioux_comes_before_maripasoula(create_experience):
    """Maripasoula has Aubusson's size band and closer words; Gentioux its département."""
    reference = create_experience(title="Aubusson", territory_code=AUBUSSON, context=TABLETS,
                                  territory_types=("rural",), themes=("equipement",))
    create_experience(title="Maripasoula", territory_code=MARIPASOULA, context=TABLETS,
                      territory_types=("rural", "outre-mer"), themes=("equipement",))
    create_experience(title="Gentioux", territory_code=GENTIOUX, territory_types=("montagne",),
                      themes=("connectivite",), context="La fibre optique arrive à l'école.")
    assert _titles(reference) == ["Gentioux", "Maripasoula"]


def test_each_criterion_decides_before_the_next(create_experience, commune_codes):
    """Candidates, each one criterion short of the one before, come out in that order."""
    reference = create_experience(title="Guéret", territory_code=GUERET, context=TABLETS,
                                  themes=("equipement",))
    (region_same_size,) = commune_codes("75", "10000-50000")
    (region_small,) = commune_codes("75", "<2000")
    (far_same_size,) = commune_codes("84", "10000-50000")
    (far_small,) = commune_codes("84", "<2000")
    unrelated = {"context": "Rénovation de la cantine.", "themes": ("periscolaire",)}
    expected = [
        ("même département, contenu proche", GENTIOUX, {"context": TABLETS}),
        ("même département, sans contenu commun", GENTIOUX, unrelated),
        ("même taille, même région", region_same_size, unrelated),
        ("même taille, autre région, contenu proche", far_same_size, {"context": TABLETS}),
        ("même taille, autre région", far_same_size, unrelated),
        ("même région", region_small, {"context": TABLETS}),
        ("ailleurs, contenu proche", far_small, {"context": TABLETS}),
        ("un département, pas une commune", "D23", {"context": TABLETS}),
    ]
    for title, code, fields in expected:
        create_experience(title=title, territory_code=code, **{"themes": ("equipement",),
                                                                **fields})
    titles = _titles(reference)
    assert titles == [title for title, _code, _fields in expected][:len(titles)]
    assert len(titles) == len(expected)


def test_the_reason_names_the_criteria_that_ranked_it(create_experience):
    from kb.search.comparables import comparable_experiences, reference_for

    reference = create_experience(title="Aubusson", territory_code=AUBUSSON,
                                  territory_types=("rural",), context=TABLETS)
    create_experience(title="Maripasoula", territory_code=MARIPASOULA, context=TABLETS,
                      territory_types=("rural",))
    create_experience(title="Gentioux", territory_code=GENTIOUX, territory_types=("rural",))
    reasons = [item.reason for item in comparable_experiences(reference_for(reference))]
    assert reasons[0].startswith("Commune rurale, même département")
    assert reasons[1].startswith("Commune rurale de taille similaire")
    assert "même" not in reasons[1]


def test_a_small_pool_still_holds_the_most_alike(create_experience, commune_codes, monkeypatch):
    """The candidate pool widens tier by tier in the order of the criteria: a same-département
    write-up indexed last is not crowded out by earlier ones from elsewhere."""
    from kb.search import comparables

    monkeypatch.setattr(comparables, "POOL_SIZE", 3)
    monkeypatch.setattr(comparables, "CONTENT_CANDIDATES", 1)
    reference = create_experience(title="Guéret", territory_code=GUERET, themes=("equipement",))
    for code in commune_codes("84", "10000-50000", count=5):
        create_experience(title="Ailleurs", territory_code=code, themes=("equipement",))
    create_experience(title="Gentioux", territory_code=GENTIOUX, themes=("equipement",))
    assert _titles(reference)[0] == "Gentioux"


def test_content_closeness_equals_whoosh_search_across_segments_and_deletions(
        app, create_experience, change_experience, sync_index, monkeypatch):
    """The « more like this » scores, computed as arrays, are Whoosh's own top results (its
    matchers, one document at a time): same write-ups, same closeness; deleted versions of a
    changed write-up are not among them."""
    from whoosh.query import Or, Term

    from kb.search import comparables
    from kb.search.comparables import Reference, _content_scores
    from kb.search.indexer import extension
    from kb.territories.models import Territory

    texts = ["Robots Thymio et programmation Scratch au collège.",
             "Programmation de robots, un club de robotique le mercredi.",
             "Tablettes et robots pour les écoles du village.",
             "Fibre optique pour les écoles.", "Scratch et Thymio en classe de CM2, des robots."]
    written = [create_experience(title=f"Projet {n}", context=text)
               for n, text in enumerate(texts)]
    sync_index()
    change_experience(written[1], context="Robots Thymio, Scratch et programmation, encore.")
    sync_index()
    create_experience(title="Plus tard", context="Des robots Thymio dans un second segment.")
    sync_index()
    with app.app_context(), extension(app).service.view() as view:
        assert len(view.matches.leaves) > 1
        assert view.facets.live.bit_count() < view.searcher.reader().doc_count_all()
        reference = Reference(Territory(code=GUERET), text="Robots Thymio, Scratch, programmation")
        key_terms = view.searcher.key_terms_from_text("body", reference.text, numterms=12)
        query = Or([Term("body", word, boost=weight) for word, weight in key_terms])
        for limit in (2, 10):  # fewer than the matches (the partial selection), more
            monkeypatch.setattr(comparables, "CONTENT_CANDIDATES", limit)
            closeness = _content_scores(view, reference)
            top = view.searcher.search(query, limit=limit).top_n
            expected = {docnum: score / top[0][0] for score, docnum in top}
            assert set(closeness) == set(expected)
            for docnum, value in expected.items():
                assert closeness[docnum] == pytest.approx(value, rel=1e-9)
