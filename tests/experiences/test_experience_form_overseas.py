"""The write-up form's territory input takes a collectivité d'outre-mer or one of its communes,
by code, by label or by name, and shows it again on the edit form."""

from __future__ import annotations

from sqlalchemy import select

from kb.experiences.models import Experience


def _new_experience(db_session) -> Experience:
    db_session.expire_all()
    return db_session.scalars(select(Experience)).one()


def test_a_collectivite_is_chosen_by_its_code(
        client, login_as, db_session, experience_data, encode_form, text_of):
    login_as("contributeur")
    data = encode_form(experience_data(), territory_code="r978", territory_code_search="")
    response = client.post("/experiences/nouvelle", data=data)
    assert response.status_code == 303, text_of(response)
    experience = _new_experience(db_session)
    assert (experience.territory_code, experience.departement, experience.region) == (
        "R978", "978", "978")
    page = text_of(client.get(f"/experiences/{experience.id}/modifier"))
    assert 'data-label="Saint-Martin"' in page
    shown = text_of(client.get(response.headers["Location"]))
    assert "Collectivité d'outre-mer" in shown


def test_a_collectivite_or_its_commune_is_found_by_the_text_typed(
        client, login_as, db_session, experience_data, encode_form):
    login_as("contributeur")
    data = encode_form(experience_data(), territory_code="",
                       territory_code_search="Polynésie française")
    assert client.post("/experiences/nouvelle", data=data).status_code == 303
    assert _new_experience(db_session).territory_code == "R987"
    db_session.delete(_new_experience(db_session))
    db_session.commit()
    data = encode_form(experience_data(), territory_code="",
                       territory_code_search="Saint-Pierre (975)")
    assert client.post("/experiences/nouvelle", data=data).status_code == 303
    experience = _new_experience(db_session)
    assert (experience.territory_code, experience.region) == ("C97502", "975")


def test_the_form_hint_names_the_collectivites(client, login_as, text_of):
    login_as("contributeur")
    page = text_of(client.get("/experiences/nouvelle"))
    assert "région ou collectivité d'outre-mer" in page
    assert "R978" in page
