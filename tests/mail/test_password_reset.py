"""« Mot de passe oublié ? »: the same answer for any address, a signed link valid one hour and
once, every session ended after the reset, and a notice when a password changes."""

from __future__ import annotations

import re
import time

from tests.mail.conftest import text_of

PASSWORD = "une phrase de passe assez longue"
NEW_PASSWORD = "un tout nouveau mot de passe"


def _reset_link(mailbox, email: str) -> str:
    [message] = [m for m in mailbox.to(email) if m["Subject"] == "Choisir un nouveau mot de passe"]
    return re.search(r"http://kb\.test(/mot-de-passe/nouveau/\S+)", text_of(message)).group(1)


def _ask(client, email):
    return client.post("/mot-de-passe-oublie", data={"email": email})


def test_the_sign_in_page_offers_a_reset(client, text_of):
    page = text_of(client.get("/connexion"))
    assert "Mot de passe oublié ?" in page and 'href="/mot-de-passe-oublie"' in page


def test_the_answer_is_the_same_whether_the_address_exists(client, create_user, mailbox):
    user = create_user(password=PASSWORD)
    known, unknown = _ask(client, user.email), _ask(client, "personne@ailleurs.example.org")
    assert known.status_code == unknown.status_code == 200
    body = known.get_data(as_text=True).replace(user.email, "ADRESSE")
    assert body == unknown.get_data(as_text=True).replace("personne@ailleurs.example.org",
                                                          "ADRESSE")
    assert mailbox.recipients() == [user.email]


def test_reset_walk_through(client, create_user, mailbox, text_of):
    user = create_user(password=PASSWORD)
    other_device = client.application.test_client()
    other_device.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/compte").status_code == 200
    _ask(client, user.email)
    link = _reset_link(mailbox, user.email)
    form = client.get(link)
    assert form.status_code == 200 and "Choisir un nouveau mot de passe" in text_of(form)
    done = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/connexion"
    # every session ended; the old password no longer opens the account, the new one does
    assert other_device.get("/compte").status_code == 302
    assert client.post("/connexion", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 422
    assert client.post("/connexion", data={"email": user.email, "password": NEW_PASSWORD}
                       ).status_code == 303
    changed = [m for m in mailbox.to(user.email)
               if m["Subject"] == "Votre mot de passe a été changé"]
    assert len(changed) == 1


def test_a_link_works_once(client, create_user, mailbox, text_of):
    user = create_user(password=PASSWORD)
    _ask(client, user.email)
    link = _reset_link(mailbox, user.email)
    client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = client.get(link)
    assert again.status_code == 410 and "déjà servi" in text_of(again)
    assert client.post(link, data={"new_password": "encore un autre mot de passe",
                                   "confirm": "encore un autre mot de passe"}).status_code == 410


def test_a_link_expires_after_one_hour(client, create_user, mailbox, monkeypatch, text_of):
    user = create_user(password=PASSWORD)
    _ask(client, user.email)
    link = _reset_link(mailbox, user.email)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3599)
    assert client.get(link).status_code == 200
    monkeypatch.setattr(time, "time", lambda: real_time() + 3602)
    expired = client.get(link)
    assert expired.status_code == 410 and "expiré" in text_of(expired)


def test_a_tampered_link_is_refused(client, create_user, mailbox):
    user = create_user(password=PASSWORD)
    _ask(client, user.email)
    link = _reset_link(mailbox, user.email)
    assert client.get(link[:-3] + "abc").status_code == 410
    assert client.get("/mot-de-passe/nouveau/nimportequoi").status_code == 410


def test_a_weak_password_is_refused_and_the_form_kept(client, create_user, mailbox, text_of):
    user = create_user(password=PASSWORD)
    _ask(client, user.email)
    link = _reset_link(mailbox, user.email)
    response = client.post(link, data={"new_password": "court", "confirm": "court"})
    assert response.status_code == 422 and "au moins 12 caractères" in text_of(response)
    assert client.get(link).status_code == 200  # still valid


def test_requests_are_rate_limited(client, create_user, mailbox, text_of):
    user = create_user(password=PASSWORD)
    statuses = [_ask(client, user.email).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert len(mailbox.to(user.email)) == 3


def test_accounts_that_cannot_sign_in_get_no_link(client, create_user, create_request, mailbox,
                                                  db_session):
    disabled = create_user(password=PASSWORD)
    disabled.active = False
    db_session.commit()
    pending = create_request()
    for email in (disabled.email, pending.email, "  "):
        _ask(client, email)
    assert mailbox.messages == []


def test_changing_the_password_on_the_account_page_notifies(client, create_user, mailbox):
    user = create_user(password=PASSWORD)
    client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    response = client.post("/compte/mot-de-passe", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    [message] = mailbox.to(user.email)
    assert message["Subject"] == "Votre mot de passe a été changé"
    assert "/mot-de-passe-oublie" in text_of(message)
