"""What link previews and search engines read (issue 15 point 11): meta description and
OpenGraph tags on write-ups; the search page announces the Atom feed of its own filters."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class HeadTags(HTMLParser):
    """The <meta> and <link> tags of a page, as attribute dicts."""

    def __init__(self):
        super().__init__()
        self.metas: dict[str, str] = {}
        self.links: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta" and ("property" in attributes or "name" in attributes):
            self.metas[attributes.get("property") or attributes["name"]] = attributes["content"]
        elif tag == "link":
            self.links.append(attributes)


def head_of(response) -> HeadTags:
    parser = HeadTags()
    parser.feed(response.get_data(as_text=True))
    return parser


def test_a_write_up_has_its_description_and_opengraph_tags(client, create_experience):
    summary = ("Six écoles équipées de classes mobiles : « 1 tablette pour 2 élèves », "
               "des enseignants formés & un suivi sur trois ans.\n" + "Puis " * 60)
    experience = create_experience(title="Des tablettes pour Guéret", summary=summary,
                                   slug="tablettes-gueret", themes=("equipement",))
    head = head_of(client.get(f"/experiences/{experience.id}-tablettes-gueret"))
    url = f"http://localhost/experiences/{experience.id}-tablettes-gueret"
    description = head.metas["description"]
    assert description.startswith("Six écoles équipées de classes mobiles : « 1 tablette pour "
                                  "2 élèves », des enseignants formés & un suivi")
    assert len(description) <= 200 and description.endswith("…") and "\n" not in description
    assert head.metas["og:title"] == "Des tablettes pour Guéret"
    assert head.metas["og:description"] == description
    assert head.metas["og:type"] == "article" and head.metas["og:locale"] == "fr_FR"
    assert head.metas["og:url"] == url
    assert head.metas["og:site_name"] == "Base d'expériences du numérique éducatif"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", head.metas["article:published_time"])
    assert head.metas["article:section"] == "Équipement des écoles et établissements"
    assert {"rel": "canonical", "href": url} in head.links
    assert "robots" not in head.metas


def test_a_draft_asks_not_to_be_indexed(client, create_experience, login_as):
    author = login_as("contributeur")
    draft = create_experience(state="brouillon", organisation=author.organisation,
                              slug="brouillon")
    head = head_of(client.get(f"/experiences/{draft.id}-brouillon"))
    assert head.metas["robots"] == "noindex"


def test_other_pages_keep_the_site_description(client):
    head = head_of(client.get("/"))
    assert head.metas["description"].startswith("Les projets numériques éducatifs")
    assert "og:title" not in head.metas


def _feed_links(response) -> list[dict]:
    return [link for link in head_of(response).links
            if link.get("type") == "application/atom+xml"]


def test_the_search_page_announces_the_feed_of_its_filters(client, create_experience):
    create_experience()
    (feed,) = _feed_links(client.get(
        "/recherche?q=tablettes&theme=equipement&departement=23&tri=date&page=1"))
    assert feed["href"] == "/flux.atom?q=tablettes&theme=equipement&departement=23&tri=date"
    assert feed["title"] == "Fiches publiées de cette recherche"
    (plain,) = _feed_links(client.get("/recherche"))
    assert plain["href"] == "/flux.atom" and plain["title"] == "Dernières fiches publiées"
    (home,) = _feed_links(client.get("/"))
    assert home["href"] == "/flux.atom"


def test_the_announced_feed_holds_the_same_write_ups(client, create_experience):
    create_experience(title="Tablettes en Creuse", territory_code="C23096", slug="creuse")
    create_experience(title="Tablettes en Gironde", territory_code="C33063", slug="gironde")
    (feed,) = _feed_links(client.get("/recherche?departement=23"))
    atom = client.get(feed["href"]).get_data(as_text=True)
    assert "Tablettes en Creuse" in atom and "Tablettes en Gironde" not in atom
