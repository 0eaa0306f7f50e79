"""``/inscription``: a request naming the person, their organisation (existing, or new with its
kind and territory) and the role wanted; only an admin's approval opens the account."""

from __future__ import annotations

from sqlalchemy import select

from kb.accounts.models import Organisation, User


def _request(**overrides) -> dict:
    data = {
        "name": "Paul Martin", "email": "Paul.Martin@creuse.example.fr",
        "password": "une phrase de passe assez longue",
        "confirm": "une phrase de passe assez longue", "organisation_choice": "existante",
        "organisation_id": "", "requested_role": "contributeur",
        "message": "Chargé de mission numérique éducatif.",
    }
    data.update(overrides)
    return data


def test_a_request_for_an_existing_organisation(client, create_organisation, db_session,
                                                text_of):
    organisation = create_organisation(name="Ville de Guéret")
    response = client.post("/inscription", data=_request(organisation_id=str(organisation.id)))
    assert response.status_code == 200
    assert "Votre demande est envoyée" in text_of(response)
    user = db_session.scalars(select(User)).one()
    assert (user.email, user.approved, user.requested_role) == (
        "paul.martin@creuse.example.fr", False, "contributeur")
    assert user.organisation_id == organisation.id
    assert user.request_message == "Chargé de mission numérique éducatif."


def test_a_request_for_a_new_organisation_with_its_territory(client, db_session):
    response = client.post("/inscription", data=_request(
        organisation_choice="nouvelle", new_organisation_name="Département de la Creuse",
        new_organisation_kind="departement", new_organisation_territory="",
        new_organisation_territory_search="Creuse (23)"))
    assert response.status_code == 200
    organisation = db_session.scalars(select(Organisation)).one()
    assert (organisation.name, organisation.kind, organisation.territory_code) == (
        "Département de la Creuse", "departement", "D23")


def test_a_refused_request_says_what_is_missing_and_keeps_the_input(client, db_session,
                                                                    text_of):
    response = client.post("/inscription", data=_request(
        email="pas-une-adresse", password="court", confirm="court",
        organisation_choice="nouvelle", new_organisation_territory="Nulle Part"))
    assert response.status_code == 422
    page = text_of(response)
    for message in ("Indiquez une adresse électronique valide (nom@domaine.fr).",
                    "Le mot de passe doit compter au moins 12 caractères.",
                    "Indiquez le nom de votre organisation.",
                    "Choisissez le type de votre organisation.",
                    "Territoire introuvable"):
        assert message in page, message
    assert 'value="Paul Martin"' in page and 'value="pas-une-adresse"' in page
    assert db_session.scalars(select(User)).all() == []


def test_an_address_already_used_is_refused(client, create_user, create_organisation, text_of):
    create_user(email="paul.martin@creuse.example.fr")
    organisation = create_organisation()
    response = client.post("/inscription", data=_request(organisation_id=str(organisation.id)))
    assert response.status_code == 422
    assert "Un compte existe déjà avec cette adresse." in text_of(response)


def test_the_requested_account_signs_in_only_once_approved(
        app, client, create_organisation, login_as, db_session, sign_in_with_form, text_of):
    organisation = create_organisation()
    client.post("/inscription", data=_request(organisation_id=str(organisation.id),
                                              requested_role="moderateur"))
    refused = sign_in_with_form(client, "paul.martin@creuse.example.fr",
                                "une phrase de passe assez longue")
    assert "en cours d'examen" in text_of(refused)

    admin = app.test_client()
    login_as("admin", test_client=admin)
    requests = text_of(admin.get("/admin/comptes"))
    assert "Paul Martin" in requests and "rôle demandé : Modérateur" in requests
    user = db_session.scalars(select(User).where(User.email.like("paul%"))).one()
    assert admin.post(f"/admin/comptes/{user.id}/approuver",
                      data={"role": "contributeur"}).status_code == 303

    accepted = sign_in_with_form(client, "paul.martin@creuse.example.fr",
                                 "une phrase de passe assez longue")
    assert accepted.status_code == 303
    db_session.expire_all()
    assert (user.approved, user.role) == (True, "contributeur")


def test_a_refused_request_cannot_sign_in(app, client, create_organisation, login_as,
                                          db_session, sign_in_with_form, text_of):
    organisation = create_organisation()
    client.post("/inscription", data=_request(organisation_id=str(organisation.id)))
    user = db_session.scalars(select(User)).one()
    admin = app.test_client()
    login_as("admin", test_client=admin)
    assert admin.post(f"/admin/comptes/{user.id}/refuser").status_code == 303
    response = sign_in_with_form(client, user.email, "une phrase de passe assez longue")
    assert "Votre demande de compte n'a pas été acceptée." in text_of(response)


def test_an_existing_organisation_is_typed_not_picked_from_a_list(client, create_organisation,
                                                                  db_session, text_of):
    organisation = create_organisation(name="Ville de Guéret")
    for number in range(20):
        create_organisation(name=f"Commune numéro {number}")
    form = client.get("/inscription").text
    assert "Commune numéro" not in form and 'data-api="/api/v1/organisations"' in form
    unknown = client.post("/inscription", data=_request(organisation_search="Ville de Gueret-Sud"))
    assert unknown.status_code == 422
    assert "Organisation introuvable" in text_of(unknown)
    assert 'value="Ville de Gueret-Sud"' in unknown.text  # kept for correcting
    typed = client.post("/inscription", data=_request(organisation_search="ville de gueret"))
    assert typed.status_code == 200
    assert db_session.scalars(select(User)).one().organisation_id == organisation.id


def test_a_request_naming_homonyms_says_how_to_tell_them_apart(client, create_organisation,
                                                               db_session, text_of):
    create_organisation(name="Ville de Saint-Denis", territory_code="C93066")
    reunion = create_organisation(name="Ville de Saint-Denis", territory_code="C97411")
    refused = client.post("/inscription", data=_request(organisation_search="Ville de Saint-Denis"))
    assert refused.status_code == 422
    assert "Ville de Saint-Denis (Commune — Saint-Denis (974))" in text_of(refused)
    assert db_session.scalars(select(User)).first() is None
    accepted = client.post("/inscription", data=_request(
        organisation_search="Ville de Saint-Denis (Commune — Saint-Denis (974))"))
    assert "Votre demande est envoyée" in text_of(accepted)
    assert db_session.scalars(select(User)).one().organisation_id == reunion.id


def test_a_typed_organisation_is_resolved_once_per_request(client, create_organisation,
                                                           db_session, monkeypatch):
    """Validation and the view both ask for the organisation: the name is looked up once."""
    from kb.accounts import organisation_lookup

    organisation = create_organisation(name="Ville de Guéret")
    lookups = []
    entries = organisation_lookup.organisation_entries
    monkeypatch.setattr(organisation_lookup, "organisation_entries",
                        lambda: lookups.append(1) or entries())
    response = client.post("/inscription", data=_request(organisation_search="ville de gueret"))
    assert response.status_code == 200
    assert len(lookups) == 1
    assert db_session.scalars(select(User)).one().organisation_id == organisation.id
