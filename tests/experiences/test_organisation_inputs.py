"""The write-up form names organisations by typing them (autocomplete, or the exact name
without JavaScript), instead of a list of every organisation."""

from __future__ import annotations

import re

from sqlalchemy import func, select


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


def test_staff_never_file_silently_for_their_own_organisation(
        client, login_as, create_organisation, db_session, experience_data, encode_form,
        text_of):
    """A moderator of an organisation who types a name that names none (a typo, or two
    homonyms) is told so; the write-up is not filed for the moderator's own organisation."""
    from kb.experiences.models import Experience

    own = create_organisation(name="Rectorat de Limoges", kind="etat")
    login_as("moderateur", organisation=own)
    create_organisation(name="Ville de Saint-Denis", territory_code="C93066")
    reunion = create_organisation(name="Ville de Saint-Denis", territory_code="C97411")
    before = db_session.scalar(select(func.count(Experience.id)))
    typo = client.post("/experiences/nouvelle", data=encode_form(
        experience_data(), organisation_search="Département de la Cruse"))
    assert typo.status_code == 422
    assert "Organisation introuvable" in text_of(typo)
    twins = client.post("/experiences/nouvelle", data=encode_form(
        experience_data(), organisation_search="Ville de Saint-Denis"))
    assert twins.status_code == 422
    assert "Plusieurs organisations s'appellent" in text_of(twins)
    assert db_session.scalar(select(func.count(Experience.id))) == before
    qualified = "Ville de Saint-Denis (Commune — Saint-Denis (974))"
    chosen = client.post("/experiences/nouvelle", data=encode_form(
        experience_data(), organisation_search=qualified))
    assert chosen.status_code == 303
    assert _latest(db_session).organisation_id == reunion.id


def test_a_homonymous_cofiler_is_refused_with_the_forms_that_tell_them_apart(
        client, login_as, create_organisation, experience_data, encode_form, text_of):
    create_organisation(name="Ville de Saint-Denis", territory_code="C93066")
    create_organisation(name="Ville de Saint-Denis", territory_code="C97411")
    login_as("contributeur")
    response = client.post("/experiences/nouvelle", data=encode_form(experience_data(), **{
        "cofilers-0-organisation_search": "Ville de Saint-Denis"}))
    assert response.status_code == 422
    text = text_of(response)
    assert "Plusieurs organisations s'appellent" in text
    assert "Ville de Saint-Denis (Commune — Saint-Denis (93))" in text
