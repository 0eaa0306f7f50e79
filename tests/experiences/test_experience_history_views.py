"""The history page: every revision, what changed between two (field by field, line diff,
escaped), and restoring one as a new revision."""

from __future__ import annotations

from sqlalchemy import select

from kb.db import commit
from kb.experiences import operations as ops
from kb.experiences.models import Experience, Revision


def _edit(experience, user, data):
    ops.update_experience(experience, user, data, base_version=experience.version,
                          base_revision=None)
    commit()


def test_the_history_lists_every_revision_newest_first(client, login_as, file_experience,
                                                       text_of):
    author = login_as("contributeur")
    experience = file_experience(author, state="publiee")
    page = text_of(client.get(f"/experiences/{experience.id}/historique"))
    rows = [line for line in page.splitlines() if 'class="kb-revision"' in line]
    assert [row.split('data-revision="')[1].split('"')[0] for row in rows] == ["3", "2", "1"]
    assert "Publication" in page and "Soumission à la modération" in page
    assert "Création" in page
    assert "<title>Historique — Des tablettes dans les écoles de Guéret — " in page


def test_two_revisions_compare_field_by_field_with_a_line_diff(
        client, login_as, file_experience, experience_data, text_of):
    author = login_as("contributeur")
    experience = file_experience(author)
    _edit(experience, author, experience_data(
        actions="- achat de 150 tablettes\n- formation des enseignants\n- un référent par école",
        themes=["equipement", "ent"], budget_eur=90000))
    page = text_of(client.get(f"/experiences/{experience.id}/historique?de=1&a=2"))
    section = page[page.index('id="titre-comparaison"'):]
    assert "Changements de la version n° 1 à la version n° 2" in section
    assert '<del class="kb-diff__line kb-diff__line--removed">' in section
    assert "- achat de 120 tablettes</del>" in section
    assert "- achat de 150 tablettes</ins>" in section
    assert "- un référent par école</ins>" in section
    assert "<ins>Espace numérique de travail (ENT)</ins>" in section
    assert "85\u202f000\u00a0€" in section and "90\u202f000\u00a0€" in section
    assert "Titre" not in section.split("</table>")[0].split("<tbody>")[1]  # unchanged field


def test_the_diff_escapes_what_people_typed(client, login_as, file_experience,
                                            experience_data):
    author = login_as("contributeur")
    experience = file_experience(author)
    _edit(experience, author, experience_data(
        title='<img src=x onerror="alert(1)">', context="<script>alert(2)</script>"))
    page = client.get(f"/experiences/{experience.id}/historique?de=1&a=2").get_data(as_text=True)
    assert "<script>alert(2)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_restoring_makes_a_new_revision_from_an_old_one(
        client, login_as, file_experience, experience_data, db_session, text_of):
    author = login_as("contributeur")
    experience = file_experience(author)
    _edit(experience, author, experience_data(title="Un titre moins bon"))
    response = client.post(f"/experiences/{experience.id}/historique/1/restaurer",
                           follow_redirects=True)
    assert "La version n° 1 est restaurée ; elle devient la version n° 3." in text_of(response)
    db_session.expire_all()
    assert db_session.get(Experience, experience.id).title == experience_data()["title"]
    latest = db_session.scalars(select(Revision).where(Revision.experience_id == experience.id)
                                .order_by(Revision.number.desc())).first()
    assert (latest.number, latest.action, latest.author_id) == (3, "restore", author.id)


def test_restoring_a_revision_that_does_not_exist_is_a_conflict(client, login_as,
                                                                 file_experience):
    author = login_as("contributeur")
    experience = file_experience(author)
    assert client.post(f"/experiences/{experience.id}/historique/9/restaurer").status_code == 409


def test_analysts_read_the_history_but_cannot_restore(client, login_as, create_user,
                                                       file_experience, text_of):
    experience = file_experience(create_user(), state="publiee")
    login_as("analyste")
    page = text_of(client.get(f"/experiences/{experience.id}/historique"))
    assert "Restaurer" not in page
    assert client.post(f"/experiences/{experience.id}/historique/1/restaurer").status_code == 403


def test_the_public_and_other_organisations_do_not_see_the_history(
        app, client, login_as, create_user, file_experience):
    experience = file_experience(create_user(), state="publiee")
    anonymous = app.test_client().get(f"/experiences/{experience.id}/historique")
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    login_as("contributeur")
    assert client.get(f"/experiences/{experience.id}/historique").status_code == 403
