"""The Markdown table of a results file: ``python -m bench.report bench/results/n10000.json``."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _ms(figure: dict) -> str:
    return f"{figure['p50_ms']} / {figure['p95_ms']} / {figure['max_ms']}"


def markdown(results: dict) -> str:
    stages, ratios = results["stages"], results["ratios"]
    rows = [
        ("Rebuild", f"{results['rebuild']['documents']} docs in {results['rebuild']['seconds']} s "
                    f"= {results['rebuild']['docs_per_s']} docs/s ({results['rebuild']['procs']} "
                    f"procs)", f"FTS5 build {results['fts_build']['docs_per_s']:.0f} docs/s"),
        ("(a) search operation p50/p95/max ms", _ms(results["operation"]),
         f"FTS5 {_ms(results['fts_operation'])} (ratio p95 {ratios['operation_p95']})"),
        ("(a') search operation, term bitsets cached", _ms(results["operation_warm"]),
         "same queries again, result pages not cached"),
        ("(b) /recherche page p50/p95/max ms", _ms(results["page"]),
         f"cached pages {_ms(results['page_cached'])}"),
        ("(c) API p50/p95/max ms", _ms(results["api"]), ""),
        ("Plain query (total + top 20)", _ms(stages["plain"]),
         f"FTS5 {_ms(stages['fts_plain'])} (ratio p95 {ratios['plain_p95']})"),
        ("All facet counts on the matches", _ms(stages["facets"]),
         f"FTS5 GROUP BY {_ms(stages['fts_facets'])} (ratio p95 {ratios['facets_p95']}; "
         f"counts agree {stages['facet_counts_agree']})"),
        ("Spelling suggestion", _ms(results["suggestion"]),
         f"{results['suggestion']['offered']} offered / {results['suggestion']['count']}"),
        ("First search after start (ms)", str(results["first_search_ms"]), ""),
        ("Publish-to-searchable p50/max ms",
         f"{results['publish']['p50_ms']} / {results['publish']['max_ms']}",
         f"segments {results['publish']['before']['segments']} → "
         f"{results['publish']['after']['segments']}"),
    ]
    if "overlap" in results:
        overlap = results["overlap"]
        rows.append(("overlap@10, page vs Whoosh's matchers", f"mean {overlap['mean']}, min "
                     f"{overlap['min']}", f"{overlap['queries']} queries (one in "
                     f"{overlap.get('one_query_in', 1)}), "
                     f"{overlap['queries_in_other_order']} in another order, matches p50 "
                     f"{overlap['matches_p50']}, max {overlap['matches_max']}"))
    if "load" in results:
        load = results["load"]
        rows.append(("Load: gunicorn", f"{load['throughput_rps']} req/s, p50 {load['p50_ms']} / "
                     f"p95 {load['p95_ms']} ms", f"{load['workers']} workers, {load['clients']} "
                     f"clients, {load['seconds']} s, {load['errors']} errors"))
        rows.append(("Worker peak RSS", f"{load['worker_peak_rss_mb']} MB", ""))
    for name, rel in results.get("relevance", {}).items():
        rows.append((f"nDCG@10 ({name}, judged)", f"engine {rel['engine_ndcg10']}",
                     f"FTS5 OR {rel['fts5_or_ndcg10']}, FTS5 plain {rel['fts5_ndcg10']}, "
                     f"FTS5 OR text only {rel.get('fts5_or_text_ndcg10', '–')} "
                     f"({rel['queries']} queries)"))
    lines = [f"N = {results['n']} (seed {results['seed']}), {results['date']}, "
             f"{results['machine']['cpus']} CPU {results['machine']['cpu_model']}, "
             "load average " + ", ".join(f"{v:.2f}" for v in results["machine"]["load_average"]),
             "", "| Figure | Engine | Baseline / note |", "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines += ["", "| Target | Value | Bound | Met |", "| --- | --- | --- | --- |"]
    lines += [f"| {name} | {t['value']} | {t['target']} | {'yes' if t['met'] else 'no'} |"
              for name, t in results["targets"].items()]
    return "\n".join(lines)


def relevance_markdown(results: dict, per_query: bool = False) -> str:
    """The relevance figures of a results file: one row per judged set, then (``per_query``)
    one table per set with every query's nDCG@10 for the engine and the baselines."""
    lines = ["| Judged set | Queries | Engine | FTS5 OR | FTS5 plain | FTS5 OR, text only "
             "| Engine − FTS5 OR |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    sets = results.get("relevance", {})
    for name, rel in sets.items():
        lead = round(rel["engine_ndcg10"] - rel["fts5_or_ndcg10"], 3)
        lines.append(f"| {name} | {rel['queries']} | {rel['engine_ndcg10']} | "
                     f"{rel['fts5_or_ndcg10']} | {rel['fts5_ndcg10']} | "
                     f"{rel.get('fts5_or_text_ndcg10', '–')} | {lead:+} |")
    for name, rel in sets.items() if per_query else ():
        lines += ["", f"**{name}**", "",
                  "| Query | Engine | FTS5 OR | FTS5 plain | FTS5 OR, text only | Results "
                  "| Judged |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        lines += [f"| {q['q']} | {q['engine']} | {q['fts5_or']} | {q['fts5']} | "
                  f"{q.get('fts5_or_text', '–')} | {q['engine_total']} | {q['judged']} |"
                  for q in rel["per_query"]]
    targets = {k: t for k, t in results.get("targets", {}).items() if "ndcg" in k or "few" in k}
    if targets:
        lines += ["", "| Target | Value | Bound | Met |", "| --- | --- | --- | --- |"]
        lines += [f"| {name} | {t['value']} | {t['target']} | {'yes' if t['met'] else 'no'} |"
                  for name, t in targets.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(markdown(data) if "stages" in data else relevance_markdown(data, per_query=True))
