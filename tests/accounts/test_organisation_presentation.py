"""Public organisation pages with a website and a presentation (issue 15 point 11), kept by
the site admins and the members an admin named; validated and sanitised."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.accounts.models import Organisation, User
from kb.accounts.presentation import website_error


@pytest.mark.parametrize("url", ["https://www.gueret.fr", "http://gueret.fr/ecoles?x=1#a",
                                 "https://192.168.1.10/", "HTTPS://Exemple.fr"])
def test_website_addresses_accepted(url):
    assert website_error(url) is None


@pytest.mark.parametrize(("url", "message"), [
    ("javascript:alert(1)", "doit commencer par http:// ou https://"),
    ("ftp://gueret.fr", "doit commencer par http:// ou https://"),
    ("www.gueret.fr", "doit commencer par http:// ou https://"),
    ("https://", "adresse complète"),
    ("https://gueret", "adresse complète"),
    ("https://gue ret.fr", "espace"),
    ("https://gueret.fr:port/", "doit commencer"),
    ("https://" + "a" * 500 + ".fr", "500 caractères"),
])
def test_website_addresses_refused_in_french(url, message):
    assert message in website_error(url)


@pytest.fixture
def gueret(create_organisation):
    return create_organisation(name="Ville de Guéret")


@pytest.fixture
def manager(create_user, gueret, db_session):
    user = create_user(organisation=gueret)
    user.manages_organisation = True
    db_session.commit()
    return user


def test_manager_edits_the_presentation_shown_sanitised(client, login_as, manager, gueret,
                                                        db_session, text_of):
    login_as(user=manager)
    page = text_of(client.get(f"/organisations/{gueret.id}"))
    assert "Présenter l'organisation" in page
    assert client.get(f"/organisations/{gueret.id}/presentation").status_code == 200
    response = client.post(f"/organisations/{gueret.id}/presentation", data={
        "website": "https://www.ville-gueret.fr",
        "description": "Six **écoles** équipées.\n\n<script>alert(1)</script>"
                       "[lien](javascript:alert(2))",
    })
    assert response.status_code == 303
    db_session.expire_all()
    organisation = db_session.get(Organisation, gueret.id)
    assert organisation.website == "https://www.ville-gueret.fr"
    assert organisation.presentation_updated_at is not None
    html = client.get(f"/organisations/{gueret.id}").get_data(as_text=True)
    assert '<a class="fr-link fr-icon-external-link-line fr-link--icon-right" ' \
           'href="https://www.ville-gueret.fr" rel="nofollow noopener">' in html
    assert "Six <strong>écoles</strong> équipées." in html
    assert "<script>" not in html and "javascript:" not in html
    assert "Modifier la présentation" in html and "mise à jour le" in html
    assert '<meta name="description" content="Six écoles équipées. alert(1) lien">' in html


def test_a_bad_address_is_refused_and_what_was_typed_kept(client, login_as, manager, gueret,
                                                           db_session, text_of):
    login_as(user=manager)
    response = client.post(f"/organisations/{gueret.id}/presentation", data={
        "website": "javascript:alert(1)", "description": "Notre projet d'école numérique.",
    })
    assert response.status_code == 422
    page = text_of(response)
    assert "L'adresse doit commencer par http:// ou https://." in page
    assert "Notre projet d'école numérique." in page and 'value="javascript:alert(1)"' in page
    db_session.expire_all()
    assert db_session.get(Organisation, gueret.id).description is None
    response = client.post(f"/organisations/{gueret.id}/presentation",
                           data={"website": "", "description": "x" * 3001})
    assert response.status_code == 422
    assert "ne doit pas dépasser 3000 caractères" in text_of(response)


@pytest.mark.parametrize("who", ["member", "other-manager", "moderateur", "analyste"])
def test_only_managers_of_the_organisation_and_admins_may_edit(client, login_as, create_user,
                                                               create_organisation, gueret,
                                                               db_session, who):
    if who == "member":
        user = create_user(organisation=gueret)  # a contributor, not named to manage it
    elif who == "other-manager":
        user = create_user(organisation=create_organisation(name="Autre commune"))
        user.manages_organisation = True
        db_session.commit()
    else:
        user = create_user(role=who)
    login_as(user=user)
    assert client.get(f"/organisations/{gueret.id}/presentation").status_code == 403
    response = client.post(f"/organisations/{gueret.id}/presentation",
                           data={"website": "https://pirate.example.org", "description": "x"})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(Organisation, gueret.id).website is None
    assert "Présenter l'organisation" not in client.get(f"/organisations/{gueret.id}").text


def test_admins_edit_any_presentation_and_anonymous_visitors_sign_in(client, login_as, gueret,
                                                                      db_session):
    assert client.get(f"/organisations/{gueret.id}/presentation").status_code == 302
    assert client.get("/organisations/999999/presentation").status_code in (302, 404)
    login_as("admin")
    assert client.get("/organisations/999999/presentation").status_code == 404
    response = client.post(f"/organisations/{gueret.id}/presentation",
                           data={"website": "http://gueret.fr", "description": ""})
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(Organisation, gueret.id).website == "http://gueret.fr"


def test_an_admin_names_the_manager_of_an_organisation(client, login_as, create_user, gueret,
                                                       db_session, text_of):
    member = create_user(organisation=gueret)
    login_as("admin")
    page = text_of(client.get(f"/admin/comptes/{member.id}"))
    assert "Gère la page publique de « Ville de Guéret »" in page.replace("\u00a0", " ")
    response = client.post(f"/admin/comptes/{member.id}/gestion-organisation",
                           data={"manages_organisation": "y"})
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(User, member.id).manages_organisation is True
    client.post(f"/admin/comptes/{member.id}/gestion-organisation", data={})
    db_session.expire_all()
    assert db_session.get(User, member.id).manages_organisation is False


def test_only_admins_name_managers(client, login_as, manager, db_session):
    login_as("moderateur")
    response = client.post(f"/admin/comptes/{manager.id}/gestion-organisation", data={})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.scalar(select(User.manages_organisation).where(User.id == manager.id))


def test_naming_a_manager_needs_the_csrf_token(csrf_app, create_user, gueret, login_as):
    client = csrf_app.test_client()
    member = create_user(organisation=gueret)
    login_as("admin", test_client=client)
    response = client.post(f"/admin/comptes/{member.id}/gestion-organisation",
                           data={"manages_organisation": "y"})
    assert response.status_code == 400


def test_moving_a_manager_to_another_organisation_ends_the_management(
        client, login_as, manager, create_organisation, db_session):
    other = create_organisation(name="Autre commune")
    login_as("admin")
    response = client.post(f"/admin/comptes/{manager.id}",
                           data={"role": "contributeur", "organisation_id": str(other.id)})
    assert response.status_code == 303
    db_session.expire_all()
    moved = db_session.get(User, manager.id)
    assert moved.organisation_id == other.id and moved.manages_organisation is False
