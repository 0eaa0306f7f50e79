"""Search snippets: a passage of the write-up with the query's words marked.

Snippets are cut from the database row being shown (not from stored index fields, which the
index does not keep), analysed like the index so that *tablette* marks *Tablettes*. Every piece
of text is HTML-escaped; only ``<mark>`` is added, and the result goes through
:func:`kb.html.highlight_markup` like every snippet.
"""

from __future__ import annotations

from collections.abc import Iterator

from markupsafe import Markup, escape
from whoosh.highlight import ContextFragmenter, Formatter, get_text, highlight

from kb.experiences.models import TEXT_FIELDS, Experience
from kb.html import highlight_markup
from kb.search.analysis import FRENCH, fold, normalize_text
from kb.search.documents import markdown_words

SNIPPET_CHARS = 240
WINDOW_BEFORE, WINDOW_AFTER = 150, 450  # chars analysed around the first likely match
#: Lower-case, accent-free, one character for one (so that offsets stay those of the text).
_FOLD_TABLE = {code: ord(fold(chr(code))[:1] or " ") for code in range(0xC0, 0x250)}


class MarkFormatter(Formatter):
    """Escapes the text, wraps matched words in ``<mark>``."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text, token, replace=False) -> str:
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment, replace=False) -> str:
        """The fragment widened to whole words, with « … » where the text goes on."""
        text = fragment.text
        start, end = _word_start(text, fragment.startchar), _word_end(text, fragment.endchar)
        html = (self._text(text[start:fragment.startchar])
                + super().format_fragment(fragment, replace)
                + self._text(text[fragment.endchar:end]))
        prefix = "… " if start > 0 else ""
        suffix = " …" if end < len(text) else ""
        return prefix + html.strip() + suffix


def _word_start(text: str, index: int, reach: int = 20) -> int:
    limit = max(0, index - reach)
    while index > limit and not text[index - 1].isspace():
        index -= 1
    return index


def _word_end(text: str, index: int, reach: int = 20) -> int:
    limit = min(len(text), index + reach)
    while index < limit and not text[index].isspace():
        index += 1
    return index


def _texts(experience: Experience) -> Iterator[str]:
    """The write-up's texts, summary first: a snippet comes from the first that matches."""
    yield experience.summary or ""
    for name in TEXT_FIELDS:
        yield markdown_words(getattr(experience, name))
    yield markdown_words(experience.partners)


def _window(text: str, terms: frozenset[str]) -> str | None:
    """The part of ``text`` around the first place a term (a stem: a prefix of the folded
    word, as a rule) seems to occur; ``None`` if none does. Analysing a whole long text for
    every result would cost more than the search itself."""
    folded = text.lower().translate(_FOLD_TABLE)
    found = [index for index in (folded.find(term) for term in terms) if index >= 0]
    if not found:
        return None
    first = min(found)
    start = max(0, first - WINDOW_BEFORE)
    if start:
        start = text.find(" ", start, first) + 1  # on a word boundary (0 if none)
    return text[start:first + WINDOW_AFTER]


def make_snippet(experience: Experience, terms: frozenset[str]) -> Markup | None:
    """A highlighted passage, or ``None`` when no text of the write-up contains the terms (the
    card then shows the summary)."""
    if not terms:
        return None
    fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
    for text in _texts(experience):
        window = _window(normalize_text(text), terms) if text else None
        if window is None:
            continue
        html = highlight(window, terms, FRENCH, fragmenter, MarkFormatter(), top=2)
        if html:
            return highlight_markup(html)
    return attachment_snippet(experience, terms, fragmenter)


def attachment_snippet(experience: Experience, terms: frozenset[str],
                       fragmenter) -> Markup | None:
    """Issue 13: the passage of an attachment that matches, saying it is from an attachment
    (« Dans une pièce jointe (« Cahier des charges ») : … »)."""
    for attachment in experience.attachments:
        if not attachment.is_live:
            continue
        for text in (attachment.title, attachment.description, attachment.extracted_text):
            window = _window(normalize_text(text), terms) if text else None
            html = window and highlight(window, terms, FRENCH, fragmenter, MarkFormatter(), top=2)
            if html:
                source = escape(f"Dans une pièce jointe (« {attachment.title} ») : ")
                return Markup(source) + highlight_markup(html)
    return None
