"""The synonym and acronym groups of ``synonyms.txt``, matched on analysed token sequences.

Each expression of a group is analysed with the French analyzer once, so that a query matches a
group whatever its case, accents, plural or stop words (« Tableaux Numériques Interactifs »
matches ``tableau numérique interactif``). Expansion happens at query time only: the index
holds the words as written, and editing the list needs no rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kb.search.analysis import FRENCH, analyze

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")


@dataclass(frozen=True)
class SynonymGroup:
    """Expressions that mean the same thing, each as written and as analysed tokens."""

    expressions: tuple[str, ...]
    token_sequences: tuple[tuple[str, ...], ...]


def parse_synonyms(text: str) -> tuple[SynonymGroup, ...]:
    """Groups from the file format: one group per line, expressions separated by commas,
    ``#`` starts a comment line."""
    groups = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        expressions = tuple(e.strip() for e in line.split(",") if e.strip())
        sequences = tuple(dict.fromkeys(
            tuple(analyze(FRENCH, expression)) for expression in expressions
        ))
        sequences = tuple(s for s in sequences if s)
        if len(sequences) > 1:
            groups.append(SynonymGroup(expressions, sequences))
    return tuple(groups)


@cache
def synonym_groups() -> tuple[SynonymGroup, ...]:
    return parse_synonyms(SYNONYMS_FILE.read_text(encoding="utf-8"))


@cache
def _by_first_token() -> dict[str, list[tuple[tuple[str, ...], SynonymGroup]]]:
    index: dict[str, list[tuple[tuple[str, ...], SynonymGroup]]] = {}
    for group in synonym_groups():
        for sequence in group.token_sequences:
            index.setdefault(sequence[0], []).append((sequence, group))
    for candidates in index.values():
        candidates.sort(key=lambda item: -len(item[0]))  # longest expression first
    return index


def match_at(tokens: list[str], start: int) -> tuple[int, SynonymGroup] | None:
    """The longest synonym expression starting at ``tokens[start]``: (length, group)."""
    for sequence, group in _by_first_token().get(tokens[start], ()):
        if tuple(tokens[start:start + len(sequence)]) == sequence:
            return len(sequence), group
    return None
