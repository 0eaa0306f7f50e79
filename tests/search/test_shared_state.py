"""Shared per-segment state files (kb.search.shared), warm-up and /healthz, gunicorn settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from kb.search.facets import mask_from_docnums
from kb.search.indexer import extension
from kb.search.schema import SCHEMA
from kb.search.shared import SegmentFile, file_name, shared_fields
from kb.search.sync import rebuild_index

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ["tablettes", "école numérique", "robots Creuse", "tablete", "\"école du village\"",
           "num*", "tablettes -robots", ""]


def _rebuild(app):
    with app.app_context():
        ext = extension(app)
        return rebuild_index(ext.store, ext.make_session)


def _leaves(app):
    ext = extension(app)
    directory = ext.store.path(ext.store.current_generation())
    index = whoosh_index.open_dir(str(directory), schema=SCHEMA)
    reader = index.reader()
    return directory, reader, [leaf for leaf, _offset in reader.leaf_readers()
                               if hasattr(leaf, "segment") and leaf.doc_count_all()]


@pytest.fixture
def corpus(create_experience):
    titles = ["Des tablettes pour l'école du village", "Robots pédagogiques en Creuse",
              "Un espace numérique de travail", "Tablettes et robots au collège",
              "Formation des enseignants au numérique"]
    return [create_experience(title=title) for title in titles]


def test_rebuild_writes_a_shared_file_per_segment_matching_the_postings(app, corpus):
    _rebuild(app)
    directory, reader, leaves = _leaves(app)
    try:
        assert leaves
        for leaf in leaves:
            segment_id = leaf.segment().segment_id()
            shared = SegmentFile(directory / file_name(segment_id), segment_id,
                                 leaf.doc_count_all())
            checked = 0
            for field in shared_fields(SCHEMA):
                for term in leaf.lexicon(field):
                    expected = mask_from_docnums(leaf.postings(field, term).all_ids(),
                                                 leaf.doc_count_all())
                    assert shared.term(field, term) == expected, (field, term)
                    checked += 1
            assert checked > 50
            assert shared.term("title", "mot-absent-de-l-index") == 0
            assert shared.column("published") == list(leaf.column_reader("published"))
            assert {"tablet", "robot"} & shared.words("title")
    finally:
        reader.close()


def _results(app, shared: bool):
    from kb.search.params import SearchParams
    from kb.search.parsing import parse_query
    from kb.search.queries import search_index
    from kb.search.searchers import SearchService

    service = SearchService(extension(app).store, shared=shared)
    outcome = []
    with app.app_context():
        for text in QUERIES:
            for filters in ({}, {"theme": ("equipement",)}):
                hits = search_index(service, parse_query(text), SearchParams(q=text,
                                                                              filters=filters))
                outcome.append((hits.ids, hits.total, hits.counts, hits.suggestion,
                                hits.relaxed))
    return outcome, service


def test_results_are_the_same_with_and_without_the_shared_files(app, corpus):
    _rebuild(app)
    with_files, service = _results(app, shared=True)
    without_files, plain = _results(app, shared=False)
    assert with_files == without_files
    assert any(total for _ids, total, *_rest in with_files)
    assert service.shared_files.opened() and not plain.shared_files.opened()


def test_an_outbox_commit_writes_the_new_segment_file(app, corpus, change_experience,
                                                      sync_index, found_ids):
    _rebuild(app)
    directory, reader, before = _leaves(app)
    reader.close()
    change_experience(corpus[0], title="Visualiseurs zorglub pour tous")
    report = sync_index()
    assert report.applied == 1
    directory, reader, after = _leaves(app)
    try:
        new = [leaf for leaf in after
               if leaf.segment().segment_id() not in {b.segment().segment_id() for b in before}]
        assert new
        for leaf in after:
            assert (directory / file_name(leaf.segment().segment_id())).exists()
    finally:
        reader.close()
    assert found_ids(q="zorglub") == [corpus[0].id]
    service = extension(app).service
    with app.app_context(), service.view():
        pass
    opened = {shared.path.name for shared in service.shared_files.opened()}
    assert {file_name(leaf.segment().segment_id()) for leaf in new} <= opened


def test_healthz_reports_warm_up_state(app, client, corpus):
    from kb.search.warmup import state, warm_up

    _rebuild(app)
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["index"]["warm"]["state"] == "cold"
    state(app).state = "warming"
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["status"] == "warming"
    report = warm_up(app)
    assert report.state == "ready", report.message
    warm = client.get("/healthz").get_json()["index"]["warm"]
    assert warm["state"] == "ready" and warm["generation"] and warm["seconds"] >= 0
    assert extension(app).service.shared_files.opened()
    assert "kb_organisation_names" in app.extensions  # the autocomplete's list is built


def _printed(script: str, **environment: str) -> list[str]:
    """The words a Python script prints, run in a process of its own from the repository."""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT,
                            env={**os.environ, **environment}, capture_output=True, text=True,
                            check=True)
    return result.stdout.split()


def test_gunicorn_configuration_loads(tmp_path):
    script = (
        "from gunicorn.config import Config\n"
        "from gunicorn.app.base import Application\n"
        "class App(Application):\n"
        "    def init(self, *a): pass\n"
        "    def load(self): pass\n"
        "app = App.__new__(App); app.cfg = Config(); app.usage = None; app.prog = None\n"
        "app.load_config_from_file('kb/gunicorn_conf.py')\n"
        "c = app.cfg\n"
        "print(c.workers, c.threads, c.worker_class_str, c.preload_app, c.timeout,"
        " callable(c.post_worker_init), callable(c.when_ready))\n"
    )
    printed = _printed(script, KB_GUNICORN_WORKERS="3", KB_GUNICORN_THREADS="1")
    assert printed == ["3", "1", "sync", "True", "30", "True", "True"]


def test_a_preloaded_master_freezes_what_it_holds_after_its_warm_up(tmp_path):
    """Workers forked from it then leave the inherited objects' pages shared (no collection
    walks them)."""
    script = (
        "import gc, types\n"
        "from kb import create_app\n"
        "from kb import gunicorn_conf\n"
        "app = create_app()\n"
        "before = gc.get_freeze_count()\n"
        "server = types.SimpleNamespace(cfg=types.SimpleNamespace(preload_app=True),"
        " app=types.SimpleNamespace(wsgi=lambda: app))\n"
        "gunicorn_conf.when_ready(server)\n"
        "print(before, gc.get_freeze_count() > 10000)\n"
        "gc.unfreeze()\n"
        "server.cfg.preload_app = False\n"
        "gunicorn_conf.when_ready(server)\n"
        "print(gc.get_freeze_count())\n"
    )
    printed = _printed(script, KB_DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}",
                       KB_INDEX_DIR=str(tmp_path / "index"))
    assert printed == ["0", "True", "0"]
