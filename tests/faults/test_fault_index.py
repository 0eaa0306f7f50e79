"""The index directory deleted or damaged: searches go on from the database with a French
notice, ``/healthz`` says so, write-ups saved meanwhile are kept, ``kb index rebuild`` repairs
and then every published write-up is found again."""

from __future__ import annotations

import random
import shutil
import threading
from pathlib import Path

import pytest

from kb.search.indexer import extension
from kb.search.queries import DEGRADED_NOTICE

PUBLISHED = 12
NOTICE = DEGRADED_NOTICE.split(" :")[0]  # « La recherche plein texte est … indisponible »


def _garble(path: Path, seed: int, every: int = 40) -> None:
    """Overwrite one byte in ``every`` with random ones, in place (same size)."""
    rnd = random.Random(seed)
    data = bytearray(path.read_bytes())
    for _ in range(max(1, len(data) // every)):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    with open(path, "r+b") as handle:
        handle.write(data)


def _files(generation: Path, *suffixes: str) -> list[Path]:
    found = sorted(p for p in generation.iterdir() if p.name.endswith(suffixes))
    assert found, f"no {suffixes} file in {generation}"
    return found


#: A segment's data: one compound ``.seg`` file, or (as the index writes them, see
#: ``kb.search.schema.index_writer``) separate term and posting files.
SEGMENT_DATA = (".seg", ".trm", ".pst")


FAULTS = {
    "index directory deleted": lambda root, gen: shutil.rmtree(root),
    "CURRENT pointer removed": lambda root, gen: (root / "CURRENT").unlink(),
    "CURRENT pointer garbled": lambda root, gen: (root / "CURRENT").write_text("gen-\x00??\n"),
    "generation directory deleted": lambda root, gen: shutil.rmtree(gen),
    "segment files garbled": lambda root, gen: [
        _garble(p, 1) for p in _files(gen, *SEGMENT_DATA)],
    "segment files truncated": lambda root, gen: [
        p.write_bytes(p.read_bytes()[:100]) for p in _files(gen, *SEGMENT_DATA)],
    "table of contents garbled": lambda root, gen: [
        _garble(p, 2, every=10) for p in _files(gen, ".toc")],
    "table of contents emptied": lambda root, gen: [
        p.write_bytes(b"") for p in _files(gen, ".toc")],
    "outbox cursor garbled": lambda root, gen: (gen / "outbox.json").write_text("{\"last_"),
    "outbox cursor removed": lambda root, gen: (gen / "outbox.json").unlink(),
}


@pytest.fixture
def served_index(app, create_experience, sync_index):
    """``PUBLISHED`` write-ups, indexed in a few commits (several segments); the index is then
    too big to be rebuilt on the spot (as in production), and searches check the outbox."""
    experiences = [create_experience(title=f"Tablettes numériques n° {i}")
                   for i in range(PUBLISHED // 2)]
    sync_index()
    for i in range(PUBLISHED - len(experiences)):
        experiences.append(create_experience(title=f"Tablettes et robots n° {i}"))
        sync_index()
    app.config.update(SEARCH_AUTO_BUILD_LIMIT=0, SEARCH_CATCH_UP_SECONDS=0)
    return experiences


def _inject(app, fault: str) -> None:
    """Damage the index as a fresh worker would find it (its searchers opened afterwards:
    truncating a segment under a live memory map kills the process, see docs/reliability.md)."""
    service = extension(app).service
    service.reset()
    store = extension(app).store
    FAULTS[fault](store.root, store.path(store.current_generation()))
    service.reset()


@pytest.mark.parametrize("fault", FAULTS)
def test_damaged_index_degrades_then_rebuild_repairs(
        fault, app, client, runner, served_index, create_experience):
    _inject(app, fault)

    page = client.get("/recherche?q=tablettes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert NOTICE in html
    assert f"{PUBLISHED} fiches trouvées" in html  # from the database: titles and summaries
    api = client.get("/api/v1/experiences?q=tablettes")
    assert api.status_code == 503 and "indisponible" in api.get_json()["message"]
    health = client.get("/healthz")
    assert health.status_code == 200  # the database is fine: the service is degraded, not down
    report = health.get_json()
    assert report["status"] == "degraded"
    assert report["index"]["status"] in ("missing", "error") and report["index"]["message"]
    assert report["index"]["lag"] >= 0

    late = create_experience(title="Tablettes déposées pendant la panne")  # saved all the same
    assert client.get(f"/experiences/{late.id}-{late.slug}").status_code == 200

    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"Index reconstruit : {PUBLISHED + 1} fiches" in result.output
    report = client.get("/healthz").get_json()
    assert report["status"] == "ok" and report["index"]["documents"] == PUBLISHED + 1
    found = client.get("/api/v1/experiences?q=tablettes&per_page=100").get_json()
    assert {r["id"] for r in found["results"]} == {e.id for e in [*served_index, late]}
    check = runner.invoke(args=["index", "check"])
    assert check.exit_code == 0 and "conforme" in check.output


def test_index_deleted_and_rebuilt_while_searches_are_served(app, served_index, runner):
    """Searching threads never get an error page while the directory is deleted under them
    and rebuilt: each answer is either full results or the degraded listing."""
    outcomes: list[tuple[int, bool, bool]] = []
    stop = threading.Event()

    def search() -> None:
        client = app.test_client()
        while not stop.is_set():
            html = client.get("/recherche?q=tablettes").get_data(as_text=True)
            outcomes.append((200 if "fiches trouvées" in html else 0, NOTICE in html,
                             f"{PUBLISHED} fiches trouvées" in html))

    threads = [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        _wait_for(lambda: len(outcomes) >= 6)
        shutil.rmtree(extension(app).store.root)
        _wait_for(lambda: any(degraded for _s, degraded, _a in outcomes))
        result = runner.invoke(args=["index", "rebuild"])
        assert result.exit_code == 0, result.output
        served = len(outcomes)
        _wait_for(lambda: len(outcomes) >= served + 6)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert all(status == 200 and complete for status, _d, complete in outcomes)
    assert any(degraded for _s, degraded, _a in outcomes)
    assert not any(degraded for _s, degraded, _a in outcomes[-3:])


def _wait_for(predicate, timeout: float = 30.0) -> None:
    from tests.faults.conftest import wait_until

    assert wait_until(predicate, timeout=timeout, step=0.02)
