"""The write-up operations: revisions, derived places, state changes, moderation comments and
the search outbox — each written in the caller's transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.db import commit
from kb.experiences import operations as ops
from kb.experiences.models import Experience, ModerationComment, Revision
from kb.experiences.snapshot import experience_snapshot


def _revisions(db_session, experience_id: int) -> list[Revision]:
    db_session.expire_all()
    return db_session.scalars(select(Revision).where(Revision.experience_id == experience_id)
                              .order_by(Revision.number)).all()


def test_creating_writes_the_first_revision_with_every_filled_field(
        create_user, db_session, experience_data):
    author = create_user()
    experience = ops.create_experience(author, experience_data())
    commit()
    [revision] = _revisions(db_session, experience.id)
    assert (revision.number, revision.action, revision.author_id) == (1, "create", author.id)
    assert revision.data == experience_snapshot(experience)
    assert {"title", "summary", "themes", "territory_code", "budget_eur"} <= set(
        revision.changed_fields)
    assert "project_state" in revision.changed_fields and "cofilers" not in revision.changed_fields


def test_each_save_numbers_a_new_revision_and_names_the_fields_it_changed(
        create_user, db_session, experience_data):
    author = create_user()
    experience = ops.create_experience(author, experience_data())
    commit()
    ops.update_experience(experience, author, experience_data(title="Un autre titre",
                                                              themes=["ent"]),
                          base_version=experience.version, base_revision=1)
    commit()
    revisions = _revisions(db_session, experience.id)
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[1].action == "update"
    assert revisions[1].changed_fields == ["title", "themes"]
    assert revisions[1].data["title"] == "Un autre titre"
    assert experience.slug == "un-autre-titre"


def test_a_save_that_changes_nothing_writes_no_revision(create_user, db_session, experience_data):
    author = create_user()
    experience = ops.create_experience(author, experience_data())
    commit()
    version = experience.version
    assert ops.update_experience(experience, author, experience_data(),
                                 base_version=version, base_revision=1) is None
    commit()
    assert len(_revisions(db_session, experience.id)) == 1
    assert experience.version == version


@pytest.mark.parametrize(("code", "departement", "region"), [
    ("C23096", "23", "75"),      # a commune: its département and région
    ("E200034825", "23", "75"),  # an EPCI: its département and région
    ("D23", "23", "75"),         # a département: itself and its région
    ("R75", None, "75"),         # a région: itself only
])
def test_departement_and_region_are_derived_from_the_territory(
        create_user, experience_data, code, departement, region):
    experience = ops.create_experience(create_user(), experience_data(territory_code=code))
    assert (experience.departement, experience.region) == (departement, region)


def test_the_life_cycle_records_who_when_and_the_comments(
        create_user, db_session, file_experience):
    author, moderator = create_user(), create_user(role="moderateur")
    experience = file_experience(author, state="soumise")
    assert experience.submitted_at is not None
    ops.send_back_experience(experience, moderator, "Ajoutez les résultats.")
    ops.submit_experience(experience, author, "C'est fait.")
    ops.publish_experience(experience, moderator)
    commit()
    assert experience.state == "publiee"
    assert experience.published_by_id == moderator.id and experience.published_at is not None
    comments = db_session.scalars(select(ModerationComment).where(
        ModerationComment.experience_id == experience.id).order_by(ModerationComment.id)).all()
    assert [(c.action, c.body) for c in comments] == [
        ("submit", ""), ("send_back", "Ajoutez les résultats."), ("submit", "C'est fait."),
        ("publish", ""),
    ]
    actions = [r.action for r in _revisions(db_session, experience.id)]
    assert actions == ["create", "submit", "send_back", "submit", "publish"]
    assert all(r.changed_fields == [] for r in _revisions(db_session, experience.id)[1:])


def test_sending_back_needs_a_comment(create_user, file_experience):
    experience = file_experience(create_user(), state="soumise")
    with pytest.raises(ops.ExperienceInvalid) as refused:
        ops.send_back_experience(experience, create_user(role="moderateur"), "   ")
    assert refused.value.errors == {"comment": "Expliquez aux auteurs ce qu'il faut modifier."}


@pytest.mark.parametrize(("state", "operation", "who"), [
    ("soumise", "submit_experience", "author"),
    ("publiee", "submit_experience", "author"),
    ("brouillon", "publish_experience", "moderator"),
    ("publiee", "publish_experience", "moderator"),
    ("brouillon", "send_back_experience", "moderator"),
    ("brouillon", "archive_experience", "moderator"),
    ("soumise", "archive_experience", "moderator"),
])
def test_an_action_out_of_its_state_is_refused(create_user, file_experience, state, operation,
                                                who):
    author, moderator = create_user(), create_user(role="moderateur")
    experience = file_experience(author, state=state, moderator=moderator)
    with pytest.raises(ops.InvalidTransition):
        getattr(ops, operation)(experience, author if who == "author" else moderator, "motif")


def test_outbox_follows_every_change_of_published_content(
        create_user, db_session, file_experience, outbox, experience_data):
    author, moderator = create_user(), create_user(role="moderateur")
    experience = file_experience(author, state="soumise", moderator=moderator)
    assert outbox() == []  # drafts and submissions are not searchable
    ops.publish_experience(experience, moderator)
    commit()
    assert outbox() == [(experience.id, "upsert")]
    ops.update_experience(experience, author, experience_data(title="Nouveau titre"),
                          base_version=experience.version, base_revision=3)
    commit()
    assert len(outbox()) == 1  # an author's edit of a published write-up waits for review
    from datetime import date

    from kb.experiences.pending import approve_pending_revision, open_pending_revision

    approve_pending_revision(open_pending_revision(experience.id), moderator)
    commit()
    ops.add_follow_up(experience, author, date(2023, 1, 15), "Bilan positif.")
    commit()
    ops.restore_revision(experience, author, 1)  # proposed for review: nothing yet
    commit()
    assert len(outbox()) == 3
    ops.restore_revision(experience, moderator, 1)  # a moderator's restore goes live
    commit()
    ops.archive_experience(experience, moderator)
    commit()
    assert outbox() == [(experience.id, op) for op in
                        ("upsert", "upsert", "upsert", "upsert", "delete")]


def test_editing_a_draft_writes_no_outbox_entry(create_user, file_experience, outbox,
                                                experience_data):
    author = create_user()
    experience = file_experience(author)
    ops.update_experience(experience, author, experience_data(title="Autre"),
                          base_version=experience.version, base_revision=1)
    commit()
    assert outbox() == []


def test_restoring_a_revision_brings_its_content_back_as_a_new_revision(
        create_user, db_session, file_experience, experience_data):
    author = create_user()
    experience = file_experience(author)
    ops.update_experience(experience, author, experience_data(title="Titre modifié",
                                                              summary="Résumé modifié."),
                          base_version=experience.version, base_revision=1)
    commit()
    restored = ops.restore_revision(experience, author, 1)
    commit()
    assert restored.number == 3 and restored.action == "restore"
    assert restored.changed_fields == ["title", "summary"]
    assert experience.title == experience_data()["title"]
    assert _revisions(db_session, experience.id)[0].data == restored.data


def test_restoring_drops_cofilers_that_no_longer_exist(
        create_user, create_organisation, db_session, file_experience, experience_data):
    author = create_user()
    partner = create_organisation(name="Agglo")
    experience = file_experience(author, cofilers=[{"organisation_id": partner.id,
                                                    "role": "Financeur"}])
    ops.update_experience(experience, author, experience_data(cofilers=[]),
                          base_version=experience.version, base_revision=1)
    commit()
    db_session.delete(partner)
    commit()
    ops.restore_revision(experience, author, 1)
    assert experience.cofilers == []


def test_a_write_up_inserted_without_revision_gets_an_initial_one_before_its_first_change(
        create_user, create_experience, db_session, experience_data):
    author = create_user()
    experience = create_experience(organisation=author.organisation, state="brouillon")
    ops.update_experience(experience, author, experience_data(),
                          base_version=experience.version)
    commit()
    actions = [r.action for r in _revisions(db_session, experience.id)]
    assert actions == ["initial", "update"]
    ops.restore_revision(experience, author, 1)
    assert experience.title == "Des tablettes pour l'école du village"


def test_an_edit_started_before_someone_elses_save_is_refused(
        create_user, db_session, file_experience, experience_data):
    author, colleague = create_user(), None
    experience = file_experience(author)
    colleague = create_user(organisation=author.organisation)
    started_version = experience.version
    ops.update_experience(experience, colleague, experience_data(title="Titre du collègue"),
                          base_version=started_version, base_revision=1)
    commit()
    with pytest.raises(ops.EditConflict) as conflict:
        ops.update_experience(experience, author, experience_data(summary="Mon résumé."),
                              base_version=started_version, base_revision=1)
    assert [c.name for c in conflict.value.changes] == ["title"]
    assert conflict.value.changes[0].after == "Titre du collègue"
    assert conflict.value.version == experience.version
    assert conflict.value.revision.number == 2


def test_a_version_bumped_by_a_state_change_alone_is_no_conflict(
        create_user, db_session, file_experience, experience_data):
    author = create_user()
    experience = file_experience(author)
    started_version = experience.version
    ops.submit_experience(experience, author)
    commit()
    assert experience.version > started_version
    saved = ops.update_experience(experience, author, experience_data(title="Titre corrigé"),
                                  base_version=started_version, base_revision=1)
    assert saved is experience and experience.title == "Titre corrigé"


def test_a_save_racing_another_transaction_is_refused_not_lost(
        app, create_user, db_session, file_experience, experience_data):
    """Two transactions load the same version; the second to write gets a conflict from the
    database's version check (SQLAlchemy ``version_id_col``), not a silent overwrite."""
    author = create_user()
    experience = file_experience(author)
    experience_id, version = experience.id, experience.version
    db_session.expire_all()
    mine = db_session.get(Experience, experience_id)
    assert mine.terms  # loaded, as the form's request would have it
    other = app.extensions["kb.sessionmaker"]()
    theirs = other.get(Experience, experience_id)
    theirs.title = "Enregistré par quelqu'un d'autre"
    other.commit()
    other.close()
    with pytest.raises(ops.EditConflict):
        ops.update_experience(mine, author, experience_data(summary="Ma version."),
                              base_version=version, base_revision=1)
    db_session.expire_all()
    current = db_session.get(Experience, experience_id)
    assert current.title == "Enregistré par quelqu'un d'autre"
    assert current.summary == experience_data()["summary"]


def test_contributors_file_only_for_their_own_organisation(
        create_user, create_organisation, experience_data):
    author = create_user()
    experience = ops.create_experience(author, experience_data(),
                                       organisation=create_organisation())
    assert experience.organisation_id == author.organisation_id


def test_moderators_file_for_the_organisation_they_choose(
        create_user, create_organisation, experience_data):
    moderator, organisation = create_user(role="moderateur"), create_organisation()
    experience = ops.create_experience(moderator, experience_data(), organisation=organisation)
    assert experience.organisation_id == organisation.id
    with pytest.raises(ops.ExperienceInvalid) as refused:
        ops.create_experience(moderator, experience_data())
    assert "organisation_id" in refused.value.errors


def test_analysts_and_anonymous_cannot_file(create_user, experience_data):
    with pytest.raises(ops.PermissionDenied):
        ops.create_experience(create_user(role="analyste"), experience_data())
    with pytest.raises(ops.PermissionDenied):
        ops.create_experience(None, experience_data())


def test_the_filing_organisation_cannot_also_be_a_cofiler(create_user, experience_data):
    author = create_user()
    data = experience_data(cofilers=[{"organisation_id": author.organisation_id, "role": "x"}])
    with pytest.raises(ops.ExperienceInvalid) as refused:
        ops.create_experience(author, data)
    assert "cofilers" in refused.value.errors


def test_cofilers_members_become_authors(create_user, create_organisation, file_experience):
    from kb.experiences.access import can_edit, can_view

    partner = create_organisation(name="CA du Grand Guéret", kind="epci",
                                  territory_code="E200034825")
    experience = file_experience(create_user(), cofilers=[
        {"organisation_id": partner.id, "role": "Maintenance"}])
    member = create_user(organisation=partner)
    assert can_view(experience, member) and can_edit(experience, member)
    assert [(c.organisation.name, c.role) for c in experience.cofilers] == [
        ("CA du Grand Guéret", "Maintenance")]


def test_resolving_a_report_records_who_and_when(create_user, create_experience, db_session):
    from kb.experiences.models import Report

    experience = create_experience()
    report = Report(experience_id=experience.id, kind="obsolete", comment="Le site a changé.")
    db_session.add(report)
    db_session.flush()
    moderator = create_user(role="moderateur")
    ops.resolve_report(report, moderator)
    assert report.resolved_by_id == moderator.id and report.resolved_at is not None
    with pytest.raises(ops.PermissionDenied):
        ops.resolve_report(report, create_user())
