"""The review queue: what waits, oldest first, with the comment history and open reports."""

from __future__ import annotations

from datetime import datetime

from kb.db import commit
from kb.experiences import operations as ops
from kb.experiences.models import Report


def test_the_queue_lists_submitted_write_ups_oldest_first(
        client, login_as, create_user, file_experience, db_session, text_of):
    author = create_user()
    newer = file_experience(author, state="soumise", title="Fiche récente")
    older = file_experience(author, state="soumise", title="Fiche ancienne")
    older.submitted_at = datetime(2024, 1, 5)
    newer.submitted_at = datetime(2024, 3, 1)
    file_experience(author, title="Brouillon pas encore soumis")
    file_experience(author, state="publiee", title="Fiche déjà publiée")
    commit()
    login_as("moderateur")
    page = text_of(client.get("/moderation"))
    assert "Fiches en attente de relecture (2)" in page
    assert page.index("Fiche ancienne") < page.index("Fiche récente")
    assert "Brouillon pas encore soumis" not in page and "Fiche déjà publiée" not in page
    assert "soumise le 5 janvier 2024" in page


def test_the_queue_shows_the_comment_history(client, login_as, create_user, file_experience,
                                             text_of):
    author, moderator = create_user(), create_user(role="moderateur")
    experience = file_experience(author, state="soumise")
    ops.send_back_experience(experience, moderator, "Ajoutez le budget.")
    ops.submit_experience(experience, author, "Budget ajouté.")
    commit()
    login_as(user=moderator)
    page = text_of(client.get("/moderation"))
    assert "Historique des échanges (3)" in page
    assert page.index("« Ajoutez le budget. »") < page.index("« Budget ajouté. »")


def test_open_reports_are_listed_and_can_be_resolved(client, login_as, create_experience,
                                                     db_session, text_of):
    experience = create_experience(title="Fiche signalée")
    report = Report(experience_id=experience.id, kind="doublon", comment="Même projet que la 12.")
    db_session.add(report)
    db_session.commit()
    login_as("moderateur")
    page = text_of(client.get("/moderation"))
    assert "Signalements ouverts (1)" in page and "Doublon d'une autre fiche" in page
    assert "Même projet que la 12." in page
    response = client.post(f"/moderation/signalements/{report.id}/traiter",
                           follow_redirects=True)
    assert "Le signalement est marqué comme traité." in text_of(response)
    assert "Signalements ouverts (0)" in text_of(response)
    assert client.post("/moderation/signalements/999999/traiter").status_code == 404


def test_the_queue_is_for_moderators_and_admins(app, client, login_as):
    anonymous = app.test_client().get("/moderation")
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    for role, status in (("contributeur", 403), ("analyste", 403), ("moderateur", 200),
                         ("admin", 200)):
        visitor = app.test_client()
        login_as(role, test_client=visitor)
        assert visitor.get("/moderation").status_code == status, role


def test_authors_see_the_state_and_the_moderators_comments(
        client, login_as, create_user, file_experience, text_of):
    author = login_as("contributeur")
    experience = file_experience(author, state="soumise")
    ops.send_back_experience(experience, create_user(role="moderateur"),
                             "Précisez les résultats.\nEt les <b>sources</b>.")
    commit()
    page = text_of(client.get(f"/experiences/{experience.id}", follow_redirects=True))
    assert "Cette fiche est un brouillon" in page
    assert "Échanges avec la modération" in page
    assert "Renvoyée au brouillon" in page
    raw = client.get(f"/experiences/{experience.id}", follow_redirects=True).get_data(
        as_text=True)
    assert "Précisez les résultats.<br>\nEt les &lt;b&gt;sources&lt;/b&gt;." in raw


def test_a_send_back_comment_heads_the_write_up_and_its_edit_form(
        client, login_as, create_user, file_experience, text_of):
    """Issue 15: the authors read what to change at the top, not only in the exchanges at the
    bottom of the page; once resubmitted, the callout is gone."""
    author, moderator = create_user(), create_user(role="moderateur")
    experience = file_experience(author, state="soumise", title="Fiche à reprendre")
    ops.send_back_experience(experience, moderator, "Ajoutez le budget et les financeurs.")
    commit()
    login_as(user=author)
    page = text_of(client.get(f"/experiences/{experience.id}", follow_redirects=True))
    callout = page.index("Cette fiche est un brouillon renvoyé par la modération")
    assert callout < page.index("Ajoutez le budget et les financeurs.") < page.index(
        "Soumettre à la modération")
    assert callout < page.index("Échanges avec la modération")
    form = text_of(client.get(f"/experiences/{experience.id}/modifier"))
    assert form.index("Ce que la modération vous demande de modifier") < form.index(
        "Ajoutez le budget et les financeurs.") < form.index("Titre de la fiche")
    ops.submit_experience(experience, author)
    commit()
    page = text_of(client.get(f"/experiences/{experience.id}", follow_redirects=True))
    assert "Cette fiche est un brouillon renvoyé par la modération" not in page
    form = text_of(client.get(f"/experiences/{experience.id}/modifier"))
    assert "Ce que la modération vous demande de modifier" not in form


def test_an_empty_send_back_is_refused_with_its_error_marked_for_focus(
        client, login_as, create_user, file_experience, text_of):
    author = create_user()
    experience = file_experience(author, state="soumise")
    login_as("moderateur")
    response = client.post(f"/experiences/{experience.id}/renvoyer",
                           data={"send_back-comment": "   "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="renvoi"' in page and "data-focus-on-load" in page
    assert "Expliquez aux auteurs ce qu&#39;il faut modifier." in page
    assert 'aria-invalid="true"' in page and "js/form-errors.js" in page
