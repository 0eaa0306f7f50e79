"""nDCG@10 of the engine and of the FTS5 baseline over the judged demo queries.

Gains are ``2^grade - 1``, discounted by ``log2(rank + 1)``; the ideal ranking is the judged
write-ups by decreasing grade. The engine is asked through ``/api/v1/experiences`` (what a
client gets), FTS5 with its plain query (all words, else any; ``bm25`` with the same weights).
"""

from __future__ import annotations

import math

from flask import Flask
from sqlalchemy import select

from bench.fts import Baseline
from bench.workload import Judged

K = 10


def dcg(grades: list[int]) -> float:
    return sum((2 ** grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades[:K]))


def ndcg(ranked_keys: list[str], grades: dict[str, int]) -> float:
    ideal = dcg(sorted(grades.values(), reverse=True))
    if not ideal:
        return 0.0
    return dcg([grades.get(key, 0) for key in ranked_keys]) / ideal


def demo_keys(app: Flask) -> dict[int, str]:
    """Write-up id → judgement key (``a0``…) of the demo write-ups, matched by title."""
    from kb.demo.loader import read_demo_records
    from kb.experiences.models import Experience

    by_title = {}
    for record in read_demo_records():
        by_title[record.data["title"]] = f"{record.source.removeprefix('experiences_')[0]}" \
                                         f"{record.index}"
    with app.app_context():
        from kb.db import session

        rows = session.execute(select(Experience.id, Experience.title)).all()
    return {id_: by_title[title] for id_, title in rows if title in by_title}


def evaluate(app: Flask, baseline: Baseline, judged: list[Judged]) -> dict:
    keys = demo_keys(app)
    client = app.test_client()
    per_query = []
    for item in judged:
        response = client.get("/api/v1/experiences", query_string={"q": item.q, "per_page": K})
        engine = [keys.get(r["id"], "?") for r in response.get_json()["results"]]
        _total, fts_ids = baseline.plain(item.q, {}, K)
        fts = [keys.get(id_, "?") for id_ in fts_ids]
        per_query.append({"q": item.q, "engine": round(ndcg(engine, item.grades), 3),
                          "fts5": round(ndcg(fts, item.grades), 3),
                          "engine_top": engine[:5], "fts5_top": fts[:5]})
    count = len(per_query)
    return {
        "queries": count,
        "engine_ndcg10": round(sum(q["engine"] for q in per_query) / count, 3),
        "fts5_ndcg10": round(sum(q["fts5"] for q in per_query) / count, 3),
        "per_query": per_query,
    }
