"""``/recherche`` and ``/api/v1/experiences``: bad input, sort, pagination, snippets,
suggestions, place detection, and rendering from database rows."""

from __future__ import annotations

from datetime import datetime

import pytest

BAD_QUERIES = [
    '"unclosed', "(", ")", "AND", "OR OR", "NOT", "title:", "title:tablettes", "*", "?",
    "[a TO", "{a TO b}", "\\", "<script>alert(1)</script>", "x" * 600, "😀🎉", "e\u0301cole",
    "tablettes^3", "~", "'", "-", "--", "\x00", "a" * 80, "OU", "+tablettes", "&&", "%",
]


@pytest.mark.parametrize("query", BAD_QUERIES, ids=range(len(BAD_QUERIES)))
def test_bad_queries_never_fail(create_experience, client, query):
    create_experience(title="Des tablettes pour l'école")
    assert client.get("/recherche", query_string={"q": query}).status_code == 200
    response = client.get("/api/v1/experiences", query_string={"q": query})
    assert response.status_code == 200
    assert isinstance(response.get_json()["results"], list)


def test_long_query_is_cut_with_a_notice(client, search_api):
    result = search_api(q="tablettes " * 100)
    assert any("500 caractères" in notice for notice in result["notices"])
    page = client.get("/recherche", query_string={"q": "x" * 600})
    assert "500 caractères" in page.get_data(as_text=True)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "999", "", "1.5", "99999999999"])
def test_bad_page_numbers_give_a_normal_page(create_experience, client, page):
    create_experience()
    response = client.get("/recherche", query_string={"page": page})
    assert response.status_code == 200
    assert "1 fiche trouvée" in response.get_data(as_text=True)


def test_unknown_facet_codes_are_ignored_on_the_page(create_experience, client):
    experience = create_experience()
    response = client.get("/recherche?theme=nimporte&departement=999&annee=abc&tri=x")
    html = response.get_data(as_text=True)
    assert "ne connaît pas la valeur «\u00a0nimporte\u00a0»" in html
    assert "ne connaît pas la valeur «\u00a0999\u00a0»" in html
    assert "ne connaît pas la valeur «\u00a0abc\u00a0»" in html
    assert "Ce tri n&#39;existe pas" in html
    assert experience.title.replace("'", "&#39;") in html


@pytest.mark.parametrize(("params", "parameter"), [
    ({"theme": "nimporte"}, "theme"), ({"equipement": "x"}, "equipement"),
    ({"niveau": "x"}, "niveau"), ({"territoire": "x"}, "territoire"),
    ({"organisation": "x"}, "organisation"), ({"region": "99"}, "region"),
    ({"departement": "999"}, "departement"), ({"annee": "deux"}, "annee"),
    ({"tri": "prix"}, "tri"), ({"page": "0"}, "page"), ({"page": "-1"}, "page"),
    ({"page": "abc"}, "page"), ({"per_page": "1000"}, "per_page"),
])
def test_api_refuses_unknown_codes_naming_the_parameter(search_api, params, parameter):
    body = search_api(expected_status=400, **params)
    assert body["parameter"] == parameter
    assert body["message"]


def test_api_page_beyond_the_results_is_the_last_page(create_experience, search_api):
    create_experience()
    result = search_api(page="999")
    assert result["page"] == 1 and len(result["results"]) == 1


def test_api_shape(create_experience, search_api):
    experience = create_experience(title="Tablettes à l'école", summary="Des tablettes.",
                                   budget_eur=5000)
    result = search_api(q="tablettes")
    assert set(result) == {"total", "page", "per_page", "results", "facets", "suggestion",
                           "territory_suggestion", "notices"}
    assert (result["total"], result["page"], result["per_page"]) == (1, 1, 20)
    record = result["results"][0]
    assert record["id"] == experience.id
    assert record["budget_eur"] == 5000
    assert record["territory"]["code"] == "C23096"
    assert record["url"].endswith(f"/experiences/{experience.id}-fiche-de-test")
    assert record["snippet"] == "Des <mark>tablettes</mark>."
    assert "contact_email" not in record


def test_result_count_and_pagination(create_experience, client, found_ids):
    for number in range(45):
        create_experience(title=f"Tablettes numéro {number}")
    html = client.get("/recherche?q=tablettes").get_data(as_text=True)
    assert "45 fiches trouvées" in html
    assert 'class="fr-pagination' in html and 'href="/recherche?q=tablettes&amp;page=3"' in html
    pages = [found_ids(q="tablettes", per_page=20, page=p) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [20, 20, 5]
    assert len({i for page in pages for i in page}) == 45


def test_sort_by_date_and_budget(create_experience, change_experience, found_ids):
    old = change_experience(create_experience(title="Tablettes anciennes", budget_eur=90_000),
                            published_at=datetime(2020, 1, 1))
    new = change_experience(create_experience(title="Tablettes récentes", budget_eur=1_000),
                            published_at=datetime(2024, 1, 1))
    unknown = change_experience(create_experience(title="Tablettes sans budget"),
                                published_at=datetime(2022, 1, 1))
    assert found_ids(q="tablettes", tri="date") == [new.id, unknown.id, old.id]
    assert found_ids(tri="date") == [new.id, unknown.id, old.id]
    assert found_ids(q="tablettes", tri="budget") == [old.id, new.id, unknown.id]
    assert found_ids(tri="budget", per_page=1, page=2) == [new.id]


def test_without_query_newest_first(create_experience, change_experience, found_ids):
    first = change_experience(create_experience(), published_at=datetime(2021, 1, 1))
    second = change_experience(create_experience(), published_at=datetime(2023, 1, 1))
    assert found_ids() == [second.id, first.id]


def test_snippets_are_escaped_except_the_highlight(create_experience, client, search_api):
    create_experience(title="<script>alert('titre')</script> tablettes",
                      summary="<b>Tablettes</b> & <script>alert(1)</script> pour tous")
    html = client.get("/recherche?q=tablettes").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;titre&#39;)&lt;/script&gt; tablettes" in html
    assert "<mark>Tablettes</mark>" in html
    snippet = search_api(q="tablettes")["results"][0]["snippet"]
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "&lt;b&gt;<mark>Tablettes</mark>&lt;/b&gt;" in snippet


def test_snippet_from_the_long_texts(create_experience, search_api):
    create_experience(summary="Résumé sans le mot.",
                      actions="Nous avons installé des **visualiseurs** dans les classes.")
    snippet = search_api(q="visualiseur")["results"][0]["snippet"]
    assert "<mark>visualiseurs</mark>" in snippet


def test_did_you_mean(create_experience, client, search_api):
    create_experience(title="Des tablettes tactiles", summary="Une tablette par élève.")
    result = search_api(q="tablete")
    assert result["suggestion"]["q"] == "tablette"
    assert result["suggestion"]["url"] == "/recherche?q=tablette"
    html = client.get("/recherche?q=tablete").get_data(as_text=True)
    assert 'Vouliez-vous dire&nbsp;: <a href="/recherche?q=tablette"' in html


def test_did_you_mean_for_a_word_that_finds_nothing(create_experience, search_api):
    create_experience(title="La robotique au collège")
    result = search_api(q="robtique")
    assert result["total"] == 0
    assert result["suggestion"]["q"] == "robotique"


def test_no_suggestion_for_known_words(create_experience, search_api):
    create_experience(title="Des tablettes tactiles")
    assert search_api(q="tablette")["suggestion"] is None
    assert search_api(q="tablettes")["suggestion"] is None
    assert search_api(q="ecole")["suggestion"] is None


def test_place_in_the_query_is_offered_as_a_filter(create_experience, client, search_api):
    create_experience(title="Tablettes", territory_code="C23096")
    result = search_api(q="tablettes Creuse")
    suggestion = result["territory_suggestion"]
    assert suggestion["code"] == "D23" and suggestion["parameter"] == "departement"
    assert suggestion["value"] == "23"
    assert suggestion["url"] == "/recherche?q=tablettes&departement=23"
    html = client.get("/recherche?q=tablettes+creuse").get_data(as_text=True)
    assert "Filtrer sur Creuse (23)\u00a0?" in html


def test_region_and_commune_names_are_detected(search_api):
    region = search_api(q="fibre nouvelle-aquitaine")["territory_suggestion"]
    assert (region["parameter"], region["value"]) == ("region", "75")
    commune = search_api(q="ENT Guéret")["territory_suggestion"]
    assert commune["code"] == "C23096"
    assert (commune["parameter"], commune["value"]) == ("departement", "23")


def test_no_place_suggestion_once_filtered_or_for_common_words(search_api):
    assert search_api(q="tablettes Creuse", departement="23")["territory_suggestion"] is None
    assert search_api(q="tablettes école")["territory_suggestion"] is None


def test_results_come_from_database_rows(create_experience, change_experience, app, found_ids):
    """An index entry not yet synced never shows an unpublished write-up."""
    experience = create_experience(title="Tablettes publiées")
    assert found_ids(q="tablettes") == [experience.id]
    app.config["SEARCH_CATCH_UP_SECONDS"] = -1  # the index keeps the stale entry
    change_experience(experience, state="brouillon")
    assert found_ids(q="tablettes") == []


def test_follow_this_search_links_to_the_feed(client):
    html = client.get("/recherche?q=ent&theme=ent&page=2").get_data(as_text=True)
    assert 'href="/flux.atom?q=ent&amp;theme=ent"' in html
