"""Index maintenance: health report, missing or unreadable index, ``kb index check``."""

from __future__ import annotations

from kb.search.indexer import extension


def test_healthz_reports_the_index(app, client, create_experience, sync_index):
    create_experience()
    sync_index()
    index = client.get("/healthz").get_json()["index"]
    assert index["status"] == "ok"
    assert index["documents"] == 1
    assert index["lag"] == 0
    assert index["last_applied"] >= 1
    assert "directory" not in index  # no server path in a public report


def test_healthz_reports_the_lag(app, client, create_experience, sync_index):
    sync_index()
    create_experience()
    create_experience()
    report = client.get("/healthz").get_json()
    assert report["index"]["lag"] == 2


def test_missing_index_gives_a_degraded_listing(app, client, create_experience):
    app.config.update(SEARCH_AUTO_BUILD_LIMIT=0)  # too big to build on the spot
    experience = create_experience(title="Tablettes numériques")
    create_experience(title="Robots")
    html = client.get("/recherche?q=tablettes").get_data(as_text=True)
    assert "momentanément indisponible" in html
    assert "1 fiche trouvée" in html and "Tablettes numériques" in html
    assert client.get("/recherche?theme=equipement").status_code == 200
    api = client.get("/api/v1/experiences?q=tablettes")
    assert api.status_code == 503 and "indisponible" in api.get_json()["message"]
    report = client.get("/healthz").get_json()
    assert report["status"] == "degraded" and report["index"]["status"] == "missing"
    assert report["index"]["lag"] == 2
    assert client.get(f"/experiences/{experience.id}-fiche-de-test").status_code == 200


def test_small_missing_index_is_built_on_the_spot(create_experience, found_ids):
    experience = create_experience(title="Tablettes")
    assert found_ids(q="tablettes") == [experience.id]


def test_unreadable_index_is_reported_and_rebuild_repairs_it(app, client, runner,
                                                             create_experience, sync_index):
    create_experience(title="Tablettes")
    sync_index()
    store = extension(app).store
    cursor_file = store.path(store.current_generation()) / "outbox.json"
    cursor_file.write_text("{not json")
    app.config.update(SEARCH_AUTO_BUILD_LIMIT=0)
    html = client.get("/recherche?q=tablettes").get_data(as_text=True)
    assert "momentanément indisponible" in html
    assert client.get("/healthz").get_json()["index"]["status"] == "error"
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Index reconstruit : 1 fiche en" in result.output
    assert client.get("/healthz").get_json()["index"]["status"] == "ok"
    assert "1 fiche trouvée" in client.get("/recherche?q=tablettes").get_data(as_text=True)


def test_index_of_an_older_schema_must_be_rebuilt(app, client, create_experience, sync_index):
    import json

    create_experience()
    sync_index()
    store = extension(app).store
    path = store.path(store.current_generation()) / "outbox.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "schema_version": 0}))
    app.config.update(SEARCH_AUTO_BUILD_LIMIT=0)
    extension(app).service.reset()
    health = client.get("/healthz").get_json()["index"]
    assert health["status"] == "error" and "reconstruire" in health["message"]


def test_check_finds_and_repairs_missing_orphan_and_stale(app, runner, db_session,
                                                          create_experience, sync_index):
    kept = create_experience(title="Tablettes")
    unpublished = create_experience(title="Robots")
    renamed = create_experience(title="Visualiseurs")
    sync_index()
    app.config["SEARCH_CATCH_UP_SECONDS"] = -1
    missing = create_experience(title="Fibre")  # outbox row never applied
    unpublished.state = "brouillon"  # changed without an outbox row
    renamed.title = "Visualiseurs et caméras"
    db_session.commit()
    result = runner.invoke(args=["index", "check"])
    assert result.exit_code == 1
    assert f"Fiches manquantes : 1 ({missing.id})" in result.output
    assert f"Fiches orphelines : 1 ({unpublished.id})" in result.output
    assert f"Fiches périmées : 1 ({renamed.id})" in result.output
    assert runner.invoke(args=["index", "check", "--repair"]).exit_code == 0
    result = runner.invoke(args=["index", "check"])
    assert result.exit_code == 0 and "conforme" in result.output
    assert kept


def test_status_of_a_missing_index(app, runner):
    app.config.update(SEARCH_AUTO_BUILD_LIMIT=0)
    result = runner.invoke(args=["index", "status"])
    assert result.exit_code == 1
    assert "Index absent" in result.output
