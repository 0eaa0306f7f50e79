"""The benchmark's inputs, read from committed files: the query list and the judged queries."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
QUERIES_FILE = BENCH_DIR / "queries.txt"
JUDGEMENTS_FILE = BENCH_DIR / "judgements.txt"


@dataclass(frozen=True)
class Search:
    """One line of ``queries.txt``: words, and facet filters (name → codes)."""

    q: str
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [("q", self.q)] + [(name, code) for name, codes in self.filters for code in codes]

    @property
    def query_string(self) -> str:
        return urlencode(self.pairs)

    @property
    def filter_dict(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)


@dataclass
class Judged:
    """A judged query: grades (0–3) by demo write-up key (``a0``, ``b12``…)."""

    q: str
    grades: dict[str, int] = field(default_factory=dict)


def _lines(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def read_searches(path: Path = QUERIES_FILE) -> list[Search]:
    searches = []
    for line in _lines(path):
        words, _bar, filters = line.partition("|")
        grouped: dict[str, list[str]] = {}
        for pair in filters.split():
            name, _eq, code = pair.partition("=")
            grouped.setdefault(name, []).append(code)
        searches.append(Search(words.strip(), tuple((k, tuple(v)) for k, v in grouped.items())))
    return searches


def read_judgements(path: Path = JUDGEMENTS_FILE) -> list[Judged]:
    judged = []
    for line in _lines(path):
        query, _bar, grades = line.partition("|")
        judged.append(Judged(query.strip(), {
            key: int(grade) for key, grade in (item.split(":") for item in grades.split())
        }))
    return judged


def misspellings(searches: list[Search], count: int = 60, seed: int = 1) -> list[str]:
    """Typed-wrong words for the suggestion timing: a letter dropped or doubled in words of
    six letters or more from the query list (deterministic)."""
    rng = random.Random(seed)
    words = sorted({w for s in searches for w in s.q.split() if len(w) >= 6 and w.isalpha()})
    typos = []
    for word in rng.sample(words, min(count, len(words))):
        at = rng.randrange(1, len(word) - 1)
        typos.append(word[:at] + word[at + 1:] if rng.random() < 0.5 else
                     word[:at] + word[at] + word[at:])
    return typos
