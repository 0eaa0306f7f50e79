"""Issue 15, point 1: an author's edit of a published write-up waits for review.

The published version stays public (page, search index) while the changes wait on
``/moderation``; a moderator approves them (they become the published version, as a revision,
and only then does the index change) or sends them back with a comment (the authors see it
and rework the same draft of changes). Follow-ups stay direct (SPEC section 5).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kb.db import commit
from kb.experiences import operations as ops
from kb.experiences.models import Experience, ModerationComment, PendingRevision, Revision
from kb.experiences.pending import open_pending_revision
from kb.mail.models import MailMessage


@pytest.fixture
def published(create_user, file_experience):
    """A published write-up of an author's organisation, a moderator, both as users."""
    author, moderator = create_user(), create_user(role="moderateur")
    experience = file_experience(author, state="publiee", moderator=moderator,
                                 title="Tablettes à Guéret")
    return experience, author, moderator


def edit_as_author(client, experience, encode_form, experience_data, text_of, **changes):
    """Open the edit form as the signed-in author and post it with ``changes``."""
    form = text_of(client.get(f"/experiences/{experience.id}/modifier"))
    hidden = {name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', form).group(1)
              for name in ("version", "base_revision", "pending_version")}
    return client.post(f"/experiences/{experience.id}/modifier",
                       data=encode_form(experience_data(title="Tablettes à Guéret") | changes,
                                        **hidden))


def test_the_public_page_is_unchanged_until_approval(
        app, client, login_as, published, encode_form, experience_data, db_session, outbox,
        text_of):
    experience, author, _moderator = published
    login_as(user=author)
    before_outbox = outbox()
    response = edit_as_author(client, experience, encode_form, experience_data, text_of,
                              title="Tablettes et ENT à Guéret")
    assert response.status_code == 303
    flash = text_of(client.get(response.headers["Location"]))
    assert "attendent la relecture d'un modérateur" in flash
    assert "Modifications en attente de relecture" in flash  # the authors' callout
    assert "Modifications en attente" in text_of(client.get("/compte"))  # their list too

    public = text_of(app.test_client().get(f"/experiences/{experience.id}",
                                           follow_redirects=True))
    assert '<h1 id="titre-fiche">Tablettes à Guéret</h1>' in public
    assert "Tablettes et ENT" not in public and "Modifications en attente" not in public
    db_session.expire_all()
    assert db_session.get(Experience, experience.id).title == "Tablettes à Guéret"
    assert outbox() == before_outbox  # nothing for the index yet
    pending = open_pending_revision(experience.id)
    assert pending.status == "en-attente" and pending.data["title"] == "Tablettes et ENT à Guéret"
    assert pending.author_id == author.id


def test_the_edit_form_reopens_the_draft_of_changes(client, login_as, published, encode_form,
                                                    experience_data, text_of):
    experience, author, _moderator = published
    login_as(user=author)
    edit_as_author(client, experience, encode_form, experience_data, text_of,
                   summary="Un résumé revu.")
    form = text_of(client.get(f"/experiences/{experience.id}/modifier"))
    assert "Vos modifications attendent la relecture d'un modérateur" in form
    assert "Un résumé revu." in form
    assert "Soumettre les modifications à la relecture" in form
    # saving again replaces the same draft of changes (one per write-up)
    edit_as_author(client, experience, encode_form, experience_data, text_of,
                   summary="Un résumé revu deux fois.")
    pending = open_pending_revision(experience.id)
    assert pending.data["summary"] == "Un résumé revu deux fois."


def test_a_stale_draft_of_changes_is_not_overwritten_silently(
        app, client, login_as, published, create_user, encode_form, experience_data, text_of,
        db_session):
    experience, author, _moderator = published
    colleague = create_user(organisation=author.organisation)
    login_as(user=author)
    form = text_of(client.get(f"/experiences/{experience.id}/modifier"))
    mine = {name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', form).group(1)
            for name in ("version", "base_revision", "pending_version")}
    other = app.test_client()
    login_as(user=colleague, test_client=other)
    edit_as_author(other, experience, encode_form, experience_data, text_of,
                   summary="Le résumé de ma collègue.")
    first = open_pending_revision(experience.id)
    edit_as_author(other, experience, encode_form, experience_data, text_of,
                   summary="Le résumé de ma collègue, revu.")
    db_session.expire_all()
    assert open_pending_revision(experience.id).id == first.id
    mine["pending_version"] = str(open_pending_revision(experience.id).version - 1)
    refused = client.post(f"/experiences/{experience.id}/modifier", data=encode_form(
        experience_data(title="Tablettes à Guéret", summary="Mon résumé."), **mine))
    assert refused.status_code == 409
    assert "Mon résumé." in text_of(refused)  # the text typed is kept
    db_session.expire_all()
    assert open_pending_revision(experience.id).data["summary"] == (
        "Le résumé de ma collègue, revu.")


def test_the_moderation_queue_lists_the_pending_edit_and_approval_publishes(
        app, client, login_as, published, encode_form, experience_data, db_session, outbox,
        sync_index, text_of):
    experience, author, moderator = published
    login_as(user=author)
    edit_as_author(client, experience, encode_form, experience_data, text_of,
                   title="Tablettes et robots à Guéret", summary="Des robots programmables.")
    pending = open_pending_revision(experience.id)
    assert any(m.subject == "Modifications à relire : Tablettes à Guéret"
               for m in db_session.scalars(select(MailMessage)))

    staff = app.test_client()
    login_as(user=moderator, test_client=staff)
    queue = text_of(staff.get("/moderation"))
    assert "Modifications de fiches publiées en attente (1)" in queue
    assert f"/moderation/modifications/{pending.id}" in queue
    review = text_of(staff.get(f"/moderation/modifications/{pending.id}"))
    assert "Ce qui changerait dans la fiche publiée" in review
    assert "Tablettes et robots à Guéret" in review and "Tablettes à Guéret" in review

    sync_index()
    assert _search_ids(app, "robots") == []
    before = len(outbox())
    approved = staff.post(f"/moderation/modifications/{pending.id}/approuver",
                          data={"approve-comment": "Merci pour la mise à jour."})
    assert approved.status_code == 303
    db_session.expire_all()
    current = db_session.get(Experience, experience.id)
    assert (current.title, current.summary, current.state) == (
        "Tablettes et robots à Guéret", "Des robots programmables.", "publiee")
    assert outbox()[before:] == [(experience.id, "upsert")]
    sync_index()
    assert _search_ids(app, "robots") == [experience.id]
    revision = db_session.scalars(select(Revision).where(
        Revision.experience_id == experience.id).order_by(Revision.number.desc())).first()
    assert (revision.action, revision.author_id) == ("approve_edit", moderator.id)
    assert revision.comment == "Merci pour la mise à jour."
    assert "title" in revision.changed_fields
    assert db_session.get(PendingRevision, pending.id).status == "approuvee"
    assert db_session.get(PendingRevision, pending.id).revision_number == revision.number
    public = text_of(app.test_client().get(f"/experiences/{experience.id}",
                                           follow_redirects=True))
    assert '<h1 id="titre-fiche">Tablettes et robots à Guéret</h1>' in public
    assert "Modifications de fiches publiées en attente (0)" in text_of(staff.get("/moderation"))


def _search_ids(app, words: str) -> list[int]:
    page = app.test_client().get(f"/api/v1/experiences?q={words}").get_json()
    return [result["id"] for result in page["results"]]


def test_a_send_back_keeps_the_published_version_and_shows_the_comment(
        app, client, login_as, published, encode_form, experience_data, db_session, outbox,
        text_of):
    experience, author, moderator = published
    login_as(user=author)
    edit_as_author(client, experience, encode_form, experience_data, text_of,
                   title="Titre à revoir")
    pending = open_pending_revision(experience.id)
    staff = app.test_client()
    login_as(user=moderator, test_client=staff)
    empty = staff.post(f"/moderation/modifications/{pending.id}/renvoyer",
                       data={"send_back-comment": " "})
    assert empty.status_code == 422
    assert "Expliquez aux auteurs ce qu'il faut modifier." in text_of(empty)
    assert "data-focus-on-load" in empty.get_data(as_text=True)
    before = len(outbox())
    sent = staff.post(f"/moderation/modifications/{pending.id}/renvoyer",
                      data={"send_back-comment": "Gardez « Guéret » dans le titre."})
    assert sent.status_code == 303
    assert len(outbox()) == before
    db_session.expire_all()
    assert db_session.get(Experience, experience.id).title == "Tablettes à Guéret"
    assert db_session.get(PendingRevision, pending.id).status == "renvoyee"
    assert any(m.subject == "Vos modifications vous sont renvoyées : Tablettes à Guéret"
               for m in db_session.scalars(select(MailMessage)))

    page = text_of(client.get(f"/experiences/{experience.id}", follow_redirects=True))
    assert page.index("Modifications en attente : renvoyées par la modération") < page.index(
        "Gardez « Guéret » dans le titre.") < page.index("Contexte et problème de départ")
    form = text_of(client.get(f"/experiences/{experience.id}/modifier"))
    assert "Ce que la modération vous demande de modifier" in form
    assert 'value="Titre à revoir"' in form  # the draft of changes, to rework
    edit_as_author(client, experience, encode_form, experience_data, text_of,
                   title="Tablettes à Guéret et Aubusson")
    db_session.expire_all()
    reopened = open_pending_revision(experience.id)
    assert (reopened.id, reopened.status) == (pending.id, "en-attente")
    actions = db_session.scalars(select(ModerationComment.action).where(
        ModerationComment.experience_id == experience.id)
        .order_by(ModerationComment.id)).all()
    assert actions[-3:] == ["edit_submit", "edit_send_back", "edit_submit"]


def test_follow_ups_stay_direct(client, login_as, published, text_of):
    experience, author, _moderator = published
    login_as(user=author)
    response = client.post(f"/experiences/{experience.id}/suivis", data={
        "follow_up-entry_date": "2024-06-30", "follow_up-body": "Bilan à un an."})
    assert response.status_code == 303
    public = text_of(client.get(f"/experiences/{experience.id}", follow_redirects=True))
    assert "Bilan à un an." in public
    assert open_pending_revision(experience.id) is None


def test_a_moderator_edit_applies_at_once(create_user, published, experience_data, db_session):
    experience, _author, moderator = published
    ops.update_experience(experience, moderator, experience_data(title="Titre corrigé"),
                          base_version=experience.version, base_revision=None)
    commit()
    db_session.expire_all()
    assert db_session.get(Experience, experience.id).title == "Titre corrigé"
    assert open_pending_revision(experience.id) is None


def test_approval_is_refused_when_the_published_version_changed_meanwhile(
        published, experience_data, db_session):
    from kb.experiences.operations import InvalidTransition
    from kb.experiences.pending import approve_pending_revision

    experience, author, moderator = published
    ops.update_experience(experience, author, experience_data(summary="Proposé."),
                          base_version=experience.version, base_revision=None)
    commit()
    ops.update_experience(experience, moderator, experience_data(title="Corrigé directement"),
                          base_version=experience.version, base_revision=None)
    commit()
    with pytest.raises(InvalidTransition, match="La version publiée a changé"):
        approve_pending_revision(open_pending_revision(experience.id), moderator)


def test_authors_cannot_approve_and_others_cannot_review(
        app, client, login_as, published, create_user, encode_form, experience_data, text_of):
    experience, author, _moderator = published
    login_as(user=author)
    edit_as_author(client, experience, encode_form, experience_data, text_of, title="Autre")
    pending = open_pending_revision(experience.id)
    assert client.post(f"/moderation/modifications/{pending.id}/approuver").status_code == 403
    assert client.get(f"/moderation/modifications/{pending.id}").status_code == 403
    outsider = app.test_client()
    login_as("contributeur", test_client=outsider)
    assert outsider.get(f"/moderation/modifications/{pending.id}").status_code == 403
    staff = app.test_client()
    login_as("moderateur", test_client=staff)
    assert staff.get("/moderation/modifications/999999").status_code == 404


def test_saving_the_published_content_unchanged_withdraws_the_changes(
        client, login_as, published, encode_form, experience_data, text_of, db_session):
    experience, author, _moderator = published
    login_as(user=author)
    edit_as_author(client, experience, encode_form, experience_data, text_of, title="Autre")
    pending = open_pending_revision(experience.id)
    edit_as_author(client, experience, encode_form, experience_data, text_of)
    db_session.expire_all()
    assert db_session.get(PendingRevision, pending.id).status == "retiree"
    assert open_pending_revision(experience.id) is None


def test_authors_withdraw_their_changes_with_a_button(
        client, login_as, published, encode_form, experience_data, text_of, db_session):
    experience, author, _moderator = published
    login_as(user=author)
    edit_as_author(client, experience, encode_form, experience_data, text_of, title="Autre")
    page = text_of(client.get(f"/experiences/{experience.id}", follow_redirects=True))
    assert "Retirer ces modifications" in page
    response = client.post(f"/experiences/{experience.id}/modifications-en-attente/retirer",
                           follow_redirects=True)
    assert "Les modifications en attente sont retirées" in text_of(response)
    assert open_pending_revision(experience.id) is None
    again = client.post(f"/experiences/{experience.id}/modifications-en-attente/retirer")
    assert again.status_code == 404


def test_an_unchanged_write_up_with_cofilers_proposes_nothing(
        create_user, create_organisation, file_experience, experience_data, db_session):
    author, moderator = create_user(), create_user(role="moderateur")
    partner = create_organisation(name="Communauté de communes Creuse Grand Sud")
    data = experience_data(cofilers=[{"organisation_id": partner.id, "role": "Financeur"}])
    experience = file_experience(author, state="publiee", moderator=moderator,
                                 cofilers=data["cofilers"])
    assert ops.update_experience(experience, author, data, base_version=experience.version,
                                 base_revision=None) is None
    changed = ops.update_experience(experience, author, data | {"summary": "Autre résumé."},
                                    base_version=experience.version, base_revision=None)
    from kb.experiences.pending import pending_changes

    assert [change.name for change in pending_changes(changed)] == ["summary"]
