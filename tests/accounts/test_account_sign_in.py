"""Signing in and out: only approved, active accounts; French messages that reveal nothing to
someone without the password; a new session at each sign-in; sign-out by POST only."""

from __future__ import annotations

import pytest


def test_an_approved_account_signs_in_and_lands_where_it_was_going(
        client, create_user, sign_in_with_form, password, text_of):
    user = create_user(password=password, email="marie@gueret.example.fr")
    response = sign_in_with_form(client, "Marie@Gueret.example.fr", next="/compte")
    assert response.status_code == 303 and response.headers["Location"] == "/compte"
    page = text_of(client.get("/compte"))
    assert "Bienvenue, Test contributeur." in page
    assert user.email in page


def test_the_sign_in_page_keeps_the_next_page_of_a_redirect(client, text_of):
    response = client.get("/experiences/nouvelle")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=")
    page = text_of(client.get(response.headers["Location"]))
    assert 'name="next" type="hidden" value="/experiences/nouvelle"' in page
    assert "<title>Se connecter — Base d'expériences du numérique éducatif</title>" in page


@pytest.mark.parametrize("target", [
    "//evil.example/x", "https://evil.example/", "/\\evil", "/\t/evil.example",
    "/\n/evil.example", "javascript:alert(1)", "evil.example/x", "///evil.example",
])
def test_sign_in_never_sends_to_another_site(client, create_user, sign_in_with_form, password,
                                             target):
    user = create_user(password=password)
    response = sign_in_with_form(client, user.email, next=target)
    assert response.headers["Location"] == "/"


def test_a_wrong_password_and_an_unknown_address_get_the_same_message(
        client, create_user, sign_in_with_form, password, text_of):
    user = create_user(password=password)
    wrong = sign_in_with_form(client, user.email, password="mauvais mot de passe")
    unknown = sign_in_with_form(client, "personne@example.org")
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "Adresse électronique ou mot de passe incorrect." in text_of(response)
    assert client.get("/compte").status_code == 302


def test_empty_fields_are_named_in_french(client, sign_in_with_form, text_of):
    response = sign_in_with_form(client, "", password="")
    page = text_of(response)
    assert "Indiquez votre adresse électronique." in page
    assert "Indiquez votre mot de passe." in page


@pytest.mark.parametrize(("fields", "message"), [
    ({"approved": False}, "Votre demande de compte est en cours d'examen"),
    ({"approved": False, "refused_at": "now"}, "Votre demande de compte n'a pas été acceptée."),
    ({"active": False}, "Ce compte est désactivé."),
])
def test_only_approved_active_accounts_sign_in(client, create_user, db_session,
                                               sign_in_with_form, password, text_of, fields,
                                               message):
    from kb.accounts.models import utcnow

    user = create_user(password=password)
    for name, value in fields.items():
        setattr(user, name, utcnow() if value == "now" else value)
    db_session.commit()
    response = sign_in_with_form(client, user.email)
    assert response.status_code == 422
    assert message in text_of(response)
    assert client.get("/compte").status_code == 302


def test_signing_in_starts_a_new_session(csrf_app, create_user, db_session, password,
                                         csrf_token):
    """The session (and its CSRF token) from before sign-in is dropped: a fixed session planted
    by someone else is worthless."""
    client = csrf_app.test_client()
    user = create_user(password=password)
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    token = csrf_token(client.get("/connexion").get_data(as_text=True))
    response = client.post("/connexion", data={"email": user.email, "password": password,
                                               "csrf_token": token})
    assert response.status_code == 303
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{user.id}:")
    assert csrf_token(client.get("/compte").get_data(as_text=True)) != token
    db_session.expire_all()
    assert user.last_login_at is not None and user.session_token


def test_sign_out_is_a_post(client, login_as, text_of):
    login_as("contributeur")
    assert client.get("/deconnexion").status_code == 405
    assert client.get("/compte").status_code == 200
    response = client.post("/deconnexion", follow_redirects=True)
    assert "Vous êtes déconnecté." in text_of(response)
    assert client.get("/compte").status_code == 302


def test_a_disabled_account_loses_its_open_sessions(client, login_as, db_session):
    from kb.accounts.operations import end_other_sessions

    user = login_as("contributeur")
    assert client.get("/compte").status_code == 200
    user.active = False
    end_other_sessions(user)
    db_session.commit()
    assert client.get("/compte").status_code == 302


def test_connectez_vous_on_a_write_up_returns_to_that_write_up(
        client, create_experience, create_user, sign_in_with_form, password, text_of):
    """Issue 15: the « Connectez-vous » of a write-up's signals panel (and the contact's
    « Se connecter ») carry the write-up's address; signing in lands back on it."""
    experience = create_experience(title="Des tablettes à Guéret", slug="des-tablettes-a-gueret")
    address = f"/experiences/{experience.id}-des-tablettes-a-gueret"
    page = client.get(address).get_data(as_text=True)
    quoted = f"/connexion?next=/experiences/{experience.id}-des-tablettes-a-gueret"
    assert f'href="{quoted}">Connectez-vous</a>' in page
    assert f'href="{quoted}">Se connecter</a>' in page
    login_page = text_of(client.get(quoted))
    assert f'name="next" type="hidden" value="{address}"' in login_page
    user = create_user(password=password)
    response = sign_in_with_form(client, user.email, next=address)
    assert response.status_code == 303 and response.headers["Location"] == address


def test_a_refused_attempt_keeps_the_page_to_return_to(client, create_user, sign_in_with_form,
                                                       password, text_of):
    user = create_user(password=password)
    refused = sign_in_with_form(client, user.email, password="mauvais", next="/recherche?q=ent")
    assert refused.status_code == 422
    assert 'name="next" type="hidden" value="/recherche?q=ent"' in text_of(refused)
    response = sign_in_with_form(client, user.email, next="/recherche?q=ent")
    assert response.headers["Location"] == "/recherche?q=ent"


def test_a_signed_in_visitor_sent_to_the_sign_in_page_goes_on_safely(client, login_as):
    login_as("contributeur")
    assert client.get("/connexion?next=/recherche").headers["Location"] == "/recherche"
    assert client.get("/connexion?next=//evil.example").headers["Location"] == "/"
