"""The index never loses an update: outbox applied after commit, on restart, across hosts,
and during a rebuild."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from kb.search.indexer import extension
from kb.search.models import OutboxEntry


@pytest.fixture
def no_catch_up(app):
    """Only commits (and explicit syncs) update the index, not searches."""
    app.config["SEARCH_CATCH_UP_SECONDS"] = -1


def publish(client, login_as, experience):
    login_as("moderateur")
    response = client.post(f"/experiences/{experience.id}/publier", data={"publish-comment": ""})
    assert response.status_code == 303, response.get_data(as_text=True)


def test_publish_is_searchable_once_the_request_is_done(
    create_experience, client, login_as, found_ids, sync_index, no_catch_up
):
    sync_index()
    experience = create_experience(title="Robots pédagogiques à l'école", state="soumise")
    assert found_ids(q="robots") == []
    publish(client, login_as, experience)
    assert found_ids(q="robots") == [experience.id]


def test_archive_removes_from_the_search(create_experience, client, login_as, found_ids, sync_index,
                                          no_catch_up):
    experience = create_experience(title="Robots pédagogiques")
    sync_index()
    assert found_ids(q="robots") == [experience.id]
    login_as("moderateur")
    client.post(f"/experiences/{experience.id}/archiver", data={"archive-comment": ""})
    assert found_ids(q="robots") == []


def test_edit_is_searchable_after_commit(app, create_experience, found_ids, sync_index,
                                         no_catch_up):
    from kb import db
    from kb.experiences.models import Experience
    from kb.search.models import enqueue

    experience = create_experience(title="Tablettes", equipment=())
    sync_index()
    with app.test_request_context():
        row = db.session.get(Experience, experience.id)
        row.title = "Visualiseurs pour tous"
        enqueue(db.session, row.id)
        db.commit()  # the after-commit hook applies the outbox
    assert found_ids(q="visualiseurs") == [experience.id]
    assert found_ids(q="tablettes") == []


def test_crash_after_commit_before_indexing_loses_nothing(
    prepared_database, app, create_experience, client, login_as, found_ids, sync_index
):
    """The commit wrote the outbox row, the process died before indexing: the next process
    applies it."""
    from tests.conftest import make_app

    sync_index()  # an index exists, up to date
    app.config.update(INDEX_APPLY_AFTER_COMMIT=False, SEARCH_CATCH_UP_SECONDS=-1)  # « dies »
    experience = create_experience(title="Casques de réalité virtuelle", state="soumise")
    publish(client, login_as, experience)
    assert found_ids(q="casques") == []  # committed, not indexed

    restarted = make_app(prepared_database, app.config["INDEX_DIR"])
    try:
        response = restarted.test_client().get("/api/v1/experiences?q=casques")
        assert [r["id"] for r in response.get_json()["results"]] == [experience.id]
    finally:
        restarted.extensions["kb.engine"].dispose()


def test_status_and_sync_commands(app, runner, create_experience, found_ids, sync_index,
                                  no_catch_up):
    sync_index()
    experience = create_experience(title="Imprimantes 3D")
    status = runner.invoke(args=["index", "status"])
    assert status.exit_code == 0, status.output
    assert "0 fiche," in status.output and "retard 1 entrée." in status.output
    result = runner.invoke(args=["index", "sync"])
    assert result.exit_code == 0, result.output
    assert "1 entrée appliquée : 1 fiche indexée" in result.output
    assert found_ids(q="imprimantes") == [experience.id]
    assert "retard 0 entrée." in runner.invoke(args=["index", "status"]).output


def test_two_hosts_with_their_own_index_see_each_others_changes(
    prepared_database, app, tmp_path, create_experience, client, login_as, found_ids
):
    from tests.conftest import make_app

    other = make_app(prepared_database, str(tmp_path / "other-host-index"))
    other.config["SEARCH_CATCH_UP_SECONDS"] = 0
    other_client = other.test_client()
    try:
        def other_ids(q):
            return [r["id"] for r in other_client.get(
                "/api/v1/experiences", query_string={"q": q}).get_json()["results"]]

        experience = create_experience(title="Fibre optique au collège", state="soumise")
        publish(client, login_as, experience)  # through the first host
        assert found_ids(q="fibre") == [experience.id]
        assert other_ids("fibre") == [experience.id]

        moderator = login_as("moderateur", test_client=other_client)
        assert moderator
        other_client.post(f"/experiences/{experience.id}/archiver", data={"archive-comment": ""})
        assert other_ids("fibre") == []  # through the second host
        assert found_ids(q="fibre") == []
        assert app.config["INDEX_DIR"] != other.config["INDEX_DIR"]
    finally:
        other.extensions["kb.engine"].dispose()


def test_a_late_commit_with_a_lower_outbox_id_is_applied(app, db_session, create_experience,
                                                          found_ids, sync_index, no_catch_up):
    """Outbox ids are taken at insert time, so a transaction may commit a lower id after a
    higher one was applied: the index remembers the gap and looks for it again."""
    early = create_experience(title="Tablettes", state="brouillon")
    late = create_experience(title="Visualiseurs", state="brouillon", equipment=())
    base = (db_session.scalar(select(func.max(OutboxEntry.id))) or 0) + 100
    for experience in (early, late):
        experience.state = "publiee"
    db_session.add(OutboxEntry(id=base + 2, experience_id=early.id, operation="upsert"))
    db_session.commit()
    sync_index()
    assert found_ids(q="tablettes") == [early.id]
    db_session.add(OutboxEntry(id=base + 1, experience_id=late.id, operation="upsert"))
    db_session.commit()
    assert sync_index().applied == 1
    assert found_ids(q="visualiseurs") == [late.id]


def test_rebuild_while_searching_serves_every_request(app, create_experience, sync_index):
    for number in range(30):
        create_experience(title=f"Tablettes {number}")
    sync_index()
    searcher_client = app.test_client()
    answers: list[tuple[int, int]] = []
    stop = threading.Event()

    def search_continuously():
        while not stop.is_set():
            response = searcher_client.get("/api/v1/experiences?q=tablettes")
            answers.append((response.status_code, (response.get_json() or {}).get("total")))

    thread = threading.Thread(target=search_continuously)
    thread.start()
    try:
        runner = app.test_cli_runner()
        for _ in range(3):
            result = runner.invoke(args=["index", "rebuild"])
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        thread.join(timeout=30)
    assert len(answers) >= 3
    assert set(answers) == {(200, 30)}


def test_changes_made_during_a_rebuild_are_kept(app, create_experience, found_ids, monkeypatch,
                                                 no_catch_up):
    from kb.search import sync, writing

    create_experience(title="Tablettes")
    original = writing.add_documents
    made = []

    def documents_then_a_change(writer, session, ids):
        count = original(writer, session, ids)
        made.append(create_experience(title="Visualiseurs publiés pendant la reconstruction"))
        return count

    monkeypatch.setattr(writing, "add_documents", documents_then_a_change)
    with app.app_context():
        report = sync.rebuild_index(extension(app).store, extension(app).make_session)
    assert report["documents"] == 1 and report["caught_up"] == 1
    assert found_ids(q="visualiseurs") == [made[0].id]


def test_rebuild_replaces_the_generation_and_cleans_up(app, runner, create_experience, found_ids):
    create_experience(title="Tablettes")
    store = extension(app).store
    for _ in range(3):
        assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    assert len(store.generations()) == 2  # the current one and the previous one
    assert store.current_generation() == store.generations()[-1]
    assert len(found_ids(q="tablettes")) == 1


def test_deleted_write_up_leaves_the_index(app, db_session, create_experience, found_ids,
                                           sync_index, no_catch_up):
    from kb.search.models import enqueue

    experience = create_experience(title="Tablettes")
    sync_index()
    assert found_ids(q="tablettes") == [experience.id]
    experience_id = experience.id
    db_session.delete(experience)
    enqueue(db_session, experience_id, "delete")
    db_session.commit()
    assert sync_index().removed == 1
    assert found_ids(q="tablettes") == []
