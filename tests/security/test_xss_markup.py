"""The XSS suite, server side: every vector of ``xss_vectors.txt`` through every producer of
HTML, then through the forms and ``kb import`` into every text field, and every page that shows
them audited element by element (``tests/browser/test_xss.py`` loads the same pages in
Chromium). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markupsafe import escape

from kb.html import highlight_markup, markdown_to_text, plain, render_markdown


def test_the_vector_list_is_long_and_varied(hostile):
    vectors = hostile.load_vectors()
    assert len(vectors) >= 100
    assert all(len(v) < 200 for v in vectors)
    for family in ("<script", "onerror", "javascript:", "data:", "<svg", "<math", "](javascript",
                   "![", "&#", "%3C", "expression(", "<iframe", "{{7*7}}"):
        assert any(family in v for v in vectors), family


def test_every_vector_alone_is_inert_in_every_html_producer(hostile, html_problems):
    """``kb/html.py`` is the only place user text becomes HTML: Markdown (with autolinks),
    plain text with line breaks, and search highlights."""
    for vector in hostile.load_vectors():
        for name, html in (
            ("markdown", render_markdown(vector)),
            ("markdown in a list", render_markdown(f"- {vector}\n- x")),
            ("plain", plain(vector)),
            ("highlight", highlight_markup(f"<mark>kb</mark> {vector} <mark>kb</mark>")),
            ("text", escape(markdown_to_text(vector))),
        ):
            assert html_problems(f"<body>{html}</body>") == [], (name, vector, str(html))


def test_the_audit_sees_the_vectors_when_nothing_sanitises_them(hostile, html_problems):
    """The audit is not blind: raw, or through Markdown without bleach, the vectors are
    caught (the rest are text, attribute break-outs or template syntax, inert as such)."""
    import markdown

    vectors = hostile.load_vectors()
    raw = [v for v in vectors if html_problems(f"<body>{v}</body>")]
    rendered = [v for v in vectors if html_problems(f"<body>{markdown.markdown(v)}</body>")]
    assert len(raw) >= 100 and len(set(raw) | set(rendered)) >= 110


def test_a_link_field_refuses_javascript_and_data_addresses(client, login_as, hostile):
    login_as("contributeur")
    for link in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)",
                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
                 "//evil.example/x", "https:alert(1)"):
        response = client.post("/experiences/nouvelle", data={
            "title": "Liens", "summary": "Résumé", "territory_code": "C23096",
            "themes": ["equipement"], "links": link})
        assert response.status_code == 422, link
        assert "n&#39;est pas une adresse web" in response.get_data(as_text=True), link


ATOM = "{http://www.w3.org/2005/Atom}"


def feed_problems(data: bytes, html_problems) -> list[str]:
    """A feed is well-formed Atom, holds no element of another namespace (no XHTML
    ``<script>``), and whatever a reader would render as HTML is inert."""
    feed = ET.fromstring(data)
    problems = [element.tag for element in feed.iter() if not element.tag.startswith(ATOM)]
    for element in feed.iter():
        if element.get("type") in ("html", "xhtml"):
            problems += html_problems(f"<body>{element.text or ''}</body>")
    return problems


@pytest.fixture
def hostile_world(app, hostile, create_organisation, create_user, runner, tmp_path):
    world = hostile.seed_through_forms(app, create_organisation, create_user)
    hostile.seed_through_import(runner, tmp_path, world.vectors)
    world.imported = hostile.imported_ids(app)
    return world


def test_every_page_showing_hostile_content_is_inert(app, hostile_world, hostile, html_problems):
    """Every vector in every text field (forms and import), every page that shows them, as
    each role that sees it: no element or attribute that could run script."""
    world = hostile_world
    checked = 0
    for role, urls in world.pages().items():
        client = hostile.FormClient(app, world.users.get(role)).client
        for url in urls:
            response = client.get(url, follow_redirects=True)
            assert response.status_code == 200, (role, url, response.status_code)
            if url.startswith("/flux.atom"):
                assert feed_problems(response.data, html_problems) == [], url
            else:
                assert html_problems(response) == [], (role, url)
            checked += 1
    assert checked == world.page_count() >= 100
    assert len(world.imported) >= 20
    assert_not_vacuous(app, world, hostile)


def assert_not_vacuous(app, world, hostile) -> None:
    """The audit is not vacuous: the vectors are on the pages, as text."""
    client = hostile.FormClient(app, world.users["author"]).client
    pages = "".join(client.get(f"/experiences/{i}", follow_redirects=True).get_data(as_text=True)
                    for i in world.published)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages
    assert "{{7*7}}kbtpl" in pages and "49kbtpl" not in pages
    search = client.get("/recherche?q=onerror").get_data(as_text=True)
    assert "<mark>" in search and "onerror" in search
