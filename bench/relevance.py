"""nDCG@10 of the engine and of two FTS5 baselines over the judged query sets.

Two sets are judged: the demo write-ups (``bench/judgements.txt``) and the realistic ones
(``bench/realistic/``, written in the style of real public reports). Each is loaded into its
own database and index, and every query is asked of

* the engine, through ``/api/v1/experiences`` (what a client gets);
* FTS5 « OR » — any of the words, ranked by ``bm25`` with the engine's field weights: the plain
  OR-of-words baseline of issue 11, the one the targets compare with;
* FTS5 « plain » — all the words, else any (the baseline of the latency figures);
* FTS5 « OR, text only » — any of the words in the title, summary and long texts alone, by
  ``bm25`` with its default weights: the barest OR-of-words search, without the place and
  organisation names and the field weights the « OR » baseline is given. Reported to show how
  much of the baseline's strength those gifts are; the targets do not use it.

Gains are ``2^grade - 1``, discounted by ``log2(rank + 1)``; the ideal ranking is the judged
write-ups by decreasing grade.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from bench.fts import Baseline, match_expression
from bench.workload import BENCH_DIR, Judged

K = 10
REALISTIC_DIR = BENCH_DIR / "realistic"
REALISTIC_RECORDS = REALISTIC_DIR / "records.json"
REALISTIC_JUDGEMENTS = REALISTIC_DIR / "judgements.txt"
#: The held-out development sets: for tuning only, never reported as the engine's relevance.
#: ``dev`` (40 write-ups, 40 queries) was written first; ``dev2`` (60 write-ups) when ``dev``
#: no longer told candidate changes apart.
DEV_DIRS = {name: BENCH_DIR / name for name in ("dev", "dev2")}
#: A query with at least this many judged write-ups must return at least as many results.
ENOUGH = 3


def dcg(grades: list[int]) -> float:
    return sum((2 ** grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades[:K]))


def ndcg(ranked_keys: list[str], grades: dict[str, int]) -> float:
    ideal = dcg(sorted(grades.values(), reverse=True))
    if not ideal:
        return 0.0
    return dcg([grades.get(key, 0) for key in ranked_keys]) / ideal


def _keys_by_title(app: Flask, by_title: dict[str, str]) -> dict[int, str]:
    from kb.experiences.models import Experience

    with app.app_context():
        from kb.db import session

        rows = session.execute(select(Experience.id, Experience.title)).all()
    return {id_: by_title[title] for id_, title in rows if title in by_title}


def demo_keys(app: Flask) -> dict[int, str]:
    """Write-up id → judgement key (``a0``…) of the demo write-ups, matched by title."""
    from kb.demo.loader import read_demo_records

    by_title = {}
    for record in read_demo_records():
        by_title[record.data["title"]] = f"{record.source.removeprefix('experiences_')[0]}" \
                                         f"{record.index}"
    return _keys_by_title(app, by_title)


def realistic_keys(app: Flask, path: Path = REALISTIC_RECORDS) -> dict[int, str]:
    """Write-up id → key (``r01``…) of the realistic write-ups, matched by title."""
    records = json.loads(path.read_text(encoding="utf-8"))
    return _keys_by_title(app, {record["title"]: record["bench_key"] for record in records})


def fts_any_words(baseline: Baseline, text: str, limit: int = K) -> list[int]:
    """The FTS5 OR-of-words baseline: any word, by bm25 (field weights as the engine)."""
    expression = match_expression(text, any_word=True)
    _total, rows = baseline.top(expression, {}, limit)
    return [row[0] for row in rows]


#: The columns of the text-only OR baseline, and bm25 weights giving the others none.
TEXT_COLUMNS = "{title summary body}"
TEXT_WEIGHTS = (1.0, 1.0, 1.0, 0.0)


def fts_any_words_in_text(baseline: Baseline, text: str, limit: int = K) -> list[int]:
    """The barest OR-of-words search: any word of the title, summary and long texts, by bm25
    with equal weights (no place names, no field weights)."""
    expression = match_expression(text, any_word=True)
    if expression is None:
        return []
    _total, rows = baseline.top(f"{TEXT_COLUMNS} : ({expression})", {}, limit,
                                weights=TEXT_WEIGHTS)
    return [row[0] for row in rows]


def evaluate(app: Flask, baseline: Baseline, judged: list[Judged], keys: dict[int, str]) -> dict:
    """Per query and on average: nDCG@10 of the engine, FTS5 OR and FTS5 plain."""
    client = app.test_client()
    per_query = []
    for item in judged:
        response = client.get("/api/v1/experiences", query_string={"q": item.q, "per_page": K})
        body = response.get_json()
        engine = [keys.get(r["id"], "?") for r in body["results"]]
        fts_or = [keys.get(id_, "?") for id_ in fts_any_words(baseline, item.q)]
        fts_text = [keys.get(id_, "?") for id_ in fts_any_words_in_text(baseline, item.q)]
        _total, plain_ids = baseline.plain(item.q, {}, K)
        plain = [keys.get(id_, "?") for id_ in plain_ids]
        per_query.append({
            "q": item.q, "engine": round(ndcg(engine, item.grades), 3),
            "fts5_or": round(ndcg(fts_or, item.grades), 3),
            "fts5_or_text": round(ndcg(fts_text, item.grades), 3),
            "fts5": round(ndcg(plain, item.grades), 3),
            "engine_total": body["total"], "judged": len(item.grades),
            "engine_top": engine[:5], "fts5_or_top": fts_or[:5],
        })
    count = len(per_query)
    return {
        "queries": count,
        "engine_ndcg10": mean(per_query, "engine"),
        "fts5_or_ndcg10": mean(per_query, "fts5_or"),
        "fts5_or_text_ndcg10": mean(per_query, "fts5_or_text"),
        "fts5_ndcg10": mean(per_query, "fts5"),
        "too_few_results": [q["q"] for q in per_query
                            if q["judged"] >= ENOUGH and q["engine_total"] < ENOUGH],
        "per_query": per_query,
    }


def mean(per_query: list[dict], name: str) -> float:
    return round(sum(q[name] for q in per_query) / len(per_query), 3) if per_query else 0.0
