"""French text analysis, defined once for the index and for queries.

Three analyzers share one word pattern and one folding rule:

* :data:`FRENCH` — the ranked text fields: tokenise, drop French stop words, lower-case, fold
  accents (``é`` → ``e``, ``œ`` → ``oe``), Snowball French stemming. Folding comes *before*
  stemming so that a word typed without accents stems exactly like its accented form.
* :data:`EXACT` — the unstemmed copies (exact phrases, place names): lower-case and fold only.
* :data:`SPELLING` — the small did-you-mean dictionary: lower-case, accents kept, so that a
  suggestion reads as French.

:data:`FRENCH` and :data:`EXACT` do their steps in one pass (:class:`FoldingTokenizer`), not as
a chain of Whoosh filters: analysis was half the time of writing the index. And the index's text
fields write their postings straight from the words (:class:`FoldedPositions`), without the
token object per word Whoosh's ``Positions`` format asks the analyser for: the same bytes, and a
rebuild about a tenth faster (3–19 % in back-to-back rounds, ``docs/performance.md``).

A stop word written in capitals is kept: *AVEC* is the French acronym of BYOD, *avec* is not.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import LowercaseFilter, RegexTokenizer, Token, Tokenizer
from whoosh.formats import Positions
from whoosh.lang import stemmer_for_language, stopwords_for_language

TOKEN_PATTERN = r"\w+(?:\.?\w+)*"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def normalize_text(text: str | None) -> str:
    """NFC-compose (combining accents typed separately become one letter), drop control
    characters. Applied to documents and queries alike, before any tokenising."""
    if not text:
        return ""
    return _CONTROL.sub(" ", unicodedata.normalize("NFC", text))


def fold(word: str) -> str:
    """Lower-case, accent-free form of a word: ``Écoles`` → ``ecoles``, ``Œuvre`` → ``oeuvre``."""
    word = word.translate(_LIGATURES).lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _french_stop_words() -> frozenset[str]:
    words = set(stopwords_for_language("fr"))
    words |= {fold(word) for word in words}
    words |= {"les", "a", "à", "où", "ou", "dont", "cette", "cet", "ni", "si", "d", "l", "qu"}
    return frozenset(words)


STOP_WORDS = _french_stop_words()


def _is_stop_word(word: str) -> bool:
    """A French stop word, unless written as an acronym in capitals (``AVEC``); an empty
    token (``tokenize=False`` on empty text) counts as one."""
    return not word or word.lower() in STOP_WORDS and not (len(word) > 1 and word.isupper())


@lru_cache(maxsize=100_000)  # words repeat a lot: one lookup per token once seen
def _exact_form(word: str) -> str:
    return fold(word)


@lru_cache(maxsize=100_000)
def _french_form(word: str) -> str | None:
    """The index form of a word in the ranked fields, ``None`` for a stop word."""
    return None if _is_stop_word(word) else _STEM(fold(word))


class FoldingTokenizer(Tokenizer):
    """Words of :data:`TOKEN_PATTERN`, lower-cased and folded (:func:`fold`) — and, with
    ``stem``, French stop words dropped and the rest Snowball-stemmed.

    One pass with one cached lookup per word, where a chain of Whoosh filters (tokenizer, stop
    words, lower case, folding, stemming) makes five generator steps per token: analysis was
    half the time of writing the index. Tokens are Whoosh's: positions skip the dropped stop
    words (phrases ignore them, as queries are analysed the same way), character offsets are
    those of the text (snippets mark them), and with ``removestops=False`` (Whoosh's
    highlighter) a stop word comes through marked ``stopped``, folded, unstemmed."""

    def __init__(self, stem: bool) -> None:
        self.stem = stem

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.stem == self.stem

    def __hash__(self) -> int:
        return hash((type(self), self.stem))

    def has_morph(self) -> bool:
        return self.stem

    def __call__(self, value: str, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        matches = _WORDS.finditer(value) if tokenize else (None,)
        stem, position = self.stem, start_pos - 1
        for index, match in enumerate(matches):
            word = match.group() if match is not None else value
            if keeporiginal:
                token.original = word
            form = _french_form(word) if stem else _exact_form(word)
            if form is None:  # a stop word
                if removestops:
                    continue
                token.text, token.stopped = _exact_form(word), True
                if positions:
                    token.pos = start_pos + index
            else:
                token.text, token.stopped = form, False
                if positions:
                    # the first word keeps its place, the next ones follow it without gaps
                    position = start_pos + index if position < start_pos else position + 1
                    token.pos = position
            if chars:
                begin, end = (match.span() if match is not None else (0, len(value)))
                token.startchar, token.endchar = start_char + begin, start_char + end
            yield token

    def positions_of(self, value: str) -> dict[str, list[int]]:
        """Each index form of ``value`` with its positions, as the tokens of ``__call__``
        (stop words removed) would give them, without making a token per word."""
        form_of = _french_form if self.stem else _exact_form
        found: dict[str, list[int]] = {}
        position = -1
        for index, word in enumerate(_WORDS.findall(value)):
            form = form_of(word)
            if form is None:
                continue
            position = index if position < 0 else position + 1
            held = found.get(form)
            if held is None:
                found[form] = [position]
            else:
                held.append(position)
        return found


class FoldedPositions(Positions):
    """Whoosh's :class:`~whoosh.formats.Positions` postings (same values, same bytes) made
    straight from :meth:`FoldingTokenizer.positions_of` when the field's analyser is one: the
    ranked and exact text fields. Writing a document no longer makes a token object per word;
    any other analyser goes through Whoosh's path."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, FoldingTokenizer) or not isinstance(value, str) \
                or kwargs.get("tokenize") is False:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for word, positions in analyzer.positions_of(value).items():
            yield word, len(positions), len(positions) * boost, self.encode(positions)


_WORDS = re.compile(TOKEN_PATTERN)
_STEM = stemmer_for_language("fr")
FRENCH = FoldingTokenizer(stem=True)
EXACT = FoldingTokenizer(stem=False)


def spelling_analyzer():
    return RegexTokenizer(r"[^\W\d_]{3,}") | LowercaseFilter()


SPELLING = spelling_analyzer()


def analyze(analyzer, text: str) -> list[str]:
    """The token texts ``analyzer`` makes of ``text`` (stop words removed)."""
    return [token.text for token in analyzer(normalize_text(text))]


def stem_word(word: str) -> str:
    """The index form of one word in the ranked fields (``""`` for a stop word)."""
    tokens = analyze(FRENCH, word)
    return tokens[0] if tokens else ""
