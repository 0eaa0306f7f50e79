"""ProConnect sign-in end to end against a real local OpenID provider (tests/mail/oidc_provider):
discovery, authorisation with PKCE, token, signed ID token and userinfo, over HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from kb.accounts.models import OidcIdentity, User
from tests.conftest import make_app
from tests.mail.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider


@pytest.fixture
def provider():
    running = Provider().start()
    yield running
    running.stop()


@pytest.fixture
def app(prepared_database, tmp_path, smtp_server, provider):
    from flask import request_started

    from tests.conftest import _empty_mutable_tables, _forget_request_globals

    application = make_app(prepared_database, str(tmp_path / "index"), SMTP_URL=smtp_server.url,
                           MAIL_SEND_AFTER_COMMIT="inline", OIDC_ISSUER=provider.issuer,
                           OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET)
    request_started.connect(_forget_request_globals, application)
    yield application
    _empty_mutable_tables(application)
    application.extensions["kb.engine"].dispose()


def _claims(**changes):
    return {"sub": "agent-123", "email": "agent@interieur.gouv.fr", "email_verified": True,
            "given_name": "Alex", "usual_name": "Martin", "siret": "20000017200014", **changes}


def _to_provider(client, provider):
    started = client.post("/connexion/proconnect")
    assert started.status_code == 302
    location = started.headers["Location"]
    assert location.startswith(f"{provider.issuer}/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    answer = requests.get(location, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"].removeprefix("http://kb.test")


def _sign_in(client, provider):
    return client.get(_to_provider(client, provider))


def test_the_button_shows_only_when_configured(client, text_of, prepared_database, tmp_path):
    assert "ProConnect" in text_of(client.get("/connexion"))
    plain = make_app(prepared_database, str(tmp_path / "other"))
    try:
        plain_client = plain.test_client()
        assert "ProConnect" not in text_of(plain_client.get("/connexion"))
        assert plain_client.post("/connexion/proconnect").status_code == 404
    finally:
        plain.extensions["kb.engine"].dispose()


def test_an_account_with_the_verified_address_is_linked_then_found_by_subject(
        client, provider, create_user, db_session):
    user = create_user(email="agent@interieur.gouv.fr")
    provider.claims = _claims()
    response = _sign_in(client, provider)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert client.get("/compte").status_code == 200
    [identity] = db_session.scalars(select(OidcIdentity)).all()
    assert (identity.user_id, identity.subject, identity.issuer) == (
        user.id, "agent-123", provider.issuer)
    # next time the subject is enough, even with another address at the provider
    client.post("/deconnexion")
    provider.claims = _claims(email="nouvelle.adresse@interieur.gouv.fr")
    assert _sign_in(client, provider).status_code == 303
    assert client.get("/compte").status_code == 200


def test_an_unverified_address_is_not_linked(client, provider, create_user, text_of):
    create_user(email="agent@interieur.gouv.fr")
    provider.claims = _claims(email_verified=False)
    response = _sign_in(client, provider)
    assert response.status_code == 403 and "n'est pas vérifiée" in text_of(response)
    assert client.get("/compte").status_code == 302


def test_a_new_agent_gets_a_request_with_the_organisation_of_the_siret(
        client, provider, create_organisation, create_user, db_session, mailbox, text_of):
    admin = create_user(role="admin")
    organisation = create_organisation(name="Ville de Test", siret="21230096700017")
    provider.claims = _claims(siret="21230096700017")
    response = _sign_in(client, provider)
    assert response.status_code == 200 and "Votre demande est envoyée" in text_of(response)
    user = db_session.scalars(select(User).where(User.email == "agent@interieur.gouv.fr")).one()
    assert (user.approved, user.organisation_id, user.name) == (False, organisation.id,
                                                                "Alex Martin")
    assert mailbox.recipients() == [admin.email]
    assert client.get("/compte").status_code == 302  # not signed in before approval


def test_an_unknown_organisation_leaves_the_request_for_the_admin(
        client, provider, db_session, text_of):
    provider.claims = _claims(siret="99999999900019")
    response = _sign_in(client, provider)
    assert response.status_code == 200 and "rattacher à votre organisation" in text_of(response)
    user = db_session.scalars(select(User).where(User.email == "agent@interieur.gouv.fr")).one()
    assert user.organisation_id is None and "introuvable" in user.request_message


def test_a_bad_state_is_refused(client, provider, create_user, text_of):
    create_user(email="agent@interieur.gouv.fr")
    provider.claims = _claims()
    back = urlsplit(_to_provider(client, provider))
    query = {k: v[-1] for k, v in parse_qs(back.query).items()}
    query["state"] = "forged-state"
    response = client.get(f"{back.path}?{urlencode(query)}")
    assert response.status_code == 403 and "n'a pas abouti" in text_of(response)
    assert client.get("/compte").status_code == 302


def test_a_bad_nonce_is_refused(client, provider, create_user, text_of):
    create_user(email="agent@interieur.gouv.fr")
    provider.claims = _claims()
    provider.nonce_override = "a-replayed-token-nonce"
    response = _sign_in(client, provider)
    assert response.status_code == 403 and "n'a pas abouti" in text_of(response)
    assert client.get("/compte").status_code == 302


def test_a_pending_request_cannot_sign_in_yet(client, provider, text_of):
    provider.claims = _claims(siret="")
    assert _sign_in(client, provider).status_code == 200
    client.post("/deconnexion")
    response = _sign_in(client, provider)
    assert response.status_code == 403 and "en cours d'examen" in text_of(response)
