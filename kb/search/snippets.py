"""Search snippets: a passage of the write-up with the query's words marked.

Snippets are cut from the database row being shown (not from stored index fields, which the
index does not keep), analysed like the index so that *tablette* marks *Tablettes*. The
highlighter only brackets matched words with two control characters that cannot occur in the
text (they are removed from it first); :func:`kb.html.highlight_markup` then escapes the whole
passage and turns the brackets into ``<mark>`` — so the only markup a snippet can carry is
``<mark>``, without parsing HTML (bleach on every snippet cost a sixth of a search page).

Snippets are kept in a small per-process cache keyed by the write-up's id and version and the
query's terms (one cache per application): popular searches show the same passages again and again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from threading import Lock

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import select
from whoosh.highlight import ContextFragmenter, Formatter, get_text, highlight

from kb.attachments.models import Attachment
from kb.db import session
from kb.experiences.models import TEXT_FIELDS, Experience
from kb.html import MARK_END, MARK_START, highlight_markup
from kb.search.analysis import FRENCH, fold, normalize_text
from kb.search.documents import markdown_words

SNIPPET_CHARS = 240
WINDOW_BEFORE, WINDOW_AFTER = 150, 450  # chars analysed around the first likely match
#: Lower-case, accent-free, one character for one (so that offsets stay those of the text).
_FOLD_TABLE = {code: ord(fold(chr(code))[:1] or " ") for code in range(0xC0, 0x250)}
#: The bracket characters never reach the highlighter from the text.
_NO_BRACKETS = {ord(MARK_START): " ", ord(MARK_END): " "}
CACHE_SIZE = 4096


class MarkFormatter(Formatter):
    """Brackets matched words with :data:`kb.html.MARK_START` / ``MARK_END`` (the text stays
    raw: :func:`kb.html.highlight_markup` escapes the whole passage afterwards)."""

    between = " … "

    def _text(self, text: str) -> str:
        return text

    def format_token(self, text, token, replace=False) -> str:
        return f"{MARK_START}{get_text(text, token, replace)}{MARK_END}"

    def _passage(self, fragment, replace=False) -> tuple[str, bool, bool]:
        """The fragment widened to whole words, and whether the text goes on before and
        after it."""
        text = fragment.text
        start, end = _word_start(text, fragment.startchar), _word_end(text, fragment.endchar)
        html = (self._text(text[start:fragment.startchar])
                + super().format_fragment(fragment, replace)
                + self._text(text[fragment.endchar:end]))
        return html.strip(), start > 0, end < len(text)

    def format_fragment(self, fragment, replace=False) -> str:
        return self.format([fragment], replace)

    def format(self, fragments, replace=False) -> str:
        """The fragments in text order: one « … » between two of them, and where the text goes
        on before the first or after the last."""
        passages = [self._passage(fragment, replace) for fragment in fragments]
        if not passages:
            return ""
        body = self.between.join(html for html, _before, _after in passages)
        return ("… " if passages[0][1] else "") + body + (" …" if passages[-1][2] else "")


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


class SnippetCache:
    """A bounded least-recently-used map, safe across a worker's threads."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = Lock()

    def get(self, key):
        with self._lock:
            if key not in self._items:
                return None, False
            self._items.move_to_end(key)
            return self._items[key], True

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _cache() -> SnippetCache:
    """This application's cache (one per app: a test's fresh database never sees another's)."""
    extensions = current_app.extensions
    if "kb_snippets" not in extensions:
        extensions["kb_snippets"] = SnippetCache()
    return extensions["kb_snippets"]


def make_snippets(experiences: list[Experience], terms: frozenset[str]) -> dict:
    """The snippet of each write-up of a result page, by id (see :func:`make_snippet`). Which
    cards have live attachments is read in one query for the page; only those whose own texts
    lack the terms load their attachments, and their passage is cached too."""
    if not terms or not experiences:
        return {experience.id: None for experience in experiences}
    attached = live_attachment_ids([experience.id for experience in experiences])
    return {experience.id: make_snippet(experience, terms, attached.get(experience.id, ()))
            for experience in experiences}


def make_snippet(experience: Experience, terms: frozenset[str],
                 attachment_ids: tuple[int, ...] | None = None) -> Markup | None:
    """A highlighted passage, or ``None`` when no text of the write-up (nor of its live
    attachments, ``attachment_ids``: read here when not given) contains the terms (the card
    then shows the summary). Any edit bumps the write-up's version, so a cached passage is
    never one of an older text; an attachment's passage is keyed by the attachments' ids
    (an attachment's text never changes: a new file is a new attachment)."""
    if not terms:
        return None
    key = (experience.id, experience.version, experience.updated_at, terms)
    cache = _cache()
    snippet, found = cache.get(key)
    if not found:
        snippet = _make_snippet(experience, terms)
        cache.put(key, snippet)
    if snippet is not None:
        return snippet
    if attachment_ids is None:
        attachment_ids = live_attachment_ids([experience.id]).get(experience.id, ())
    if not attachment_ids:
        return None
    key = ("attachments", experience.id, attachment_ids, terms)
    snippet, found = cache.get(key)
    if not found:
        snippet = attachment_snippet(experience, terms)
        cache.put(key, snippet)
    return snippet


def live_attachment_ids(experience_ids: list[int]) -> dict[int, tuple[int, ...]]:
    """The ids of the live attachments of each of these write-ups (those that have any)."""
    rows = session.execute(
        select(Attachment.experience_id, Attachment.id)
        .where(Attachment.experience_id.in_(experience_ids), Attachment.deleted_at.is_(None),
               Attachment.purged_at.is_(None))
        .order_by(Attachment.experience_id, Attachment.id)
    )
    found: dict[int, list[int]] = {}
    for experience_id, attachment_id in rows:
        found.setdefault(experience_id, []).append(attachment_id)
    return {key: tuple(value) for key, value in found.items()}


def _make_snippet(experience: Experience, terms: frozenset[str]) -> Markup | None:
    fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
    for text in _texts(experience):
        window = _window(normalize_text(text).translate(_NO_BRACKETS), terms) if text else None
        if window is None:
            continue
        marked = highlight(window, terms, FRENCH, fragmenter, MarkFormatter(), top=2)
        if marked:
            return highlight_markup(marked)
    return None


def attachment_snippet(experience: Experience, terms: frozenset[str]) -> Markup | None:
    """Issue 13: the passage of an attachment that matches, saying it is from an attachment
    (« Dans une pièce jointe (« Cahier des charges ») : … »)."""
    fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
    for attachment in experience.attachments:
        if not attachment.is_live:
            continue
        for text in (attachment.title, attachment.description, attachment.extracted_text):
            window = (_window(normalize_text(text).translate(_NO_BRACKETS), terms)
                      if text else None)
            marked = window and highlight(window, terms, FRENCH, fragmenter, MarkFormatter(),
                                          top=2)
            if marked:
                source = escape(f"Dans une pièce jointe (« {attachment.title} ») : ")
                return Markup(source) + highlight_markup(marked)
    return None
