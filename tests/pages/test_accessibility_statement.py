"""The accessibility statement is a real one, in the RGAA form, and every page links to it with
its conformity state; every page offers the DSFR display settings."""

from __future__ import annotations

import html


def test_the_statement_has_every_part_the_rgaa_asks_for(client):
    page = html.unescape(client.get("/accessibilite").get_data(as_text=True))
    for heading in ("État de conformité", "Résultats des tests", "Contenus non accessibles",
                    "Établissement de cette déclaration", "Retour d'information et contact",
                    "Voies de recours"):
        assert f">{heading}</h2>" in page
    assert "est <strong>non conforme</strong> avec le référentiel général" in page
    assert "Pages vérifiées" in page and "Tableau de bord" in page
    assert "Défenseur des droits" in page and "Libre réponse 71120" in page


def test_every_page_links_the_statement_and_the_display_settings(client):
    page = client.get("/").get_data(as_text=True)
    footer_link = ('<a class="fr-footer__bottom-link" href="/accessibilite">'
                   "Accessibilité\u00a0: non conforme</a>")
    assert footer_link in page
    assert 'aria-controls="fr-theme-modal" data-fr-opened="false"' in page
    assert ('<dialog id="fr-theme-modal" class="fr-modal" '
            'aria-labelledby="fr-theme-modal-title">') in page
    assert page.count('name="fr-radios-theme"') == 3
