"""``kb export FILE``: the same export as ``/export.csv``, ``/export.json`` and ``/export.xlsx``,
written to a file (through a temporary name, so a failed export leaves no half file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kb.db import get_session
from kb.opendata.selection import selected_ids
from kb.opendata.streams import (
    csv_pieces,
    export_session,
    iter_records,
    json_pieces,
    url_builder,
    write_xlsx,
)
from kb.search.params import SearchParams

FORMATS = (".csv", ".json", ".xlsx")


def export_to_file(path: Path, params: SearchParams, base_url: str | None = None,
                   delimiter: str = ",") -> int:
    """Write the write-ups matching ``params`` to ``path`` (``.csv``, ``.json`` or ``.xlsx``;
    ``delimiter`` for CSV); returns how many were written."""
    ids = selected_ids(get_session(), params)
    partial = path.with_name(path.name + ".part")
    suffix = path.suffix.lower()
    try:
        with export_session() as session:
            counted = _Counter(iter_records(session, ids, url_builder(base_url)))
            if suffix == ".xlsx":
                with partial.open("wb") as out:
                    write_xlsx(counted, out)
            else:
                pieces = (csv_pieces(counted, delimiter) if suffix == ".csv"
                          else json_pieces(counted))
                with partial.open("w", encoding="utf-8", newline="") as out:
                    out.writelines(pieces)
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
