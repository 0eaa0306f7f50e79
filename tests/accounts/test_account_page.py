"""``/compte``: the name, the password (with the current one; 12 characters at least; other
sessions end), the organisation's write-ups in every state."""

from __future__ import annotations

from kb.accounts.auth import check_password


def test_the_account_page_lists_the_organisation_s_write_ups_in_every_state(
        client, login_as, create_experience, text_of):
    user = login_as("contributeur")
    create_experience(title="Fiche publiée", organisation=user.organisation)
    create_experience(title="Fiche en brouillon", state="brouillon",
                      organisation=user.organisation)
    create_experience(title="Fiche d'une autre organisation", state="brouillon")
    page = text_of(client.get("/compte"))
    assert "Fiche publiée" in page and "Fiche en brouillon" in page
    assert "Fiche d'une autre organisation" not in page
    assert "<title>Mon compte — Base d'expériences du numérique éducatif</title>" in page


def test_changing_the_name(client, login_as, db_session, text_of):
    user = login_as("contributeur")
    response = client.post("/compte", data={"name": "Marie Durand"}, follow_redirects=True)
    assert "Votre nom est enregistré." in text_of(response)
    db_session.expire_all()
    assert user.name == "Marie Durand"
    refused = client.post("/compte", data={"name": "  "})
    assert refused.status_code == 422 and "Indiquez votre nom." in text_of(refused)


def test_changing_the_password_needs_the_current_one(client, create_user, login_as, db_session,
                                                     password, text_of):
    user = login_as(user=create_user(password=password))
    response = client.post("/compte/mot-de-passe", data={
        "current_password": "pas le bon mot de passe", "new_password": "un nouveau mot de passe",
        "confirm": "un nouveau mot de passe"})
    assert response.status_code == 422
    assert "Le mot de passe actuel est incorrect." in text_of(response)
    db_session.expire_all()
    assert check_password(user.password_hash, password)


def test_a_new_password_has_twelve_characters_at_least(client, create_user, login_as,
                                                       password, text_of):
    login_as(user=create_user(password=password))
    response = client.post("/compte/mot-de-passe", data={
        "current_password": password, "new_password": "court", "confirm": "court"})
    assert response.status_code == 422
    assert "Le mot de passe doit compter au moins 12 caractères." in text_of(response)
    mismatch = client.post("/compte/mot-de-passe", data={
        "current_password": password, "new_password": "un nouveau mot de passe",
        "confirm": "un autre mot de passe"})
    assert "Les deux mots de passe ne sont pas identiques." in text_of(mismatch)


def test_changing_the_password_ends_the_other_sessions_only(
        app, client, create_user, login_as, db_session, password, text_of):
    user = create_user(password=password)
    login_as(user=user)
    other_device = app.test_client()
    login_as(user=user, test_client=other_device)
    assert other_device.get("/compte").status_code == 200
    response = client.post("/compte/mot-de-passe", data={
        "current_password": password, "new_password": "un nouveau mot de passe",
        "confirm": "un nouveau mot de passe"}, follow_redirects=True)
    assert "Vos autres sessions sont fermées." in text_of(response)
    assert client.get("/compte").status_code == 200
    assert other_device.get("/compte").status_code == 302
    db_session.expire_all()
    assert check_password(user.password_hash, "un nouveau mot de passe")
