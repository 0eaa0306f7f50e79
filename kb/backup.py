"""``kb backup DIR`` and ``kb restore DIR``: a consistent copy of the database with a manifest,
and its restoration into an empty database, followed by a rebuild of the search index (the
index is never backed up: it is rebuilt from the database, the source of truth).

Three formats; ``manifest.json`` says which one a backup uses:

``sqlite``   SQLite's online backup API (``sqlite3.Connection.backup``): a page-by-page copy
             of one read transaction, taken while the site serves (WAL: writers go on).
``pg_dump``  PostgreSQL's custom-format ``pg_dump``, run on a snapshot exported by the
             transaction that counts the rows (so the counts are exactly the dump's), restored
             with ``pg_restore`` in one transaction. The default on PostgreSQL when ``pg_dump``
             is on the ``PATH``.
``json``     every table as gzipped JSON lines, read in one transaction, written back in
             dependency order. Needs no client binary and moves between backends (a SQLite
             backup restored into PostgreSQL); the PostgreSQL fallback without ``pg_dump``.

The manifest records the format, the backend, the schema revision, the row count of every
table and a SHA-256 of every file; a restore checks the files, refuses a database that already
holds accounts or write-ups, and checks the counts afterwards.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import Date, DateTime, bindparam, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from kb import schema
from kb.db import Base, import_models
from kb.french import compte_simple

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_DUMP_FILE = "database.pgdump"
JSON_DIR = "tables"
ATTACHMENTS_DIR = "attachments"
FORMATS = ("sqlite", "pg_dump", "json")
#: Loaded by ``kb init`` in every installation: their rows do not make a database « in use ».
REFERENCE_TABLES = ("territory", "vocabulary_term")
INSERT_BATCH = 1000


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is French, for the operator."""


# --------------------------------------------------------------------------- backup


def backup_database(engine: Engine, directory: Path, fmt: str = "auto",
                    storage=None) -> dict:
    """Write a consistent copy of the database and its manifest into ``directory`` (new or
    empty), with the attachment files of ``storage`` under ``attachments/``; returns the
    manifest."""
    fmt = _chosen_format(engine, fmt)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"Le dossier {directory} n'est pas vide : choisissez-en un nouveau.")
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    writer = {"sqlite": _backup_sqlite, "pg_dump": _backup_pg_dump, "json": _backup_json}[fmt]
    revision, counts = writer(engine, directory)
    attachment_files = _backup_attachments(storage, directory) if storage is not None else 0
    manifest = {
        "format": fmt,
        "backend": engine.dialect.name,
        "schema_revision": revision,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 2),
        "counts": counts,
        "attachment_files": attachment_files,
        "files": _digests(directory),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def _backup_attachments(storage, directory: Path) -> int:
    """Copy every stored attachment file (and thumbnail) under ``attachments/``, after the
    database copy: a file uploaded meanwhile is extra, never missing from a row."""
    count = 0
    for key in storage.keys():
        target = directory / ATTACHMENTS_DIR / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(storage.get(key))
        count += 1
    return count


def _chosen_format(engine: Engine, fmt: str) -> str:
    backend = engine.dialect.name
    if fmt == "auto":
        if backend == "sqlite":
            return "sqlite"
        return "pg_dump" if shutil.which("pg_dump") else "json"
    if fmt == "sqlite" and backend != "sqlite":
        raise BackupError("Le format « sqlite » ne s'applique qu'à une base SQLite.")
    if fmt == "pg_dump" and backend != "postgresql":
        raise BackupError("Le format « pg_dump » ne s'applique qu'à une base PostgreSQL.")
    if fmt == "pg_dump" and not shutil.which("pg_dump"):
        raise BackupError("pg_dump est introuvable : installez-le ou utilisez --format json.")
    return fmt


def _tables():
    import_models()
    return Base.metadata.sorted_tables  # parents before children


def _count_rows(connection: Connection) -> dict[str, int]:
    return {table.name: connection.scalar(select(func.count()).select_from(table))
            for table in _tables()}


def _revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _backup_sqlite(engine: Engine, directory: Path) -> tuple[str | None, dict]:
    copy = directory / SQLITE_FILE
    source = sqlite3.connect(engine.url.database)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # one read transaction: a consistent copy
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        target.close()
        source.close()
    return _sqlite_state(copy)


def _sqlite_state(path: Path) -> tuple[str | None, dict]:
    from kb.db import make_engine

    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return _revision(connection), _count_rows(connection)
    finally:
        engine.dispose()


def _backup_pg_dump(engine: Engine, directory: Path) -> tuple[str | None, dict]:
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            revision, counts = _revision(connection), _count_rows(connection)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", f"--file={directory / PG_DUMP_FILE}"], engine)
    return revision, counts


def _backup_json(engine: Engine, directory: Path) -> tuple[str | None, dict]:
    (directory / JSON_DIR).mkdir()
    with _snapshot(engine) as connection:
        for table in _tables():
            with gzip.open(directory / JSON_DIR / f"{table.name}.jsonl.gz", "wt") as out:
                for row in connection.execute(select(table).order_by(*table.primary_key)):
                    out.write(json.dumps(dict(row._mapping), default=_json_value,
                                         ensure_ascii=False) + "\n")
        return _revision(connection), _count_rows(connection)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection reading every table in one transaction (one snapshot)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        transaction = connection.begin()
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")  # pysqlite starts no transaction for reads
        try:
            yield connection
        finally:
            transaction.rollback()


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be saved as JSON")


def _digests(directory: Path) -> dict[str, dict]:
    return {
        str(path.relative_to(directory)): {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(directory.rglob("*")) if path.is_file() and path.name != MANIFEST
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(command: list[str], engine: Engine) -> None:
    """Run a PostgreSQL client with the connection settings in its environment (never on its
    command line, where other users could read the password)."""
    url = engine.url
    env = {**os.environ, "PGHOST": url.host or "localhost", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "", "PGDATABASE": url.database or ""}
    if url.password:
        env["PGPASSWORD"] = url.password
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} a échoué : {done.stderr.strip()[:500]}")


# --------------------------------------------------------------------------- restore


def read_manifest(directory: Path) -> dict:
    """The manifest, after checking that every file it lists is there, unchanged."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{directory} ne contient pas de sauvegarde lisible ({MANIFEST}).") \
            from error
    if manifest.get("format") not in FORMATS:
        raise BackupError(f"Format de sauvegarde inconnu : {manifest.get('format')!r}.")
    for name, expected in manifest.get("files", {}).items():
        path = directory / name
        if not path.is_file() or _sha256(path) != expected["sha256"]:
            raise BackupError(f"Sauvegarde abîmée : le fichier {name} manque ou a changé.")
    return manifest


def restore_database(engine: Engine, directory: Path, storage=None) -> dict:
    """Restore the backup in ``directory`` into the (empty) database of ``engine``, and its
    attachment files into ``storage``; returns the manifest. The caller rebuilds the search
    index."""
    manifest = read_manifest(directory)
    _check_restorable(engine, manifest)
    if storage is not None:
        _restore_attachments(storage, directory)
    reader = {"sqlite": _restore_sqlite, "pg_dump": _restore_pg_dump, "json": _restore_json}
    reader[manifest["format"]](engine, directory, manifest)
    engine.dispose()
    schema.upgrade(engine)  # a backup of an older version is migrated forward
    with engine.connect() as connection:
        counts = _count_rows(connection)
    differing = {name: (n, counts.get(name)) for name, n in manifest["counts"].items()
                 if counts.get(name) != n}
    if differing:
        raise BackupError(f"Restauration incomplète : nombres de lignes différents {differing}.")
    if storage is not None:
        _check_attachment_files(engine, storage)
    return manifest


def _restore_attachments(storage, directory: Path) -> None:
    """Put the files back, each checked against its name (a content address: its SHA-256),
    after the manifest's own check of every file."""
    root = directory / ATTACHMENTS_DIR
    if not root.is_dir():
        return
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = path.relative_to(root).as_posix()
        data = path.read_bytes()
        if key.startswith("files/") and hashlib.sha256(data).hexdigest() != key[len("files/"):]:
            raise BackupError(f"Sauvegarde abîmée : la pièce jointe {key} ne correspond pas à "
                              "son empreinte SHA-256.")
        storage.put(key, data, "")


def _check_attachment_files(engine: Engine, storage) -> None:
    with engine.connect() as connection:
        keys = connection.execute(text(
            "SELECT DISTINCT storage_key FROM attachment WHERE purged_at IS NULL")).scalars()
        missing = [key for key in keys if not storage.exists(key)]
    if missing:
        raise BackupError("Restauration incomplète : "
                          + compte_simple(len(missing), "fichier de pièce jointe manquant",
                                          "fichiers de pièces jointes manquants")
                          + f" (par exemple {missing[0]}).")


def _check_restorable(engine: Engine, manifest: dict) -> None:
    backend = engine.dialect.name
    if manifest["format"] == "sqlite" and backend != "sqlite":
        raise BackupError("Cette sauvegarde SQLite ne se restaure que dans une base SQLite "
                          "(pour changer de base, sauvegardez avec --format json).")
    if manifest["format"] == "pg_dump" and backend != "postgresql":
        raise BackupError("Cette sauvegarde pg_dump ne se restaure que dans PostgreSQL "
                          "(pour changer de base, sauvegardez avec --format json).")
    head = schema.head_revision(engine)
    if manifest["format"] == "json" and manifest["schema_revision"] != head:
        raise BackupError(f"Cette sauvegarde JSON est de la révision "
                          f"{manifest['schema_revision']} ; cette version attend {head}.")
    in_use = _rows_in_use(engine)
    if in_use:
        raise BackupError("La base de destination n'est pas vide (" + ", ".join(
            f"{name} : {count}" for name, count in in_use.items()
        ) + ") : restaurez dans une base neuve.")


def _rows_in_use(engine: Engine) -> dict[str, int]:
    """Rows of the tables that only use makes (accounts, write-ups…), where they exist."""
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        counts = {table.name: connection.scalar(select(func.count()).select_from(table))
                  for table in _tables()
                  if table.name in existing and table.name not in REFERENCE_TABLES}
    return {name: count for name, count in counts.items() if count}


def _restore_sqlite(engine: Engine, directory: Path, _manifest: dict) -> None:
    engine.dispose()  # no pooled connection may keep the old file's pages
    source = sqlite3.connect(directory / SQLITE_FILE)
    target = sqlite3.connect(engine.url.database)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()


def _restore_pg_dump(engine: Engine, directory: Path, _manifest: dict) -> None:
    engine.dispose()
    _run(["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists",
          "--single-transaction", "--exit-on-error", f"--dbname={engine.url.database}",
          str(directory / PG_DUMP_FILE)], engine)


def _restore_json(engine: Engine, directory: Path, _manifest: dict) -> None:
    schema.upgrade(engine)
    tables = _tables()
    with engine.begin() as connection:
        for table in reversed(tables):
            connection.execute(table.delete())  # reference data loaded by `kb init`
        for table in tables:
            _load_table(connection, table, directory / JSON_DIR / f"{table.name}.jsonl.gz")
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection, tables)


def _load_table(connection: Connection, table, path: Path) -> None:
    """Insert the rows in batches. Columns referring to the same table (a commune's EPCI) are
    filled in a second pass, once every row they may point to is there."""
    converters = _converters(table)
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    batch: list[dict] = []
    links: list[dict] = []
    with gzip.open(path, "rt") as lines:
        for line in lines:
            row = _typed(json.loads(line), converters)
            if any(row.get(name) is not None for name in self_refs):
                links.append({**{f"_{c.name}": row[c.name] for c in table.primary_key},
                              **{name: row[name] for name in self_refs}})
                row.update(dict.fromkeys(self_refs))
            batch.append(row)
            if len(batch) == INSERT_BATCH:
                connection.execute(table.insert(), batch)
                batch = []
    if batch:
        connection.execute(table.insert(), batch)
    if links:
        where = [c == bindparam(f"_{c.name}") for c in table.primary_key]
        connection.execute(table.update().where(*where), links)


def _converters(table) -> dict:
    converters = {}
    for column in table.columns:
        if isinstance(column.type, DateTime):
            converters[column.name] = datetime.fromisoformat
        elif isinstance(column.type, Date):
            converters[column.name] = date.fromisoformat
    return converters


def _typed(row: dict, converters: dict) -> dict:
    for name, convert in converters.items():
        if row.get(name) is not None:
            row[name] = convert(row[name])
    return row


def _reset_sequences(connection: Connection, tables) -> None:
    """Rows came with their ids: move each id sequence past the largest one."""
    for table in tables:
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or columns[0].type.python_type is not int:
            continue
        name, column = table.name, columns[0].name
        connection.execute(text(
            f"SELECT setval(seq, COALESCE((SELECT MAX({column}) FROM {name}), 1), "
            f"(SELECT MAX({column}) FROM {name}) IS NOT NULL) "
            f"FROM (SELECT pg_get_serial_sequence('{name}', '{column}') AS seq) AS s "
            f"WHERE seq IS NOT NULL"
        ))


# --------------------------------------------------------------------------- commands


def _summary(counts: dict) -> str:
    return ", ".join(compte_simple(counts.get(table, 0), noun) for table, noun in (
        ("experience", "fiche"), ("user_account", "compte"), ("organisation", "organisation"),
        ("territory", "territoire")))


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto",
              show_default=True,
              help="auto : sqlite pour SQLite, pg_dump (ou json sans pg_dump) pour PostgreSQL.")
@with_appcontext
def backup_command(directory: Path, fmt: str) -> None:
    """Save a consistent copy of the database and its manifest into DIRECTORY."""
    from kb.attachments.storage import get_storage
    from kb.db import get_engine

    try:
        manifest = backup_database(get_engine(), directory, fmt, storage=get_storage())
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Sauvegarde « {manifest['format']} » écrite dans {directory} en "
               f"{manifest['seconds']:.1f} s : {_summary(manifest['counts'])} "
               f"(révision {manifest['schema_revision']}), "
               + compte_simple(manifest["attachment_files"], "fichier de pièce jointe",
                               "fichiers de pièces jointes") + ".")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--no-index", is_flag=True, help="Ne pas reconstruire l'index de recherche.")
@with_appcontext
def restore_command(directory: Path, no_index: bool) -> None:
    """Restore the backup in DIRECTORY into the empty database, then rebuild the index."""
    from kb.attachments.storage import get_storage
    from kb.db import get_engine

    started = time.perf_counter()
    try:
        manifest = restore_database(get_engine(), directory, storage=get_storage())
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Base restaurée depuis {directory} (sauvegarde « {manifest['format']} » du "
               f"{manifest['created_at']}) en {time.perf_counter() - started:.1f} s : "
               f"{_summary(manifest['counts'])}, nombres de lignes vérifiés.")
    if not no_index:
        from kb.search.indexer import extension
        from kb.search.sync import rebuild_index

        report = rebuild_index(extension().store, extension().make_session)
        published = compte_simple(report["documents"], "fiche publiée", "fiches publiées")
        click.echo(f"Index reconstruit : {published}.")
