"""Load the committed territories file into the ``territory`` table, idempotently.

``kb init`` calls :func:`load_territories` on every run: the first run inserts about 36,000
rows in bulk; later runs compare the file with the table and only insert what is missing and
update what changed (a renamed commune, new populations, a commune moving to another EPCI),
so a second run with the same file writes nothing. Territories that disappeared from the file
(merged communes, dissolved EPCI) are kept, because write-ups and organisations may still point
to them. The caller commits.
"""

from __future__ import annotations

import csv
import gzip
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from kb.territories.lookup import core_name, fold
from kb.territories.models import TERRITORY_KINDS, Territory

log = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent / "data" / "territories.csv.gz"
COLUMNS = (
    "code", "kind", "insee", "name", "search_name", "core_name", "population", "departement",
    "region", "epci_code", "epci_type",
)
CHUNK_SIZE = 5_000


@dataclass(frozen=True)
class LoadReport:
    """What one load did: rows inserted and updated, rows now in the table."""

    inserted: int
    updated: int
    total: int


def load_territories(session: Session, path: Path = DATA_FILE) -> int:
    """Bring the ``territory`` table in line with the file; return how many territories it has."""
    return sync_territories(session, path).total


def sync_territories(session: Session, path: Path = DATA_FILE) -> LoadReport:
    """Insert the missing territories and update the changed ones, in bulk."""
    rows = read_territories(path)
    existing = _existing_rows(session)
    missing = [row for row in rows if row["code"] not in existing]
    changed = [row for row in rows if row["code"] in existing and existing[row["code"]] != row]
    _in_chunks(session, insert(Territory), missing)  # rows are sorted: EPCI before communes
    _in_chunks(session, update(Territory), changed)
    total = session.scalar(select(func.count()).select_from(Territory)) or 0
    obsolete = total - len(rows)
    if obsolete:
        log.info("%d territories no longer in %s are kept", obsolete, path.name)
    return LoadReport(inserted=len(missing), updated=len(changed), total=total)


def read_territories(path: Path = DATA_FILE) -> list[dict]:
    """The file's rows as column dicts with ``search_name`` and ``core_name``, parents before
    children."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as data:
        rows = [_parse(record) for record in csv.DictReader(data)]
    return sorted(rows, key=lambda row: (TERRITORY_KINDS.index(row["kind"]), row["code"]))


def _parse(record: dict[str, str]) -> dict:
    row: dict = {column: record.get(column) or None for column in COLUMNS}
    row["population"] = int(row["population"]) if row["population"] else None
    row["search_name"] = fold(row["name"])
    row["core_name"] = core_name(row["name"]) if row["kind"] == "epci" else None
    return row


def _existing_rows(session: Session) -> dict[str, dict]:
    columns = [getattr(Territory, column) for column in COLUMNS]
    return {row.code: dict(row._mapping) for row in session.execute(select(*columns))}


def _in_chunks(session: Session, statement, rows: list[dict]) -> None:
    """ORM bulk INSERT, or bulk UPDATE by primary key, a chunk at a time."""
    for start in range(0, len(rows), CHUNK_SIZE):
        session.execute(statement, rows[start:start + CHUNK_SIZE])
