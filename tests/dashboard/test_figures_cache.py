"""Aggregate figures are kept per process until the published write-ups change: a publish, an
archive or an edit shows at once on the dashboard, the territory pages and the home page."""

from __future__ import annotations

import html
import re

from kb.dashboard.cache import cached, data_version


def _equipement_in_creuse(client) -> str:
    page = client.get("/territoires/D23").text
    row = re.search(r'<tr data-theme="equipement">(.*?)</tr>', page, re.S).group(1)
    return re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", row, re.S)[0]).strip()


def _creuse_on_the_map(client) -> str:
    page = client.get("/tableau-de-bord").text
    return re.search(r"Creuse \(23\)\u00a0: ([^<\"]+)", page).group(1)


def test_a_change_shows_at_once(client, create_experience, create_user, db_session):
    from kb.db import commit
    from kb.experiences import operations

    first = create_experience(territory_code="D23", themes=("equipement",), slug="a")
    assert _equipement_in_creuse(client) == "1"
    assert _creuse_on_the_map(client) == "1 fiche publiée"
    create_experience(territory_code="C23096", themes=("equipement",), slug="b")
    assert _equipement_in_creuse(client) == "2"
    assert _creuse_on_the_map(client) == "2 fiches publiées"
    operations.archive_experience(first, create_user(role="moderateur"))
    commit()
    assert _equipement_in_creuse(client) == "1"
    assert _creuse_on_the_map(client) == "1 fiche publiée"


def test_home_figures_follow_publishing_and_labelling(client, create_experience, create_user):
    from kb.dashboard.signals import label_set
    from kb.db import commit

    create_experience(territory_code="D23", pupils=100, slug="a")
    assert "1 fiche d'expérience publiée" in _text(client.get("/").text)
    second = create_experience(territory_code="D33", pupils=50, slug="b")
    home = _text(client.get("/").text)
    assert "2 fiches d'expérience publiées" in home and "2 départements représentés" in home
    assert "150 élèves concernés" in home and "0 pratique à essaimer" in home
    label_set(second, create_user(role="analyste"), "À reproduire.")
    commit()
    assert "1 pratique à essaimer" in _text(client.get("/").text)


def _text(page: str) -> str:
    """The page's text, spaces (non-breaking ones included) collapsed."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def test_the_same_data_version_computes_once(app, create_experience):
    calls = []

    def compute(theme):
        calls.append(theme)
        return len(calls)

    with app.test_request_context():
        assert cached("test", compute, "ent") == 1
        assert cached("test", compute, "ent") == 1 and calls == ["ent"]
        assert cached("test", compute, "formation") == 2  # other arguments, other entry
        before = data_version()
        create_experience()  # published: an outbox row
        assert data_version() > before
        assert cached("test", compute, "ent") == 3
