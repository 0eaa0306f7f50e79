"""A rebuild writes the same index whatever its number of processes, and its postings come out
sorted however many runs they overflowed into."""

from __future__ import annotations

import random

import pytest

from kb.search import writing
from kb.search.indexer import extension
from kb.search.sync import rebuild_index


def _indexed(app) -> tuple[list[int], int]:
    """The write-up ids in document order, and the number of segments."""
    ext = extension(app)
    index = ext.store.open_index(ext.store.current_generation())
    with index.reader() as reader:
        ids = [int(fields["id"]) for _docnum, fields in reader.iter_docs()]
        segments = len(reader.leaf_readers()) if not reader.is_atomic() else 1
    return ids, segments


def test_a_rebuild_in_two_processes_writes_a_segment_each_with_every_write_up(
        app, create_experience, found_ids):
    made = [create_experience(title=f"Tablettes numériques, école n° {n}") for n in range(7)]
    create_experience(title="Tablettes en brouillon", state="brouillon")
    with app.app_context():
        ext = extension(app)
        report = rebuild_index(ext.store, ext.make_session, procs=2)
    assert report["documents"] == 7
    ids, segments = _indexed(app)
    assert segments == 2
    assert ids == sorted(e.id for e in made)  # the order of the ids, part after part
    assert sorted(found_ids(q="tablettes")) == sorted(e.id for e in made)
    assert found_ids(q="brouillon") == []
    # one process writes the same documents, in the same order, in one segment
    with app.app_context():
        report = rebuild_index(ext.store, ext.make_session, procs=1)
    assert report["documents"] == 7
    assert _indexed(app) == (ids, 1)


def test_more_processes_than_write_ups(app, create_experience, found_ids):
    made = create_experience(title="Visualiseurs pour la classe")
    with app.app_context():
        ext = extension(app)
        assert rebuild_index(ext.store, ext.make_session, procs=4)["documents"] == 1
    assert _indexed(app) == ([made.id], 1)
    assert found_ids(q="visualiseurs") == [made.id]


def test_a_failing_process_fails_the_rebuild_and_keeps_the_served_index(
        app, create_experience, found_ids, monkeypatch):
    made = [create_experience(title=f"Fibre optique, école n° {n}") for n in range(4)]
    with app.app_context():
        ext = extension(app)
        rebuild_index(ext.store, ext.make_session)
        served = ext.store.current_generation()

        def broken(writer, session, ids):
            raise RuntimeError("disque plein")

        monkeypatch.setattr(writing, "add_documents", broken)
        try:
            rebuild_index(ext.store, ext.make_session, procs=2)
        except RuntimeError as error:
            assert "disque plein" in str(error)
        else:
            raise AssertionError("the rebuild should have failed")
        assert ext.store.generations() == [served]  # the half-written one is discarded
    assert sorted(found_ids(q="fibre")) == sorted(e.id for e in made)


def _postings(seed: int) -> list[tuple]:
    """Postings as a writer adds them: document after document, each term once per field."""
    rng = random.Random(seed)
    postings = []
    for document in range(1_000):
        for field in ("body", "title"):
            for word in sorted({rng.randrange(300) for _ in range(rng.randrange(1, 8))}):
                postings.append((field, f"mot{word}".encode(), document,
                                 float(rng.randrange(1, 4)), bytes([rng.randrange(256)])))
    rng.shuffle(postings)  # the order of the terms within a document does not matter
    return sorted(postings, key=lambda posting: posting[2])


def test_postings_that_overflow_into_runs_come_back_sorted(tmp_path):
    from whoosh.filedb.filestore import FileStorage

    storage = FileStorage(str(tmp_path)).create()
    postings = _postings(7)
    for limit, runs in ((10**9, 0), (20_000, 40)):
        pool = writing.PostingRuns(storage)
        pool.limit = limit  # estimated bytes: a run every hundred postings or so with 20,000
        for posting in postings:
            pool.add(posting)
        assert len(pool.runs) >= runs
        assert list(pool.iter_postings()) == sorted(postings)
        assert pool.fieldnames == {"title", "body"}
        pool.cleanup()
        assert storage.list() == []  # every run removed


def test_postings_out_of_document_order_are_refused(tmp_path):
    from whoosh.filedb.filestore import FileStorage

    pool = writing.PostingRuns(FileStorage(str(tmp_path)).create())
    pool.add(("body", b"ecol", 3, 1.0, b""))
    with pytest.raises(ValueError, match="document order"):
        pool.add(("body", b"tablet", 2, 1.0, b""))
