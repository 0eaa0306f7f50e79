"""Each notification goes once to the right people and never to anyone else; choices on
/compte and one-click unsubscribe stop them."""

from __future__ import annotations

import re

from tests.mail.conftest import text_of


def _staff(create_user):
    return {role: create_user(role=role) for role in ("admin", "moderateur", "analyste")}


def test_a_registration_request_goes_to_the_admins_only(client, create_user, mailbox,
                                                        create_organisation):
    staff = _staff(create_user)
    organisation = create_organisation()
    response = client.post("/inscription", data={
        "name": "Dominique Neuve", "email": "neuve@test.example.org",
        "password": "une phrase de passe assez longue",
        "confirm": "une phrase de passe assez longue", "organisation_choice": "existante",
        "organisation_id": str(organisation.id), "requested_role": "contributeur"})
    assert response.status_code == 200
    assert mailbox.recipients() == [staff["admin"].email]
    [message] = mailbox.messages
    assert "Dominique Neuve" in text_of(message.message)


def test_approval_and_refusal_go_to_the_person(client, login_as, create_request, mailbox):
    admin = login_as("admin")
    accepted, refused = create_request(), create_request()
    client.post(f"/admin/comptes/{accepted.id}/approuver", data={"role": "contributeur"})
    client.post(f"/admin/comptes/{refused.id}/refuser")
    assert mailbox.recipients() == sorted([accepted.email, refused.email])
    assert mailbox.to(refused.email)[0]["Subject"] == "Votre demande de compte"
    assert mailbox.to(admin.email) == []


def _world(create_user, create_organisation, create_experience, db_session, state):
    from kb.experiences.models import CoFiler

    staff = _staff(create_user)
    filing, cofiling, other = (create_organisation() for _ in range(3))
    author, coauthor = create_user(organisation=filing), create_user(organisation=cofiling)
    outsider = create_user(organisation=other)
    experience = create_experience(organisation=filing, state=state)
    db_session.add(CoFiler(experience_id=experience.id, organisation_id=cofiling.id,
                           role="partenaire"))
    db_session.commit()
    return staff, author, coauthor, outsider, experience


def test_a_submitted_write_up_goes_to_the_moderators(client, login_as, create_user,
                                                     create_organisation, create_experience,
                                                     db_session, mailbox):
    staff, author, coauthor, outsider, experience = _world(
        create_user, create_organisation, create_experience, db_session, "brouillon")
    login_as(user=author)
    assert client.post(f"/experiences/{experience.id}/soumettre").status_code in (302, 303)
    assert mailbox.recipients() == sorted([staff["admin"].email, staff["moderateur"].email])
    assert all(m.message["Subject"].startswith("Fiche à relire") for m in mailbox.messages)


def test_sent_back_published_archived_go_to_the_authors(client, login_as, create_user,
                                                        create_organisation, create_experience,
                                                        db_session, mailbox):
    staff, author, coauthor, outsider, experience = _world(
        create_user, create_organisation, create_experience, db_session, "soumise")
    login_as(user=staff["moderateur"])
    client.post(f"/experiences/{experience.id}/renvoyer",
                data={"send_back-comment": "Précisez le budget, s'il vous plaît."})
    authors = sorted([author.email, coauthor.email])
    assert mailbox.recipients() == authors
    assert "Précisez le budget" in text_of(mailbox.to(author.email)[0])
    mailbox.clear()
    experience.state = "soumise"
    db_session.commit()
    client.post(f"/experiences/{experience.id}/publier", data={"comment": ""})
    client.post(f"/experiences/{experience.id}/archiver", data={"comment": ""})
    assert mailbox.recipients() == sorted(authors * 2)
    subjects = sorted(m["Subject"].split(" :")[0] for m in mailbox.to(author.email))
    assert subjects == ["Votre fiche est archivée", "Votre fiche est publiée"]


def test_a_report_goes_to_the_moderators(client, login_as, create_user, create_organisation,
                                         create_experience, db_session, mailbox):
    staff, author, coauthor, outsider, experience = _world(
        create_user, create_organisation, create_experience, db_session, "publiee")
    login_as(user=outsider)
    response = client.post(f"/experiences/{experience.id}/signaler",
                           data={"kind": "obsolete", "comment": "Le projet est fini."})
    assert response.status_code in (302, 303)
    assert mailbox.recipients() == sorted([staff["admin"].email, staff["moderateur"].email])


def test_interest_and_replication_reach_the_authors_in_one_digest(
        client, login_as, create_user, create_organisation, create_experience, db_session,
        mailbox, runner):
    staff, author, coauthor, outsider, experience = _world(
        create_user, create_organisation, create_experience, db_session, "publiee")
    replica = create_experience(organisation=outsider.organisation, title="Chez nous aussi")
    login_as(user=outsider)
    client.post(f"/experiences/{experience.id}/interet")
    client.post(f"/experiences/{experience.id}/nous-l-avons-fait-aussi",
                data={"replica_id": str(replica.id)})
    assert mailbox.messages == []  # not one mail per click
    assert runner.invoke(args=["mail", "digest"]).exit_code == 0
    runner.invoke(args=["mail", "send"])
    assert mailbox.recipients() == sorted([author.email, coauthor.email])
    body = text_of(mailbox.to(author.email)[0])
    assert "Intéressés" in body and "L'ont fait aussi" in body
    assert outsider.organisation.name in body
    mailbox.clear()
    runner.invoke(args=["mail", "digest"])
    runner.invoke(args=["mail", "send"])
    assert mailbox.messages == []  # told once


def test_a_topic_turned_off_on_the_account_page_is_not_sent(client, login_as, create_user,
                                                            create_request, mailbox, text_of):
    admin = login_as("admin")
    other_admin = create_user(role="admin")
    page = text_of(client.get("/compte"))
    assert "Les nouvelles demandes de compte à examiner" in page
    assert client.post("/compte/notifications", data={}).status_code == 303
    assert 'id="topic-inscriptions" name="topic_inscriptions" value="1" checked' not in \
        client.get("/compte").get_data(as_text=True)
    from kb.mail.notifications import notify_registration_request

    with client.application.app_context():
        from kb import db

        notify_registration_request(db.session.get(type(admin), create_request().id))
        db.commit()
    assert mailbox.recipients() == [other_admin.email]


def _unsubscribe_path(message) -> str:
    return re.search(r"<http://kb\.test(/desabonnement/[^>]+)>",
                     message["List-Unsubscribe"]).group(1)


def test_one_click_unsubscribe(prepared_database, tmp_path, smtp_server, text_of):
    """With CSRF on, as in production: the mail client's POST carries no cookie and no token."""
    from kb import db
    from kb.mail.notifications import notify_experience_event
    from tests.conftest import _empty_mutable_tables, make_app

    application = make_app(prepared_database, str(tmp_path / "index"), WTF_CSRF_ENABLED=True,
                           SMTP_URL=smtp_server.url, MAIL_SEND_AFTER_COMMIT="inline")
    mailbox = smtp_server.mailbox
    experience = type("E", (), {"title": "Fiche", "id": 1, "slug": "fiche"})()

    def submit():
        with application.test_request_context():
            notify_experience_event(experience, None, "submit")
            db.commit()

    try:
        with application.app_context():
            from kb.accounts.models import User

            moderator = User(email="mod@test.example.org", name="Mod", password_hash="!",
                             role="moderateur", active=True, approved=True)
            db.session.add(moderator)
            db.commit()
        submit()
        [message] = mailbox.to("mod@test.example.org")
        path = _unsubscribe_path(message)
        assert path in text_of_body(message)
        client = application.test_client()
        confirm = client.get(path)  # a link preview changes nothing
        assert confirm.status_code == 200 and "Me désabonner" in text_of(confirm)
        mailbox.clear()
        submit()
        assert len(mailbox.to("mod@test.example.org")) == 1
        done = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "Vous ne recevrez plus" in text_of(done)
        mailbox.clear()
        submit()
        assert mailbox.to("mod@test.example.org") == []
        assert client.post(path[:-4] + "AAAA").status_code == 404
    finally:
        _empty_mutable_tables(application)
        application.extensions["kb.engine"].dispose()


def test_an_account_message_link_turns_every_optional_topic_off(client, create_user, mailbox,
                                                                db_session):
    from kb.mail.preferences import choices_of

    user = create_user(password="une phrase de passe assez longue")
    client.post("/mot-de-passe-oublie", data={"email": user.email})
    [message] = mailbox.to(user.email)
    assert client.post(_unsubscribe_path(message)).status_code == 200
    db_session.expire_all()
    assert choices_of(db_session, user) and not any(choices_of(db_session, user).values())


def text_of_body(message) -> str:
    return text_of(message)
