"""The one place where user text becomes HTML: Markdown rendered, then sanitised with bleach.

Templates show user text either auto-escaped (plain fields) or through the ``markdown`` filter
defined here; nothing else is marked safe.
"""

from __future__ import annotations

import html as html_lib
import re

import bleach
import markdown as markdown_lib
from bleach.linkifier import Linker
from markupsafe import Markup, escape

#: Tags a write-up's Markdown may produce (SPEC section 5).
MARKDOWN_TAGS = frozenset({
    "p", "br", "hr", "ul", "ol", "li", "strong", "em", "b", "i", "a", "h3", "h4",
    "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
})
MARKDOWN_ATTRIBUTES = {"a": ["href", "title", "rel"], "th": ["align"], "td": ["align"]}
SAFE_PROTOCOLS = frozenset({"http", "https", "mailto"})

_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def _set_link_rel(attrs, new=False):
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = "nofollow noopener"
    return attrs


_linker = Linker(callbacks=[_set_link_rel], skip_tags={"pre", "code"})


def _shift_headings(html: str) -> str:
    """Map Markdown headings into h3–h4 so they sit under the page's own h1/h2 (``#`` → h3,
    ``##`` and deeper → h4), in one pass so that no tag is shifted twice."""
    return _HEADING_TAG.sub(lambda m: f"<{m[1]}h{3 if m[2] == '1' else 4}>", html)


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to sanitised HTML, safe to insert into any page."""
    if not text:
        return Markup("")
    html = markdown_lib.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    html = _shift_headings(html)
    cleaned = bleach.clean(
        html,
        tags=MARKDOWN_TAGS,
        attributes=MARKDOWN_ATTRIBUTES,
        protocols=SAFE_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    return Markup(_linker.linkify(cleaned))


def markdown_to_text(text: str | None) -> str:
    """Plain text of a Markdown field (for the index, feeds and summaries)."""
    if not text:
        return ""
    html = markdown_lib.markdown(text, extensions=["tables", "sane_lists"])
    return bleach.clean(html, tags=set(), strip=True, strip_comments=True)


def summary_text(text: str | None, length: int = 200) -> str:
    """One line of plain text from a Markdown field, cut at a word within ``length``
    characters (for ``<meta name="description">``; the template escapes it)."""
    words = html_lib.unescape(markdown_to_text(text)).split()
    line = " ".join(words)
    if len(line) <= length:
        return line
    return line[:length - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


#: Brackets around a highlighted word in a raw snippet (control characters: never in the text
#: the highlighter sees, see :mod:`kb.search.snippets`).
MARK_START, MARK_END = "\x02", "\x03"
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")


def highlight_markup(fragment: str) -> Markup:
    """A search snippet as safe HTML: the raw text escaped as a whole, then each bracketed
    word in ``<mark>``; the only markup that can come out is ``<mark>…</mark>``, balanced."""
    html = _MARKED.sub(r"<mark>\1</mark>", str(escape(fragment)))
    return Markup(html.replace(MARK_START, "").replace(MARK_END, ""))  # unpaired: dropped


def plain(text: str | None) -> Markup:
    """Escape plain text, keeping line breaks as ``<br>``."""
    if not text:
        return Markup("")
    return Markup("<br>\n").join(escape(line) for line in str(text).splitlines())


def init_app(app) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plain"] = plain
    app.jinja_env.filters["summary_text"] = summary_text
