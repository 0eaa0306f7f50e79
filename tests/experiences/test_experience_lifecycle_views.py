"""The life cycle through the web pages: file, submit, send back, fix, resubmit, publish,
archive, republish, follow-ups — with what authors and moderators see at each step."""

from __future__ import annotations

from sqlalchemy import select

from kb.experiences.models import Experience, ModerationComment, Revision


def _experience(db_session, experience_id: int) -> Experience:
    db_session.expire_all()
    return db_session.get(Experience, experience_id)


def test_a_contributor_files_a_draft_through_the_form(client, login_as, db_session,
                                                      experience_data, encode_form, text_of):
    author = login_as("contributeur")
    response = client.post("/experiences/nouvelle", data=encode_form(experience_data()))
    assert response.status_code == 303
    experience = db_session.scalars(select(Experience)).one()
    assert response.headers["Location"] == f"/experiences/{experience.id}-{experience.slug}"
    assert experience.state == "brouillon"
    assert experience.organisation_id == author.organisation_id
    assert experience.created_by_id == author.id
    assert (experience.departement, experience.region) == ("23", "75")
    assert experience.slug == "des-tablettes-dans-les-ecoles-de-gueret"
    page = text_of(client.get(response.headers["Location"]))
    assert "Cette fiche est un brouillon" in page
    assert "Soumettre à la modération" in page


def test_the_whole_review_cycle_through_the_pages(client, app, login_as, create_user, text_of,
                                                  db_session, experience_data, encode_form):
    author = login_as("contributeur")
    client.post("/experiences/nouvelle", data=encode_form(experience_data()))
    experience_id = db_session.scalars(select(Experience.id)).one()

    assert client.post(f"/experiences/{experience_id}/soumettre",
                       data={"submit-comment": "Prête à relire."}).status_code == 303
    assert _experience(db_session, experience_id).state == "soumise"

    moderator_client = app.test_client()
    moderator = login_as("moderateur", test_client=moderator_client)
    queue = text_of(moderator_client.get("/moderation"))
    assert "Des tablettes dans les écoles de Guéret" in queue
    assert "Prête à relire." in queue

    refused = moderator_client.post(f"/experiences/{experience_id}/renvoyer",
                                    data={"send_back-comment": "  "})
    assert refused.status_code == 422
    assert "Expliquez aux auteurs ce qu'il faut modifier." in text_of(refused)
    assert _experience(db_session, experience_id).state == "soumise"

    assert moderator_client.post(
        f"/experiences/{experience_id}/renvoyer",
        data={"send_back-comment": "Précisez le budget de fonctionnement."},
    ).status_code == 303
    assert _experience(db_session, experience_id).state == "brouillon"

    page = text_of(client.get(f"/experiences/{experience_id}", follow_redirects=True))
    assert "Précisez le budget de fonctionnement." in page
    assert "Renvoyée au brouillon" in page

    form = text_of(client.get(f"/experiences/{experience_id}/modifier"))
    version = _hidden(form, "version")
    base_revision = _hidden(form, "base_revision")
    fixed = encode_form(experience_data(budget_eur=95000), version=version,
                        base_revision=base_revision)
    assert client.post(f"/experiences/{experience_id}/modifier", data=fixed).status_code == 303
    assert client.post(f"/experiences/{experience_id}/soumettre").status_code == 303

    assert moderator_client.post(f"/experiences/{experience_id}/publier",
                                 data={"publish-comment": "Merci !"}).status_code == 303
    published = _experience(db_session, experience_id)
    assert published.state == "publiee"
    assert published.published_by_id == moderator.id
    assert published.published_at is not None
    assert published.budget_eur == 95000

    assert "Des tablettes dans les écoles de Guéret" in text_of(app.test_client().get("/"))
    actions = db_session.scalars(select(Revision.action).where(
        Revision.experience_id == experience_id).order_by(Revision.number)).all()
    assert actions == ["create", "submit", "send_back", "update", "submit", "publish"]
    comments = db_session.scalars(select(ModerationComment.action).where(
        ModerationComment.experience_id == experience_id).order_by(ModerationComment.id)).all()
    assert comments == ["submit", "send_back", "submit", "publish"]
    assert author.id is not None


def test_archiving_hides_the_write_up_and_republishing_shows_it_again(
        client, app, login_as, create_user, file_experience, db_session):
    author = create_user()
    experience = file_experience(author, state="publiee")
    login_as("moderateur")
    assert client.post(f"/experiences/{experience.id}/archiver",
                       data={"archive-comment": "Projet abandonné."}).status_code == 303
    public = app.test_client()
    assert public.get(f"/experiences/{experience.id}").status_code == 404
    assert client.post(f"/experiences/{experience.id}/publier").status_code == 303
    assert public.get(f"/experiences/{experience.id}", follow_redirects=True).status_code == 200
    assert _experience(db_session, experience.id).archived_at is None


def test_an_action_that_does_not_fit_the_state_is_refused_with_409(
        client, login_as, create_user, file_experience, text_of):
    experience = file_experience(create_user(), state="brouillon")
    login_as("moderateur")
    response = client.post(f"/experiences/{experience.id}/publier")
    assert response.status_code == 409
    assert "Seule une fiche soumise ou archivée peut être publiée." in text_of(response)


def test_authors_add_follow_ups_to_a_published_write_up_without_review(
        client, login_as, file_experience, db_session, outbox, text_of):
    author = login_as("contributeur")
    experience = file_experience(author, state="publiee")
    before = len(outbox())
    response = client.post(f"/experiences/{experience.id}/suivis", data={
        "follow_up-entry_date": "2023-06-30", "follow_up-title": "Bilan à un an",
        "follow_up-body": "Les **six** écoles utilisent toujours les tablettes.",
    })
    assert response.status_code == 303
    current = _experience(db_session, experience.id)
    assert current.state == "publiee"
    assert [f.title for f in current.follow_ups] == ["Bilan à un an"]
    assert outbox()[before:] == [(experience.id, "upsert")]
    page = text_of(client.get(response.headers["Location"]))
    assert "Bilan à un an" in page and "<strong>six</strong>" in page


def test_a_follow_up_without_text_or_with_a_future_date_is_refused_next_to_its_fields(
        client, login_as, file_experience, text_of):
    author = login_as("contributeur")
    experience = file_experience(author, state="publiee")
    response = client.post(f"/experiences/{experience.id}/suivis", data={
        "follow_up-entry_date": "2999-01-01", "follow_up-body": "",
    })
    assert response.status_code == 422
    page = text_of(response)
    assert "La date ne peut pas être dans le futur." in page
    assert "Décrivez où en est le projet." in page


def test_a_follow_up_on_a_draft_is_refused(client, login_as, file_experience):
    author = login_as("contributeur")
    experience = file_experience(author)
    response = client.post(f"/experiences/{experience.id}/suivis", data={
        "follow_up-entry_date": "2023-06-30", "follow_up-body": "Texte"})
    assert response.status_code == 409


def _hidden(page: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"',
                      page)
    assert match, f"no hidden field {name}"
    return match.group(1) or match.group(2)
