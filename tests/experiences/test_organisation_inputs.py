"""The write-up form names organisations by typing them (autocomplete, or the exact name
without JavaScript), instead of a list of every organisation."""

from __future__ import annotations

import re

from sqlalchemy import select


def _latest(db_session):
    from kb.experiences.models import Experience

    return db_session.scalars(select(Experience).order_by(Experience.id.desc())).first()


def test_the_form_has_no_list_of_every_organisation(client, login_as, create_organisation):
    for number in range(30):
        create_organisation(name=f"Commune numéro {number}")
    login_as("contributeur")
    page = client.get("/experiences/nouvelle").text
    assert "Commune numéro" not in page
    assert 'data-api="/api/v1/organisations"' in page
    assert not re.search(r'<select[^>]*name="cofilers-0-organisation_id"', page)
    assert re.search(r'<input[^>]*name="cofilers-0-organisation_id"', page)


def test_a_cofiler_typed_by_name_is_filed(client, login_as, create_organisation, db_session,
                                          experience_data, encode_form):
    partner = create_organisation(name="Communauté de communes Creuse Sud-Ouest", kind="epci")
    login_as("contributeur")
    response = client.post("/experiences/nouvelle", data=encode_form(experience_data(), **{
        "cofilers-0-organisation_id": "communaute de communes creuse sud-ouest",
        "cofilers-0-role": "Maintenance"}))
    assert response.status_code == 303
    assert [(c.organisation_id, c.role) for c in _latest(db_session).cofilers] == [
        (partner.id, "Maintenance")]


def test_an_unknown_cofiler_is_refused_and_the_text_kept(client, login_as, experience_data,
                                                         encode_form, text_of):
    login_as("contributeur")
    response = client.post("/experiences/nouvelle", data=encode_form(experience_data(), **{
        "cofilers-0-organisation_search": "Syndicat inconnu du Limousin"}))
    assert response.status_code == 422
    assert "Organisation introuvable" in text_of(response)
    assert re.search(r'<input[^>]*name="cofilers-0-organisation_id"[^>]*'
                     r'value="Syndicat inconnu du Limousin"', response.text)


def test_the_edit_form_shows_a_cofiler_by_name_and_keeps_its_id(
        client, login_as, create_organisation, file_experience, experience_data):
    partner = create_organisation(name="CA du Grand Guéret", kind="epci")
    author = login_as("contributeur")
    experience = file_experience(author, cofilers=[{"organisation_id": partner.id,
                                                    "role": "Maintenance"}])
    page = client.get(f"/experiences/{experience.id}/modifier").text
    group = re.search(r'<div[^>]*kb-organisation"[^>]*data-value="(\d+)"[^>]*>(.*?)</div>',
                      page, re.S)
    assert group and group[1] == str(partner.id)
    assert 'value="CA du Grand Guéret"' in group[2]


def test_moderators_type_the_filing_organisation(client, login_as, create_organisation,
                                                 db_session, experience_data, encode_form,
                                                 text_of):
    login_as("moderateur")
    creuse = create_organisation(name="Département de la Creuse", kind="departement",
                                 territory_code="D23")
    unknown = client.post("/experiences/nouvelle", data=encode_form(
        experience_data(), organisation_id="Département de la Cruse"))
    assert unknown.status_code == 422
    assert 'value="Département de la Cruse"' in unknown.text  # kept for correcting
    typed = client.post("/experiences/nouvelle", data=encode_form(
        experience_data(), organisation_search="departement de la creuse"))
    assert typed.status_code == 303
    assert _latest(db_session).organisation_id == creuse.id
