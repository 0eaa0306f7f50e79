"""``kb export FILE``: the same streamed export as ``/export.csv`` and ``/export.json``,
written to a file (through a temporary name, so a failed export leaves no half file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kb.db import get_session
from kb.opendata.selection import selected_ids
from kb.opendata.streams import csv_pieces, export_session, iter_records, json_pieces, url_builder
from kb.search.params import SearchParams

WRITERS = {".csv": csv_pieces, ".json": json_pieces}


def export_to_file(path: Path, params: SearchParams, base_url: str | None = None) -> int:
    """Write the write-ups matching ``params`` to ``path`` (``.csv`` or ``.json``); returns
    how many were written."""
    ids = selected_ids(get_session(), params)
    partial = path.with_name(path.name + ".part")
    try:
        with export_session() as session, partial.open("w", encoding="utf-8", newline="") as out:
            counted = _Counter(iter_records(session, ids, url_builder(base_url)))
            for piece in WRITERS[path.suffix.lower()](counted):
                out.write(piece)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return counted.count


class _Counter:
    """Passes records through, counting them."""

    def __init__(self, records: Iterator[dict]) -> None:
        self.records = records
        self.count = 0

    def __iter__(self) -> Iterator[dict]:
        for record in self.records:
            self.count += 1
            yield record
