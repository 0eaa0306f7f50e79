"""The SQLite FTS5 baseline: the embedded peer a site could pick instead of Whoosh.

Built in its own file over the same database, with what a straightforward FTS5 search would
hold: one ``fts5`` table (title, summary, long texts, place and organisation names; tokenizer
``unicode61 remove_diacritics 2``, so accents fold but words are not stemmed, and there are no
synonyms) and a ``facet(docid, facet, code)`` table for the filters and the counts. Queries take
the same words, filters and facet semantics as ``/recherche`` (all words, or any word when all
find nothing; OR within a facet, AND across; each facet counted with the *other* filters),
ranked by ``bm25`` with the engine's field weights.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

from kb.search.schema import FACET_NAMES

TOKENIZER = "unicode61 remove_diacritics 2"
#: bm25() weights of the columns, as the engine weighs its fields (title highest).
WEIGHTS = (4.0, 2.0, 1.0, 1.5)
_WORD = re.compile(r"\w+")

def _lines(*columns: str) -> str:
    """SQL joining columns with newlines, NULL as empty (no ``concat_ws`` before SQLite 3.44)."""
    return " || char(10) || ".join(f"coalesce({column}, '')" for column in columns)


BUILD = [
    "DROP TABLE IF EXISTS fts",
    "DROP TABLE IF EXISTS facet",
    f"CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, places, tokenize='{TOKENIZER}')",
    "CREATE TABLE facet (docid INTEGER NOT NULL, facet TEXT NOT NULL, code TEXT NOT NULL)",
    """INSERT INTO fts (rowid, title, summary, body, places)
       SELECT e.id, e.title, e.summary,
              {body}, {places}
       FROM kb.experience e
       JOIN kb.territory t ON t.code = e.territory_code
       JOIN kb.organisation o ON o.id = e.organisation_id
       LEFT JOIN kb.territory epci ON epci.code = t.epci_code
       LEFT JOIN kb.territory dep
              ON dep.kind IN ('departement', 'com') AND dep.insee = e.departement
       LEFT JOIN kb.territory reg ON reg.kind IN ('region', 'com') AND reg.insee = e.region
       WHERE e.state = 'publiee'""".format(
        body=_lines("e.context", "e.actions", "e.results", "e.lessons", "e.partners"),
        places=_lines("t.name", "epci.name", "dep.name", "reg.name", "o.name")),
    """INSERT INTO facet
       SELECT et.experience_id, et.vocabulary, et.code FROM kb.experience_term et
       JOIN kb.experience e ON e.id = et.experience_id WHERE e.state = 'publiee'""",
    """INSERT INTO facet SELECT e.id, 'organisation', o.kind FROM kb.experience e
       JOIN kb.organisation o ON o.id = e.organisation_id WHERE e.state = 'publiee'""",
    """INSERT INTO facet SELECT id, 'region', region FROM kb.experience
       WHERE state = 'publiee' AND region IS NOT NULL""",
    """INSERT INTO facet SELECT id, 'departement', departement FROM kb.experience
       WHERE state = 'publiee' AND departement IS NOT NULL""",
    """INSERT INTO facet SELECT id, 'annee', strftime('%Y', coalesce(published_at, created_at))
       FROM kb.experience WHERE state = 'publiee'""",
    "CREATE INDEX facet_by_value ON facet (facet, code, docid)",
    "CREATE INDEX facet_by_doc ON facet (docid, facet, code)",
    "ANALYZE main",
]


def build(fts_path: Path, database_path: Path) -> dict:
    """Build the baseline from the published write-ups of ``database_path``."""
    fts_path.unlink(missing_ok=True)
    started = time.perf_counter()
    connection = sqlite3.connect(fts_path, uri=False)
    connection.execute("ATTACH DATABASE ? AS kb", (str(database_path),))
    for statement in BUILD:
        connection.execute(statement)
    connection.commit()
    documents = connection.execute("SELECT count(*) FROM fts").fetchone()[0]
    connection.execute("DETACH DATABASE kb")
    connection.close()
    seconds = time.perf_counter() - started
    return {"documents": documents, "seconds": seconds, "docs_per_s": documents / seconds,
            "bytes": fts_path.stat().st_size}


def match_expression(text: str, any_word: bool = False) -> str | None:
    """Each word quoted (no FTS5 syntax gets through); all required, or any with ``any_word``."""
    words = [f'"{word}"' for word in _WORD.findall(text)]
    if not words:
        return None
    return (" OR " if any_word else " AND ").join(words)


class Baseline:
    """Queries on the FTS5 file, mirroring the engine's search operation step by step."""

    def __init__(self, fts_path: Path) -> None:
        self.connection = sqlite3.connect(fts_path, check_same_thread=False)
        self.connection.execute("PRAGMA temp_store = MEMORY")
        self.connection.execute("CREATE TEMP TABLE hits (docid INTEGER PRIMARY KEY)")

    def close(self) -> None:
        self.connection.close()

    def _filter_sql(self, filters: dict, skip: str | None = None) -> tuple[str, list]:
        clauses, args = [], []
        for name, codes in filters.items():
            if name == skip:
                continue
            marks = ", ".join("?" * len(codes))
            clauses.append(f" AND docid IN (SELECT docid FROM facet WHERE facet = ? "
                           f"AND code IN ({marks}))")
            args += [name, *codes]
        return "".join(clauses), args

    def matches(self, text: str) -> tuple[str | None, list[int]]:
        """The match expression used (all words, else any) and the matching rowids."""
        expression = match_expression(text)
        if expression is None:
            return None, [row[0] for row in self.connection.execute("SELECT rowid FROM fts")]
        found = self._rowids(expression)
        if not found and " AND " in expression:
            expression = match_expression(text, any_word=True)
            found = self._rowids(expression)
        return expression, found

    def _rowids(self, expression: str) -> list[int]:
        sql = "SELECT rowid FROM fts WHERE fts MATCH ?"
        return [row[0] for row in self.connection.execute(sql, (expression,))]

    def load_hits(self, rowids: list[int]) -> None:
        """The match set into the ``hits`` temporary table (what the counts run on)."""
        self.connection.execute("DELETE FROM hits")
        self.connection.executemany("INSERT INTO hits VALUES (?)", ((r,) for r in rowids))

    def facet_counts(self, filters: dict) -> dict[str, dict[str, int]]:
        """Every facet counted over ``hits`` filtered by the other facets (GROUP BY)."""
        counts: dict[str, dict[str, int]] = {name: {} for name in FACET_NAMES}
        if not filters:
            sql = ("SELECT facet, code, count(*) FROM facet WHERE docid IN (SELECT docid FROM "
                   "hits) GROUP BY facet, code")
            for name, code, count in self.connection.execute(sql):
                if name in counts:
                    counts[name][code] = count
            return counts
        for name in FACET_NAMES:
            where, args = self._filter_sql(filters, skip=name)
            sql = ("SELECT code, count(*) FROM facet WHERE facet = ? AND docid IN "
                   f"(SELECT docid FROM hits){where} GROUP BY code")
            counts[name] = dict(self.connection.execute(sql, [name, *args]).fetchall())
        return counts

    def top(self, expression: str | None, filters: dict, limit: int = 20,
            snippets: bool = False, weights: tuple[float, ...] = WEIGHTS) -> tuple[int, list]:
        """Total and the first ``limit`` rows by bm25 (``weights`` per column), filtered; with
        ``snippet()`` if asked."""
        where, args = self._filter_sql(filters)
        where = where.replace("docid IN", "+rowid IN")  # filter the MATCH, do not drive it
        if expression is None:
            total = self.connection.execute(
                f"SELECT count(*) FROM fts WHERE 1{where}", args).fetchone()[0]
            rows = self.connection.execute(
                f"SELECT rowid FROM fts WHERE 1{where} ORDER BY rowid DESC LIMIT ?",
                [*args, limit]).fetchall()
            return total, rows
        total = self.connection.execute(
            f"SELECT count(*) FROM fts WHERE fts MATCH ?{where}", [expression, *args]
        ).fetchone()[0]
        snippet = ", snippet(fts, -1, '<mark>', '</mark>', ' … ', 24)" if snippets else ""
        weights = ", ".join(map(str, weights))
        rows = self.connection.execute(
            f"SELECT rowid{snippet} FROM fts WHERE fts MATCH ?{where} "
            f"ORDER BY bm25(fts, {weights}) LIMIT ?", [expression, *args, limit]
        ).fetchall()
        return total, rows

    def plain(self, text: str, filters: dict, limit: int = 20) -> tuple[int, list[int]]:
        """The plain query: total and the top ids (the engine's « plain » counterpart)."""
        expression = match_expression(text)
        total, rows = self.top(expression, filters, limit)
        if not total and expression and " AND " in expression:
            total, rows = self.top(match_expression(text, any_word=True), filters, limit)
        return total, [row[0] for row in rows]

    def operation(self, text: str, filters: dict, limit: int = 20) -> dict:
        """The whole search operation: matches, total, every facet count, top rows with
        snippets (the counterpart of the engine's ``run_search``)."""
        expression, rowids = self.matches(text)
        self.load_hits(rowids)
        counts = self.facet_counts(filters)
        total, rows = self.top(expression, filters, limit, snippets=True)
        return {"total": total, "counts": counts, "ids": [row[0] for row in rows]}
