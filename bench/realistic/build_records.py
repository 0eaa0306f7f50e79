"""Build ``records.json`` (the ``kb import`` format) from the readable write-ups.

    python -m bench.realistic.build_records [DIRECTORY]

(``DIRECTORY``: another set in the same format, e.g. ``bench/dev2``; this one by default.)

The write-ups live in ``writeups_*.txt``: one block per write-up, starting ``=== key``, then
``name: value`` lines (territory, organisation « name | kind », vocabulary codes separated by
spaces, dates), then ``--- context`` / ``--- actions`` / ``--- results`` / ``--- lessons``
sections of free text. The key (``r01``…) names the write-up in ``judgements.txt``; it is kept in
the record as ``bench_key`` (``kb import`` ignores unknown keys) and the titles are unique, so the
benchmark finds each imported write-up by its title.

A write-up may name an ``intended`` territory code that the reference data does not hold yet
(Saint-Martin, Polynésie française): the record keeps ``territory`` on the code it names (one the
current data accepts) and carries the intended one as ``intended_territory``.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORDS_FILE = HERE / "records.json"
LISTS = {"themes": "themes", "equipment": "equipment", "levels": "levels",
         "types": "territory_types"}
SECTIONS = ("context", "actions", "results", "lessons")


def read_blocks(text: str) -> list[tuple[str, list[str]]]:
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("=== "):
            blocks.append((line[4:].strip(), []))
        elif blocks:
            blocks[-1][1].append(line)
        elif line.strip() and not line.startswith("#"):
            raise ValueError(f"text before the first write-up: {line!r}")
    return blocks


def block_record(key: str, lines: list[str]) -> dict:
    fields: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current = None
    for line in lines:
        if line.startswith("--- "):
            current = line[4:].strip()
            if current not in SECTIONS:
                raise ValueError(f"{key}: unknown section {current!r}")
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
        elif line.strip():
            name, _, value = line.partition(":")
            fields[name.strip()] = value.strip()
    return _record(key, fields, sections)


def _record(key: str, fields: dict[str, str], sections: dict[str, list[str]]) -> dict:
    name, _, kind = fields["organisation"].partition("|")
    record = {
        "bench_key": key,
        "title": fields["title"],
        "summary": fields["summary"],
        **{section: "\n".join(lines).strip() for section, lines in sections.items()},
        "territory": {"code": fields["territory"]},
        "organisation": {"name": name.strip(), "kind": kind.strip()},
        **{target: fields.get(source, "").split() for source, target in LISTS.items()},
        "state": fields.get("state") or None,
        "start": fields.get("start") or None,
        "end": fields.get("end") or None,
        "budget_eur": int(fields["budget"]) if fields.get("budget") else None,
        "funders": [f.strip() for f in fields.get("funders", "").split("|") if f.strip()],
        "evidence": "aucune",
        "published_at": f"{fields['published']}T10:00:00Z",
    }
    if fields.get("intended"):
        record["intended_territory"] = fields["intended"]
    return record


def build(directory: Path = HERE) -> list[dict]:
    """The records of the ``writeups_*.txt`` files of ``directory`` (this set's by default)."""
    records = []
    for path in sorted(Path(directory).glob("writeups_*.txt")):
        for key, lines in read_blocks(path.read_text(encoding="utf-8")):
            records.append(block_record(key, lines))
    keys = [r["bench_key"] for r in records]
    titles = [r["title"] for r in records]
    if len(set(keys)) != len(keys) or len(set(titles)) != len(titles):
        raise ValueError("keys and titles must be unique")
    return records


def main(directory: Path = HERE) -> None:
    """Write ``records.json`` beside the write-ups of ``directory`` (this set's by default)."""
    directory = Path(directory)
    records_file = RECORDS_FILE if directory == HERE else directory / RECORDS_FILE.name
    records = build(directory)
    lines = ",\n".join(json.dumps(record, ensure_ascii=False) for record in records)
    records_file.write_text(f"[\n{lines}\n]\n", encoding="utf-8")
    print(f"{len(records)} records written to {records_file}")


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
