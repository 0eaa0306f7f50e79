"""``/donnees``: the open-data page explains the exports, the feed, the API, the licence and
every field, in French."""

from __future__ import annotations

from kb.experiences.vocabularies import THEME
from kb.opendata.fields import FIELDS


def test_data_page_documents_exports_feed_api_licence_and_fields(client):
    response = client.get("/donnees")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Données ouvertes et API — " in page
    assert "Licence Ouverte Etalab 2.0" in page
    for link in ('href="/export.csv"', 'href="/export.json"', 'href="/flux.atom"',
                 'href="/api/v1/openapi.json"'):
        assert link in page
    assert "http://localhost/api/v1/experiences?q=tablettes" in page
    for field in FIELDS:
        assert f"<code>{field.name}</code>" in page
        assert field.meaning.replace("'", "&#39;") in page
    assert 'id="vocabulaire-theme"' in page
    assert all(f"<code>{code}</code>" in page for code in THEME.codes)
    assert "Aucune donnée personnelle" in page


def test_data_page_uses_the_design_system(client):
    page = client.get("/donnees").get_data(as_text=True)
    assert 'class="fr-table' in page and 'class="fr-callout' in page
    assert 'class="fr-breadcrumb"' in page and 'aria-current="page"' in page
    assert "<h1>Données ouvertes et API</h1>" in page
