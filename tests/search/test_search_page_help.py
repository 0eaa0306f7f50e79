"""What the search page says to people and screen readers: a page title naming the words, the
filters and the count; facets that fold behind a button; and, when nothing is found, the way out
(the spelling, each filter to remove, the whole région instead of a département)."""

from __future__ import annotations

import html
import re


def page_of(client, query: str) -> str:
    return client.get(f"/recherche?{query}").get_data(as_text=True)


def title_of(page: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))


def test_the_page_title_names_the_words_the_filters_and_the_count(client, create_experience):
    for number in range(12):
        create_experience(title=f"Tablettes numéro {number}", slug=f"t-{number}")
    assert title_of(page_of(client, "q=tablettes")) == (
        "Recherche\u00a0: tablettes — 12 résultats — Base d'expériences du numérique éducatif")
    assert title_of(page_of(client, "q=tablettes&theme=equipement&niveau=college")).startswith(
        "Recherche\u00a0: tablettes, 2 filtres — aucun résultat — ")
    assert title_of(page_of(client, "")).startswith(
        "Rechercher une fiche d'expérience — 12 résultats")


def test_facets_fold_behind_a_button_and_the_count_has_a_live_region(client, create_experience):
    create_experience()
    page = page_of(client, "theme=equipement")
    assert 'aria-controls="facettes">Filtrer les résultats (1 filtre actif)</button>' in page
    assert '<div class="fr-collapse kb-facets__panel" id="facettes">' in page
    assert '<p class="fr-sr-only" role="status" id="annonce-resultats"></p>' in page
    assert 'id="appliquer-filtres" type="submit">Appliquer les filtres</button>' in page


def test_no_result_suggests_each_filter_to_remove_and_the_whole_region(client, create_experience):
    create_experience(territory_code="C23096")  # Guéret, Creuse, Nouvelle-Aquitaine
    page = html.unescape(page_of(client, "q=hologrammes&departement=23&theme=inclusion"))
    assert ("Aucune fiche publiée ne correspond aux mots «\u00a0hologrammes\u00a0» "
            "avec ces filtres.") in page
    assert "vérifiez l'orthographe des mots" in page
    assert re.search(r'<a href="/recherche\?q=hologrammes&departement=23">retirez le filtre '
                     r"«\u00a0Thème\u00a0: [^»]+»</a>", page)
    assert ('<a href="/recherche?q=hologrammes&theme=inclusion&region=75">cherchez dans toute la '
            "région Nouvelle-Aquitaine</a>") in page
    assert '<a href="/recherche?theme=inclusion&departement=23">gardez les filtres' in page


def test_no_broader_place_without_a_departement_filter(client, create_experience):
    create_experience()
    page = html.unescape(page_of(client, "q=hologrammes&region=75"))
    assert "cherchez dans toute la région" not in page
    assert "retirez le filtre «\u00a0Région\u00a0: Nouvelle-Aquitaine\u00a0»" in page
