"""« Écrire aux auteurs » (issue 15, point 11): through the site, no address shown, rate-limited,
sent through the mail outbox."""

from __future__ import annotations

from tests.mail.conftest import text_of


def _world(create_user, create_organisation, create_experience):
    filing = create_organisation()
    author = create_user(organisation=filing)
    experience = create_experience(organisation=filing, contact_email="contact@ville.example.org")
    return author, experience


def test_a_partner_writes_to_the_authors_without_seeing_their_address(
        client, login_as, create_user, create_organisation, create_experience, mailbox,
        text_of):
    author, experience = _world(create_user, create_organisation, create_experience)
    create_user(role="moderateur")
    partner = login_as("contributeur")
    page = client.get(f"/experiences/{experience.id}/contact")
    assert page.status_code == 200 and author.email not in text_of(page)
    response = client.post(f"/experiences/{experience.id}/contact",
                           data={"subject": "Vos tablettes", "body": "Combien de classes ?"})
    assert response.status_code == 303
    assert mailbox.recipients() == sorted([author.email, "contact@ville.example.org"])
    [message] = mailbox.to(author.email)
    assert message["Reply-To"] == partner.email
    assert "Combien de classes ?" in text_of_message(message)
    assert author.email not in text_of(client.get(f"/experiences/{experience.id}"))


def test_the_form_refuses_empty_messages_and_keeps_what_was_typed(
        client, login_as, create_user, create_organisation, create_experience, mailbox,
        text_of):
    author, experience = _world(create_user, create_organisation, create_experience)
    login_as("contributeur")
    response = client.post(f"/experiences/{experience.id}/contact",
                           data={"subject": "Objet gardé", "body": ""})
    assert response.status_code == 422
    assert "Écrivez votre message" in text_of(response) and "Objet gardé" in text_of(response)
    assert mailbox.messages == []


def test_authors_anonymous_and_unpublished(client, login_as, create_user, create_organisation,
                                           create_experience):
    author, experience = _world(create_user, create_organisation, create_experience)
    assert client.get(f"/experiences/{experience.id}/contact").status_code == 302
    draft = create_experience(state="brouillon")
    login_as("contributeur")
    assert client.get(f"/experiences/{draft.id}/contact").status_code == 404
    login_as(user=author)
    assert client.post(f"/experiences/{experience.id}/contact",
                       data={"subject": "x", "body": "y"}).status_code == 403


def test_messages_are_rate_limited(client, login_as, create_user, create_organisation,
                                   create_experience, mailbox):
    author, experience = _world(create_user, create_organisation, create_experience)
    login_as("contributeur")
    statuses = [client.post(f"/experiences/{experience.id}/contact",
                            data={"subject": "Question", "body": f"Message {n}"}).status_code
                for n in range(6)]
    assert statuses == [303] * 5 + [429]
    assert len(mailbox.to(author.email)) == 5


def text_of_message(message) -> str:
    return text_of(message)
