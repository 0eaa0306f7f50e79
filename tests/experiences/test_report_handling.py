"""Issue 15, point 10: dealing with reports beyond « marquer comme traité ».

Moderators answer the reporter, ask the authors or archive the write-up, each step kept in the
report's trail (``report_event``) and told by mail through the outbox; the authors see the
reports about their write-ups — never who filed them — and reply on their write-up's page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.experiences.models import Experience, Report, ReportEvent
from kb.mail.models import MailMessage


@pytest.fixture
def reported(create_user, create_organisation, file_experience, db_session):
    """A published write-up, its author, a partner who reported it, a moderator."""
    author = create_user(email="marie@gueret.example.fr")
    reporter = create_user(email="paul@tulle.example.fr",
                           organisation=create_organisation(name="Ville de Tulle"))
    reporter.name = "Paul Signaleur"
    moderator = create_user(role="moderateur")
    experience = file_experience(author, state="publiee", moderator=moderator,
                                 title="Tablettes à Guéret")
    report = Report(experience_id=experience.id, user_id=reporter.id, kind="erreur",
                    comment="Le budget indiqué est celui de 2019.")
    db_session.add(report)
    db_session.commit()
    return {"experience": experience, "author": author, "reporter": reporter,
            "moderator": moderator, "report": report}


def mails_to(db_session, address: str) -> list[MailMessage]:
    db_session.expire_all()
    return list(db_session.scalars(select(MailMessage).where(MailMessage.recipient == address)))


def trail(db_session, report) -> list[tuple[str, str]]:
    db_session.expire_all()
    return [(e.kind, e.body) for e in db_session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id))]


def test_a_moderator_answers_the_reporter_by_mail_and_closes_the_report(
        client, login_as, reported, db_session, text_of):
    report = reported["report"]
    login_as(user=reported["moderator"])
    page = text_of(client.get(f"/moderation/signalements/{report.id}"))
    assert "Paul Signaleur" in page and "Le budget indiqué est celui de 2019." in page
    empty = client.post(f"/moderation/signalements/{report.id}/repondre",
                        data={"answer-body": "  ", "answer-close": "y"})
    assert empty.status_code == 422
    assert "Écrivez la réponse à la personne qui a signalé la fiche." in text_of(empty)
    response = client.post(f"/moderation/signalements/{report.id}/repondre",
                           data={"answer-body": "Merci, les auteurs vont corriger.",
                                 "answer-close": "y"})
    assert response.status_code == 303
    mails = mails_to(db_session, "paul@tulle.example.fr")
    assert [m.subject for m in mails] == ["Réponse à votre signalement : Tablettes à Guéret"]
    assert "Merci, les auteurs vont corriger." in mails[0].text_body
    assert trail(db_session, report) == [("reponse", "Merci, les auteurs vont corriger."),
                                         ("traite", "")]
    assert db_session.get(Report, report.id).resolved_at is not None
    assert "Signalements ouverts (0)" in text_of(client.get("/moderation"))


def test_asking_the_authors_shows_them_the_report_without_the_reporter(
        app, client, login_as, reported, db_session, text_of):
    report, experience = reported["report"], reported["experience"]
    login_as(user=reported["moderator"])
    response = client.post(f"/moderation/signalements/{report.id}/demander-aux-auteurs",
                           data={"question-body": "Pouvez-vous vérifier le budget ?"})
    assert response.status_code == 303
    mails = [m for m in mails_to(db_session, "marie@gueret.example.fr")
             if m.subject == "Question de la modération sur votre fiche : Tablettes à Guéret"]
    assert len(mails) == 1
    assert "Pouvez-vous vérifier le budget ?" in mails[0].text_body
    assert "Paul" not in mails[0].text_body and "tulle" not in mails[0].text_body.lower()
    assert "En attente des auteurs" in text_of(client.get("/moderation"))

    author = app.test_client()
    login_as(user=reported["author"], test_client=author)
    page = text_of(author.get(f"/experiences/{experience.id}", follow_redirects=True))
    assert "Un signalement en cours sur cette fiche : la modération vous pose une question" in page
    assert "Signalements sur cette fiche" in page
    assert "Le budget indiqué est celui de 2019." in page
    assert "Pouvez-vous vérifier le budget ?" in page
    assert "Paul Signaleur" not in page and "paul@tulle" not in page
    assert "1 signalement en cours" in text_of(author.get("/compte"))

    empty = author.post(f"/experiences/{experience.id}/signalements/{report.id}/repondre",
                        data={"report_reply-body": ""})
    assert empty.status_code == 422
    assert "Écrivez votre réponse à la modération." in text_of(empty)
    replied = author.post(f"/experiences/{experience.id}/signalements/{report.id}/repondre",
                          data={"report_reply-body": "C'est corrigé : 85 000 €."})
    assert replied.status_code == 303
    assert trail(db_session, report)[-1] == ("reponse-auteurs", "C'est corrigé : 85 000 €.")
    moderator_mail = mails_to(db_session, reported["moderator"].email)
    assert any(m.subject == "Réponse des auteurs à un signalement : Tablettes à Guéret"
               for m in moderator_mail)
    queue = text_of(client.get(f"/moderation/signalements/{report.id}"))
    assert "C'est corrigé : 85 000 €." in queue and "Réponse des auteurs reçue" in queue


def test_the_public_and_other_partners_never_see_reports(app, login_as, reported, text_of):
    experience = reported["experience"]
    anonymous = text_of(app.test_client().get(f"/experiences/{experience.id}",
                                              follow_redirects=True))
    assert "Signalements sur cette fiche" not in anonymous
    partner = app.test_client()
    login_as(user=reported["reporter"], test_client=partner)
    page = text_of(partner.get(f"/experiences/{experience.id}", follow_redirects=True))
    assert "Signalements sur cette fiche" not in page
    reply = partner.post(f"/experiences/{experience.id}/signalements/"
                         f"{reported['report'].id}/repondre", data={"report_reply-body": "x"})
    assert reply.status_code == 403


def test_archiving_from_a_report_archives_the_write_up_and_closes_the_report(
        client, login_as, reported, db_session, outbox, text_of):
    report, experience = reported["report"], reported["experience"]
    login_as(user=reported["moderator"])
    before = len(outbox())
    response = client.post(f"/moderation/signalements/{report.id}/archiver",
                           data={"archive-comment": "Projet arrêté en 2022."})
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(Experience, experience.id).state == "archivee"
    assert outbox()[before:] == [(experience.id, "delete")]
    assert db_session.get(Report, report.id).resolved_at is not None
    assert trail(db_session, report) == [("archivage", "Projet arrêté en 2022.")]
    assert any(m.subject == "Votre fiche est archivée : Tablettes à Guéret"
               for m in mails_to(db_session, "marie@gueret.example.fr"))
    closed = client.post(f"/moderation/signalements/{report.id}/demander-aux-auteurs",
                         data={"question-body": "Trop tard ?"})
    assert closed.status_code == 409


def test_marking_as_dealt_with_is_kept_in_the_trail(client, login_as, reported, db_session):
    report = reported["report"]
    login_as(user=reported["moderator"])
    assert client.post(f"/moderation/signalements/{report.id}/traiter").status_code == 303
    assert trail(db_session, report) == [("traite", "")]
    client.post(f"/moderation/signalements/{report.id}/traiter")  # twice: nothing more
    assert trail(db_session, report) == [("traite", "")]


def test_report_pages_are_for_moderators(app, login_as, reported):
    report = reported["report"]
    for role in ("contributeur", "analyste"):
        visitor = app.test_client()
        login_as(role, test_client=visitor)
        assert visitor.get(f"/moderation/signalements/{report.id}").status_code == 403
        assert visitor.post(f"/moderation/signalements/{report.id}/repondre",
                            data={"answer-body": "x"}).status_code == 403
    staff = app.test_client()
    login_as("moderateur", test_client=staff)
    assert staff.get("/moderation/signalements/999999").status_code == 404
