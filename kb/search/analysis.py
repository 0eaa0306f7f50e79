"""French text analysis, defined once for the index and for queries.

Three analyzers share one tokenizer and one folding rule:

* :data:`FRENCH` — the ranked text fields: tokenise, drop French stop words, lower-case, fold
  accents (``é`` → ``e``, ``œ`` → ``oe``), Snowball French stemming. Folding comes *before*
  stemming so that a word typed without accents stems exactly like its accented form.
* :data:`EXACT` — the unstemmed copies (exact phrases, place names): lower-case and fold only.
* :data:`SPELLING` — the small did-you-mean dictionary: lower-case, accents kept, so that a
  suggestion reads as French.

A stop word written in capitals is kept: *AVEC* is the French acronym of BYOD, *avec* is not.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.lang import stopwords_for_language

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


class AcronymAwareStopFilter(Filter):
    """Drop French stop words, except when written as an acronym in capitals (``AVEC``)."""

    def __init__(self, stops: frozenset[str] = STOP_WORDS, minsize: int = 1) -> None:
        self.stops = stops
        self.minsize = minsize

    def __call__(self, tokens):
        position = None
        for token in tokens:
            text = token.text
            stopped = len(text) < self.minsize or (
                text.lower() in self.stops and not (len(text) > 1 and text.isupper())
            )
            if stopped:
                if not token.removestops:
                    token.stopped = True
                    yield token
                continue
            token.stopped = False
            if token.positions:  # renumber so that phrases ignore the dropped words
                position = token.pos if position is None else position + 1
                token.pos = position
            yield token


class FoldFilter(Filter):
    """Replace each token by its :func:`fold`\\ ed form."""

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            token.text = text if text.isascii() else _fold_cached(text)
            yield token


_fold_cached = lru_cache(maxsize=100_000)(fold)  # words repeat a lot


def french_analyzer():
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | AcronymAwareStopFilter()
        | LowercaseFilter()
        | FoldFilter()
        | StemFilter(lang="fr", cachesize=50_000)
    )


def exact_analyzer():
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldFilter()


def spelling_analyzer():
    return RegexTokenizer(r"[^\W\d_]{3,}") | LowercaseFilter()


FRENCH = french_analyzer()
EXACT = exact_analyzer()
SPELLING = spelling_analyzer()


def analyze(analyzer, text: str) -> list[str]:
    """The token texts ``analyzer`` makes of ``text`` (stop words removed)."""
    return [token.text for token in analyzer(normalize_text(text))]


def stem_word(word: str) -> str:
    """The index form of one word in the ranked fields (``""`` for a stop word)."""
    tokens = analyze(FRENCH, word)
    return tokens[0] if tokens else ""
