"""``/flux.atom``: a valid Atom 1.0 document (RFC 4287) of the latest published write-ups
matching the filters of ``/recherche``, whose texts stay text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from kb.opendata import feed as feed_module

NS = {"a": "http://www.w3.org/2005/Atom"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def get_feed(client, query: str = "") -> ET.Element:
    response = client.get("/flux.atom" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.data)


def text_of(element: ET.Element, path: str) -> str:
    found = element.find(path, NS)
    assert found is not None, f"missing {path}"
    return found.text or ""


def entry_titles(root: ET.Element) -> list[str]:
    return [text_of(entry, "a:title") for entry in root.findall("a:entry", NS)]


def assert_valid_atom(root: ET.Element) -> None:
    """The elements RFC 4287 requires, once each, with RFC 3339 dates and absolute IRIs."""
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"a:{name}", NS)) == 1
    assert RFC3339.match(text_of(root, "a:updated"))
    rels = {link.get("rel"): link.get("href") for link in root.findall("a:link", NS)}
    assert rels["self"].startswith("http://localhost/flux.atom")
    assert rels["alternate"].startswith("http://localhost/recherche")
    assert text_of(root, "a:id") == rels["self"]
    for entry in root.findall("a:entry", NS):
        for name in ("id", "title", "updated", "published", "summary"):
            assert len(entry.findall(f"a:{name}", NS)) == 1, name
        assert RFC3339.match(text_of(entry, "a:updated"))
        assert RFC3339.match(text_of(entry, "a:published"))
        assert re.match(r"^http://localhost/experiences/\d+$", text_of(entry, "a:id"))
        link = entry.find("a:link[@rel='alternate']", NS)
        assert link is not None and link.get("href").startswith("http://localhost/experiences/")
        assert text_of(entry, "a:author/a:name")
        assert entry.find("a:title", NS).get("type") == "text"
        assert entry.find("a:summary", NS).get("type") == "text"
        for category in entry.findall("a:category", NS):
            assert category.get("term") and category.get("label")


def test_feed_is_valid_atom_with_latest_published_first(client, corpus):
    root = get_feed(client)
    assert_valid_atom(root)
    assert entry_titles(root) == [corpus[k].title for k in ("robots", "ent", "tablettes")]
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert "toutes les fiches" in text_of(root, "a:title")
    assert "Licence Ouverte" in text_of(root, "a:rights")


def test_entry_carries_author_dates_categories_and_summary(client, corpus):
    root = get_feed(client, "?theme=equipement")
    (entry,) = root.findall("a:entry", NS)
    experience = corpus["tablettes"]
    assert text_of(entry, "a:id") == f"http://localhost/experiences/{experience.id}"
    assert entry.find("a:link", NS).get("href") == \
        f"http://localhost/experiences/{experience.id}-tablettes"
    assert text_of(entry, "a:published") == "2023-05-02T09:00:00Z"
    assert text_of(entry, "a:author/a:name") == experience.organisation.name
    assert [c.get("term") for c in entry.findall("a:category", NS)] == ["equipement",
                                                                        "formation"]
    assert entry.findall("a:category", NS)[1].get("label") == \
        "Formation et accompagnement des enseignants"
    assert text_of(entry, "a:summary") == "Six écoles équipées de classes mobiles."


@pytest.mark.parametrize(("query", "expected"), [
    ("?theme=ent&theme=programmation", ["robots", "ent"]),
    ("?departement=23", ["ent", "tablettes"]),
    ("?departement=23&niveau=college", ["ent"]),
    ("?q=robots", ["robots"]),
    ("?q=écoles&tri=budget&page=4", ["robots", "tablettes"]),  # tri, page: ignored
    ("?annee=2023", ["tablettes"]),
    ("?theme=evaluation", []),
])
def test_feed_takes_the_filters_of_the_search(client, corpus, query, expected):
    root = get_feed(client, query)
    assert_valid_atom(root)
    assert entry_titles(root) == [corpus[name].title for name in expected]


def test_feed_links_and_title_describe_the_search(client, corpus):
    root = get_feed(client, "?q=tablettes&departement=23&page=2")
    rels = {link.get("rel"): link.get("href") for link in root.findall("a:link", NS)}
    assert rels["self"] == "http://localhost/flux.atom?q=tablettes&departement=23"
    assert rels["alternate"] == "http://localhost/recherche?q=tablettes&departement=23"
    assert text_of(root, "a:title").endswith(
        "«\u00a0tablettes\u00a0» ; Département\u00a0: Creuse (23)"
    )


def test_feed_holds_published_write_ups_only_and_no_personal_data(client, corpus, secrets_of):
    response = client.get("/flux.atom?q=tablettes")
    root = ET.fromstring(response.data)
    assert entry_titles(root) == [corpus["tablettes"].title]
    text = response.get_data(as_text=True)
    for secret in secrets_of:
        assert secret not in text


def test_markup_in_titles_and_summaries_stays_text(client, create_experience):
    title = "<script>alert('titre')</script> & <b>gras</b>"
    summary = "<img src=x onerror=alert(1)> résumé ]]> fin"
    create_experience(title=title, summary=summary)
    response = client.get("/flux.atom")
    raw = response.get_data(as_text=True)
    assert "<script>" not in raw and "<img" not in raw and "<b>" not in raw
    assert "&lt;script&gt;" in raw
    (entry,) = ET.fromstring(response.data).findall("a:entry", NS)
    assert text_of(entry, "a:title") == title
    assert text_of(entry, "a:summary") == summary


def test_characters_xml_forbids_are_dropped(client, create_experience):
    create_experience(title="Titre avec\x0b contrôles\x1f\x08", summary="")
    root = get_feed(client)
    assert_valid_atom(root)
    assert entry_titles(root) == ["Titre avec contrôles"]


def test_empty_summary_falls_back_to_the_context_as_text(client, create_experience):
    create_experience(summary="", context="Un **contexte** & <b>du</b> [Markdown](https://e.fr).")
    (entry,) = get_feed(client).findall("a:entry", NS)
    assert text_of(entry, "a:summary") == "Un contexte & du Markdown."


def test_feed_holds_at_most_the_latest_entries(client, create_experience, publish_at,
                                                monkeypatch):
    monkeypatch.setattr(feed_module, "FEED_SIZE", 3)
    start = datetime(2024, 1, 1)
    for day in range(5):
        publish_at(create_experience(title=f"Jour {day}"), start + timedelta(days=day))
    root = get_feed(client)
    assert entry_titles(root) == ["Jour 4", "Jour 3", "Jour 2"]
    assert text_of(root, "a:updated") >= "2024-01-05T00:00:00Z"


def test_feed_size_is_fifty():
    assert feed_module.FEED_SIZE == 50


def test_unknown_filter_code_is_refused(client, corpus):
    response = client.get("/flux.atom?theme=licorne")
    assert response.status_code == 400
    assert "theme" in response.get_data(as_text=True)


def test_stale_index_entry_is_skipped_without_shrinking_the_feed(client, corpus, db_session,
                                                                 monkeypatch):
    """A write-up unpublished while the index still holds it never shows, and the feed still
    gets its full count from the next matches."""
    assert entry_titles(get_feed(client, "?q=écoles")) == [corpus["robots"].title,
                                                            corpus["tablettes"].title]
    corpus["robots"].state = "archivee"  # no outbox row: the index keeps it for now
    db_session.commit()
    monkeypatch.setattr(feed_module, "FEED_SIZE", 1)
    assert entry_titles(get_feed(client, "?q=écoles")) == [corpus["tablettes"].title]
