"""Two people editing the same write-up: the second save is refused, their text kept in the form
and the other person's change shown — never a silent overwrite. Runs on SQLite and PostgreSQL
(``--db=postgres``)."""

from __future__ import annotations

import re

from sqlalchemy import select

from kb.experiences.models import Experience, Revision


def _form_state(page: str) -> dict:
    """The hidden version fields of an edit form."""
    values = {}
    for name in ("version", "base_revision"):
        match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
        values[name] = re.search(r'value="([^"]*)"', match.group(0)).group(1)
    return values


def _current(db_session, experience_id: int) -> Experience:
    db_session.expire_all()
    return db_session.get(Experience, experience_id)


def test_the_second_of_two_concurrent_saves_is_refused_and_keeps_its_text(
        app, client, login_as, create_user, file_experience, db_session, experience_data,
        encode_form, text_of):
    author = login_as("contributeur")
    colleague_client = app.test_client()
    login_as(user=create_user(organisation=author.organisation), test_client=colleague_client)
    experience = file_experience(author)
    url = f"/experiences/{experience.id}/modifier"

    mine = _form_state(text_of(client.get(url)))
    theirs = _form_state(text_of(colleague_client.get(url)))
    assert mine == theirs

    saved = colleague_client.post(url, data=encode_form(
        experience_data(title="Tablettes et ENT dans les écoles de Guéret"), **theirs))
    assert saved.status_code == 303

    my_summary = "Mon résumé réécrit, à ne surtout pas perdre."
    refused = client.post(url, data=encode_form(experience_data(summary=my_summary), **mine))
    assert refused.status_code == 409
    page = text_of(refused)
    assert "Quelqu'un a modifié cette fiche pendant que vous la modifiiez" in page
    assert "n'ont pas été enregistrées" in page
    assert my_summary in page  # the user's text is still in the form
    conflict = page[page.index('id="conflit"'):page.index("</table>", page.index('id="conflit"'))]
    assert "Titre" in conflict
    assert "Des tablettes dans les écoles de Guéret" in conflict  # before
    assert "Tablettes et ENT dans les écoles de Guéret" in conflict  # after
    current = _current(db_session, experience.id)
    assert current.title == "Tablettes et ENT dans les écoles de Guéret"
    assert current.summary == experience_data()["summary"]  # nothing of mine was written

    refreshed = _form_state(page)
    assert refreshed["version"] == str(current.version)
    resaved = client.post(url, data=encode_form(
        experience_data(title=current.title, summary=my_summary), **refreshed))
    assert resaved.status_code == 303
    current = _current(db_session, experience.id)
    assert (current.title, current.summary) == (
        "Tablettes et ENT dans les écoles de Guéret", my_summary)
    authors = db_session.scalars(select(Revision.author_id).where(
        Revision.experience_id == experience.id).order_by(Revision.number)).all()
    assert len(authors) == 3 and authors[1] != authors[2]


def test_a_publication_during_an_edit_is_no_conflict(
        app, client, login_as, file_experience, db_session, experience_data, encode_form,
        text_of):
    author = login_as("contributeur")
    experience = file_experience(author, state="soumise")
    url = f"/experiences/{experience.id}/modifier"
    mine = _form_state(text_of(client.get(url)))

    moderator_client = app.test_client()
    login_as("moderateur", test_client=moderator_client)
    assert moderator_client.post(f"/experiences/{experience.id}/publier").status_code == 303

    saved = client.post(url, data=encode_form(experience_data(summary="Résumé précisé."), **mine))
    assert saved.status_code == 303
    current = _current(db_session, experience.id)
    # published meanwhile: the edit is no conflict, and now waits for review (issue 15)
    assert (current.state, current.summary) != ("publiee", "Résumé précisé.")
    from kb.experiences.pending import open_pending_revision

    assert open_pending_revision(experience.id).data["summary"] == "Résumé précisé."


def test_a_form_without_its_version_cannot_overwrite_anything(
        client, login_as, file_experience, db_session, experience_data, encode_form, text_of):
    author = login_as("contributeur")
    experience = file_experience(author)
    response = client.post(f"/experiences/{experience.id}/modifier",
                           data=encode_form(experience_data(title="Sans version")))
    assert response.status_code == 409
    assert "Voici ce qui diffère entre votre texte" in text_of(response)
    assert _current(db_session, experience.id).title != "Sans version"
