"""Naming an organisation by typing it: the autocomplete's API, the resolution of what was
typed, and the write-up form that no longer lists every organisation."""

from __future__ import annotations

from sqlalchemy import select

from kb.accounts.models import Organisation
from kb.accounts.organisation_lookup import resolve_organisation, search_organisations


def _labels(client, q: str) -> list[str]:
    response = client.get("/api/v1/organisations", query_string={"q": q})
    assert response.status_code == 200
    return [item["label"] for item in response.get_json()]


def test_the_api_matches_words_without_accents_best_first(client, create_organisation):
    create_organisation(name="Ville de Guéret", territory_code="C23096")
    create_organisation(name="Communauté d'agglomération du Grand Guéret")
    create_organisation(name="Guéret Numérique (association)", kind="autre")
    create_organisation(name="Ville de Limoges")
    assert _labels(client, "gueret") == [
        "Guéret Numérique (association)",  # starts with the words
        "Ville de Guéret",  # the words at a word's start, shorter first
        "Communauté d'agglomération du Grand Guéret",
    ]
    assert _labels(client, "grand GUERET") == ["Communauté d'agglomération du Grand Guéret"]
    assert _labels(client, "g") == []  # two characters at least
    item = client.get("/api/v1/organisations?q=ville+de+gueret").get_json()[0]
    assert item["code"].isdigit() and item["detail"] == "Commune — Guéret (23)"


def test_what_was_typed_resolves_to_one_organisation(app, db_session, create_organisation):
    gueret = create_organisation(name="Ville de Guéret")
    create_organisation(name="Ville de Saint-Denis")
    create_organisation(name="Ville de Saint-Denis")
    with app.test_request_context():
        assert resolve_organisation(str(gueret.id)) == gueret
        assert resolve_organisation("", "ville de gueret") == gueret  # typed, no JavaScript
        assert resolve_organisation("VILLE DE GUERET") == gueret
        assert resolve_organisation("Ville de Saint-Denis") is None  # two bear that name
        assert resolve_organisation("Ville de Gue") is None  # a start is not a choice
        assert resolve_organisation("999999") is None


def test_homonyms_are_told_apart_by_kind_and_place(app, db_session, create_organisation):
    from kb.accounts.organisation_lookup import unknown_message

    north = create_organisation(name="Ville de Saint-Denis", territory_code="C93066")
    reunion = create_organisation(name="Ville de Saint-Denis", territory_code="C97411")
    with app.test_request_context():
        assert resolve_organisation("Ville de Saint-Denis") is None
        message = unknown_message("Ville de Saint-Denis")
        assert message.startswith("Plusieurs organisations s'appellent")
        assert "Ville de Saint-Denis (Commune — Saint-Denis (93))" in message
        assert "Ville de Saint-Denis (Commune — Saint-Denis (974))" in message
        assert resolve_organisation("", "ville de saint-denis (commune — saint-denis (974))") \
            == reunion  # the form the message gives, typed without accents
        assert resolve_organisation("Ville de Saint-Denis (Commune — Saint-Denis (93))") == north
        assert unknown_message("Ville de Nulle-Part").startswith("Organisation introuvable")
        long_text = "Ville de " + "Nulle-Part " * 100
        assert len(unknown_message(long_text)) < 200  # the text typed is quoted, cut


def test_duplicates_of_the_same_kind_and_place_are_told_apart_by_number(
        app, client, db_session, create_organisation):
    from kb.accounts.organisation_lookup import unknown_message

    first = create_organisation(name="Ville de Saint-Denis", territory_code="C93066")
    second = create_organisation(name="Ville de Saint-Denis", territory_code="C93066")
    other = create_organisation(name="Ville de Saint-Denis", territory_code="C97411")
    details = {item["code"]: item["detail"] for item in
               client.get("/api/v1/organisations?q=saint-denis").get_json()}
    assert details == {str(first.id): f"Commune — Saint-Denis (93) — n°\u00a0{first.id}",
                       str(second.id): f"Commune — Saint-Denis (93) — n°\u00a0{second.id}",
                       str(other.id): "Commune — Saint-Denis (974)"}  # no homonym there
    with app.test_request_context():
        message = unknown_message("Ville de Saint-Denis")
        assert f"Ville de Saint-Denis (Commune — Saint-Denis (93) — n°\u00a0{second.id})" \
            in message
        assert resolve_organisation(
            f"ville de saint-denis (commune — saint-denis (93) — n {second.id})") == second
        assert resolve_organisation("Ville de Saint-Denis (Commune — Saint-Denis (93))") is None
        shared_place = unknown_message("Ville de Saint-Denis (Commune — Saint-Denis (93))")
        assert shared_place.startswith("Plusieurs organisations s'appellent «\u00a0Ville de "
                                       "Saint-Denis\u00a0»")
        assert f"— n°\u00a0{first.id})" in shared_place
        assert f"— n°\u00a0{second.id})" in shared_place


def test_a_new_or_renamed_organisation_is_found_at_once(app, db_session,
                                                        create_organisation):
    create_organisation(name="Ville de Tulle")
    with app.test_request_context():
        assert [e.name for e in search_organisations("tulle")] == ["Ville de Tulle"]
        create_organisation(name="Tulle Agglo")  # count and highest id change: rebuilt
        assert [e.name for e in search_organisations("tulle")] == ["Tulle Agglo",
                                                                   "Ville de Tulle"]
        tulle = db_session.scalars(select(Organisation).where(
            Organisation.name == "Tulle Agglo")).one()
        tulle.name = "Communauté d'agglomération Tulle Agglo"  # renamed by an admin
        db_session.commit()
        assert [e.name for e in search_organisations("tulle agglo")] == [
            "Communauté d'agglomération Tulle Agglo"]
        tulle.name = "Communauté d'agglomération Tulle Aggl0"  # the same length
        db_session.commit()
        assert [e.name for e in search_organisations("aggl0")] == [
            "Communauté d'agglomération Tulle Aggl0"]
        tulle.territory_code = "C19272"  # Tulle: the place shown changes too
        db_session.commit()
        assert search_organisations("aggl0")[0].detail == "Commune — Tulle (19)"
