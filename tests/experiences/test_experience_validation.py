"""The rules on a write-up's data, with their French messages."""

from __future__ import annotations

import pytest

from kb.experiences.validation import experience_errors, normalise


def errors_for(experience_data, **overrides) -> dict[str, str]:
    return experience_errors(normalise(experience_data(**overrides)))


def test_complete_data_is_valid(db_session, experience_data):
    assert errors_for(experience_data) == {}


def test_a_missing_field_in_an_old_snapshot_takes_its_empty_default(db_session, experience_data):
    data = experience_data()
    del data["partners"], data["cofilers"]
    values = normalise(data)
    assert values["partners"] == "" and values["cofilers"] == []


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": "  "}, "title", "Indiquez le titre de la fiche."),
    ({"title": "T" * 201}, "title", "Le titre ne doit pas dépasser 200 caractères (201 saisis)."),
    ({"summary": ""}, "summary", "Rédigez un résumé de quelques lignes."),
    ({"summary": "r" * 601}, "summary",
     "Le résumé ne doit pas dépasser 600 caractères (601 saisis)."),
    ({"themes": []}, "themes", "Choisissez au moins un thème."),
    ({"themes": ["cuisine"]}, "themes", "Valeur inconnue : « cuisine »."),
    ({"levels": ["lycee", "lycee"]}, "levels", "Une valeur est cochée deux fois."),
    ({"territory_code": ""}, "territory_code", "Choisissez le territoire du projet."),
    ({"start": "2022-05", "end": "2021-09"}, "end",
     "La date de fin ne peut pas précéder la date de début."),
    ({"start": "2022-13"}, "start", "Indiquez un mois au format AAAA-MM (par exemple 2023-09)."),
    ({"budget_eur": -1}, "budget_eur", "Indiquez un nombre positif ou nul."),
    ({"pupils": -5}, "pupils", "Indiquez un nombre positif ou nul."),
    ({"schools": "douze"}, "schools", "Indiquez un nombre entier."),
    ({"project_state": "fini"}, "project_state", "Choisissez l'état du projet dans la liste."),
    ({"evidence": "sondage"}, "evidence", "Choisissez le type d'évaluation dans la liste."),
    ({"contact_email": "marie.durand"}, "contact_email",
     "Indiquez une adresse électronique valide (nom@domaine.fr)."),
])
def test_each_rule_names_its_field_in_french(db_session, experience_data, overrides, field,
                                             message):
    assert errors_for(experience_data, **overrides)[field] == message


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://example.org/x",
    "www.example.org", "https://",
])
def test_links_must_be_http_or_https(db_session, experience_data, link):
    message = errors_for(experience_data, links=["https://ok.example.org", link])["links"]
    assert message.startswith("Ligne 2 : ")
    assert "http:// ou https://" in message


def test_an_unknown_territory_is_named_in_the_message(db_session, experience_data):
    message = errors_for(experience_data, territory_code="Paris")["territory_code"]
    assert message.startswith("« Paris » ne désigne pas un territoire unique")


def test_an_end_month_equal_to_the_start_is_fine(db_session, experience_data):
    assert errors_for(experience_data, start="2022-05", end="2022-05") == {}


def test_zero_is_a_valid_count(db_session, experience_data):
    assert errors_for(experience_data, budget_eur=0, pupils=0) == {}
