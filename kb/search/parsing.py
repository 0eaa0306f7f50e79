"""What a visitor types, turned into a Whoosh query — never an error.

The query language is deliberately small: words, ``"exact phrases"`` (required), ``+word``
(required), ``-word`` or ``NOT word`` to exclude, ``OR``/``OU`` between alternatives, ``word*``
for a prefix. Anything else — field syntax, brackets, unbalanced quotes or parentheses, stray
operators, emoji — is read as plain words or dropped. Words are analysed like the index
(:mod:`kb.search.analysis`); runs of words matching a synonym group (:mod:`kb.search.synonyms`)
are expanded to the whole group. Quoted phrases are taken literally, without synonyms.

Words are not all required: a write-up matches when it holds at least
:meth:`ParsedQuery.minimum_should_match` of the query's groups (all of one or two, about two
thirds of longer queries, as mature engines do), and ranking puts the write-ups holding more of
them first (:mod:`kb.search.ranking`). Filler words of a typed sentence (« comment », « toutes »,
« comme »…: :data:`FILLER_WORDS`) are optional: they add to the score, never to the count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import combinations

from whoosh.query import And, AndNot, Every, Phrase, Prefix, Query, Term
from whoosh.query import Or as WhooshOr

from kb.search.analysis import EXACT, FRENCH, analyze, normalize_text
from kb.search.schema import EXACT_FIELDS, STEMMED_FIELDS
from kb.search.synonyms import SynonymGroup, match_at

MAX_QUERY_LENGTH = 500
_LEXEME = re.compile(r'(?P<sign>[-+]?)(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')
_SEPARATORS = re.compile(r"[:()\[\]{}^~\\/<>=!|&,;?]+")
OR_WORDS = {"OR", "OU", "||"}
AND_WORDS = {"AND", "ET", "&&"}
NOT_WORDS = {"NOT", "SAUF"}
#: Words of a sentence typed as a question that name no topic (folded): optional in a query.
FILLER_WORDS = frozenset("""
    comme comment quel quelle quels quelles quoi pourquoi tout toute toutes tous autre autres
    faire fait font mis mise mettre avoir donner donne donnent utiliser utilise utilisent
    projet projets exemple exemples apres cause chez faut peut peuvent trouver cherche idee
    idees
    entre plusieurs chaque sans sous vers depuis pendant grace afin ainsi aussi tres plus
    moins beaucoup certains certaines differents differentes divers diverses toujours deja
    encore lors selon avant contre parmi durant malgre quelques autant bien mieux peu trop
    vraiment notamment surtout egalement car donc puis alors leurs etc cela ceci celui celle
    ceux celles memes tel telle tels telles quand quel lorsque puisque
""".split())
#: Up to this many counted groups, :meth:`ParsedQuery.match_query` builds the exact Boolean
#: form of the matching rule (tests compare it with the bitsets); beyond, it has too many terms.
EXACT_FORM_LIMIT = 8


class Or(WhooshOr):
    """A union of sub-queries matched lazily: Whoosh's default for small indexes pre-loads
    every match into arrays, which measured 2–5 times slower here."""

    matcher_type = WhooshOr.DEFAULT_MATCHER


@dataclass(frozen=True)
class Clause:
    """A word, phrase, prefix or synonym group of the query."""

    text: str  # as typed
    stems: tuple[str, ...]  # French analysis (ranked fields)
    exact: tuple[str, ...]  # folded, unstemmed (exact fields)
    phrase: bool = False
    prefix: bool = False
    negated: bool = False
    synonyms: SynonymGroup | None = None
    required: bool = False  # « +word »

    @property
    def plain_word(self) -> bool:
        """A single typed word: candidate for synonyms, spelling and place detection."""
        return not (self.phrase or self.prefix or self.negated or self.synonyms
                    or self.required)

    @property
    def filler(self) -> bool:
        """A filler word of a typed sentence (see :data:`FILLER_WORDS`)."""
        return self.plain_word and len(self.exact) == 1 and self.exact[0] in FILLER_WORDS

    def to_query(self) -> Query:
        if self.synonyms is not None:
            return Or([_stemmed_query(sequence) for sequence in self.synonyms.token_sequences])
        if self.prefix:
            return Or([Prefix(name, self.exact[-1]) for name in EXACT_FIELDS]
                      + [Prefix(name, self.stems[-1]) for name in STEMMED_FIELDS if self.stems])
        parts = [_stemmed_query(self.stems)] if self.stems else []
        parts += [_fields_query(EXACT_FIELDS, self.exact)]
        return Or(parts)


#: Fields that are bags of labels and names (no running text): several words are looked for
#: as all of them, not as a phrase. Position matching there cost most of a search's time at
#: 10,000 write-ups (a synonym such as « tableau numérique interactif » is in every write-up
#: carrying the code), and all-words uses the cached term bitsets.
BAG_FIELDS = frozenset({"vocabulary"})


def _fields_query(fields, tokens: tuple[str, ...]) -> Query:
    if len(tokens) == 1:
        return Or([Term(name, tokens[0]) for name in fields])
    return Or([And([Term(name, token) for token in tokens]) if name in BAG_FIELDS
               else Phrase(name, list(tokens)) for name in fields])


def _stemmed_query(tokens: tuple[str, ...]) -> Query:
    return _fields_query(STEMMED_FIELDS, tokens)


_OR = object()  # marker between alternatives


@dataclass
class ParsedQuery:
    """Groups of alternatives and excluded clauses. A group of quoted phrases or ``+words`` is
    required; of the other groups (filler words aside), a write-up must hold at least
    :meth:`minimum_should_match`."""

    text: str
    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded

    def required(self) -> list[int]:
        """Indexes of the groups that must match."""
        return [i for i, group in enumerate(self.groups) if _required(group)]

    def counted(self) -> list[int]:
        """Indexes of the groups the minimum-should-match rule counts: the optional ones but
        the filler words (all of them when the query is nothing but filler)."""
        optional = [i for i, group in enumerate(self.groups) if not _required(group)]
        content = [i for i in optional if not all(c.filler for c in self.groups[i])]
        return content or optional

    def minimum_should_match(self, relaxed: bool = False) -> int:
        """How many counted groups a write-up must hold: all of one or two, about two thirds
        of three or more (3 → 2, 4 → 3, 5 → 3, 6 → 4, 9 → 6); one when ``relaxed``."""
        count = len(self.counted())
        if relaxed or count <= 2:
            return min(count, 1) if relaxed else count
        return round(count * 2 / 3)

    def group_queries(self) -> list[Query]:
        return [Or([c.to_query() for c in group]) for group in self.groups]

    def to_query(self, relaxed: bool = False) -> Query | None:
        """The Whoosh query that *scores* the matches: any of the groups, the excluded clauses
        removed; ``None`` for an empty query. Which documents match is the minimum-should-match
        rule, computed on bitsets (:mod:`kb.search.matching`; :meth:`match_query` is its
        Boolean form): ``relaxed`` changes the matches, not the scores."""
        del relaxed
        if self.is_empty:
            return None
        alternatives = self.group_queries()
        positive: Query = Or(alternatives) if alternatives else Every()
        if self.excluded:
            return AndNot(positive, Or([c.to_query() for c in self.excluded]))
        return positive

    def match_query(self, relaxed: bool = False) -> Query | None:
        """The matching rule as a Whoosh query: every required group and any
        :meth:`minimum_should_match` of the counted groups, none of the excluded clauses.
        Built for up to :data:`EXACT_FORM_LIMIT` counted groups."""
        if self.is_empty:
            return None
        queries, counted = self.group_queries(), self.counted()
        if len(counted) > EXACT_FORM_LIMIT:
            raise ValueError("too many groups for the exact Boolean form")
        parts: list[Query] = [queries[i] for i in self.required()]
        need = self.minimum_should_match(relaxed)
        if need:
            parts.append(Or([And([queries[i] for i in chosen])
                             for chosen in combinations(counted, need)]))
        positive: Query = And(parts) if parts else Every()
        if self.excluded:
            return AndNot(positive, Or([c.to_query() for c in self.excluded]))
        return positive

    def clauses(self) -> list[Clause]:
        return [clause for group in self.groups for clause in group]

    def highlight_terms(self) -> frozenset[str]:
        """Stems to mark in snippets (the snippet analyser stems the text the same way)."""
        terms: set[str] = set()
        for clause in self.clauses():
            if clause.synonyms is not None:
                for sequence in clause.synonyms.token_sequences:
                    terms.update(sequence)
            else:
                terms.update(clause.stems)
        return frozenset(terms)

    def plain_words(self) -> list[Clause]:
        return [c for c in self.clauses() if c.plain_word and len(c.exact) == 1]


def _required(group: list[Clause]) -> bool:
    """A group of quoted phrases or ``+words`` only must match."""
    return all(clause.phrase or clause.required for clause in group)


def clean_query_text(text: str | None) -> tuple[str, bool]:
    """Normalised query text, cut at :data:`MAX_QUERY_LENGTH`; ``True`` when it was cut."""
    text = " ".join(normalize_text(text or "").split())
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].rstrip(), True
    return text, False


def parse_query(text: str) -> ParsedQuery:
    """Parse cleaned query text (see :func:`clean_query_text`)."""
    items = _expand_synonyms(_lex(text))
    parsed = ParsedQuery(text)
    pending_or = False
    for item in items:
        if item is _OR:
            pending_or = bool(parsed.groups)
        elif item.negated:
            parsed.excluded.append(item)
        elif pending_or:
            parsed.groups[-1].append(item)
            pending_or = False
        else:
            parsed.groups.append([item])
    return parsed


def _lex(text: str) -> list:
    items: list = []
    negate_next = False
    for match in _LEXEME.finditer(text):
        negated = match["sign"] == "-" or negate_next
        negate_next = False
        if match["phrase"] is not None:
            clause = _clause(match["phrase"], phrase=True, negated=negated)
            items.extend([clause] if clause else [])
            continue
        word = match["word"]
        if word in OR_WORDS:
            items.append(_OR)
        elif word in NOT_WORDS:
            negate_next = True
        elif word not in AND_WORDS:
            items.extend(_word_clauses(word, negated, required=match["sign"] == "+"))
    return items


def _word_clauses(word: str, negated: bool, required: bool = False) -> list[Clause]:
    """One typed word may hold field syntax or punctuation: each part is a clause."""
    clauses = []
    for part in _SEPARATORS.split(word.lstrip("-+")):
        prefix = part.endswith("*") and len(part.strip("*?")) >= 2
        clause = _clause(part.replace("*", "").replace("?", ""), prefix=prefix, negated=negated)
        if clause:
            clauses.append(replace(clause, required=required) if required else clause)
    return clauses


def _clause(text: str, phrase=False, prefix=False, negated=False) -> Clause | None:
    exact = tuple(analyze(EXACT, text))
    stems = tuple(analyze(FRENCH, text))
    if not exact or (not stems and not phrase):
        return None  # punctuation, emoji, or only stop words: nothing to look for
    return Clause(text.strip(), stems, exact, phrase=phrase, prefix=prefix, negated=negated)


def _expand_synonyms(items: list) -> list:
    """Replace runs of plain words matching a synonym expression by a synonym clause."""
    result: list = []
    index = 0
    while index < len(items):
        found = _synonym_at(items, index)
        if found is None:
            result.append(items[index])
            index += 1
            continue
        length, group = found
        words = items[index:index + length]
        stems = tuple(stem for clause in words for stem in clause.stems)
        exact = tuple(token for clause in words for token in clause.exact)
        text = " ".join(clause.text for clause in words)
        result.append(replace(words[0], text=text, stems=stems, exact=exact, synonyms=group))
        index += length
    return result


def _synonym_at(items: list, start: int) -> tuple[int, SynonymGroup] | None:
    """(number of clauses, group) when a synonym expression starts at ``items[start]`` and
    ends on a clause boundary."""
    run: list[Clause] = []
    for item in items[start:start + 8]:
        if item is _OR or not item.plain_word:
            break
        run.append(item)
    if not run:
        return None
    stems = [stem for clause in run for stem in clause.stems]
    match = match_at(stems, 0)
    if match is None:
        return None
    length, group = match
    consumed = 0
    for count, clause in enumerate(run, start=1):
        consumed += len(clause.stems)
        if consumed == length:
            return count, group
        if consumed > length:
            return None
    return None
