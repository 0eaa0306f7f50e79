"""Dashboard (issue 15 point 12): labelled practices show their adoption counts; every derived
figure has one decimal; the theme × région table is a named, focusable scrolling region."""

from __future__ import annotations

import re
from datetime import datetime

from kb.experiences.models import Label, Replication
from kb.web import format_euros_ratio, format_ratio


def _practice_row(page: str, experience_id: int) -> str:
    return re.search(rf'<tr data-practice="{experience_id}">(.*?)</tr>', page, re.S)[1]


def test_labelled_practices_show_their_adoptions(client, db_session, create_experience):
    practice = create_experience(title="Classes mobiles", slug="classes")
    quiet = create_experience(title="Pratique sans reprise", slug="quiet",
                              territory_code="C33063")
    replicas = [create_experience(title=f"Reprise {n}", slug=f"r{n}", territory_code=code)
                for n, code in enumerate(("C19272", "C29019", "C75056", "C87085"))]
    replicas[3].state = "brouillon"  # unpublished replicas do not count
    label = Label(experience_id=practice.id, justification="À essaimer")
    db_session.add_all([label, Label(experience_id=quiet.id, justification="Aussi")])
    db_session.flush()
    label.created_at = datetime(2024, 6, 1)
    for replica, when in zip(replicas, (datetime(2024, 1, 1), datetime(2024, 7, 1),
                                        datetime(2025, 2, 1), datetime(2025, 3, 1)),
                             strict=True):
        db_session.add(Replication(source_id=practice.id, replica_id=replica.id,
                                   created_at=when))
    db_session.commit()
    page = client.get("/tableau-de-bord").text
    assert "<th scope=\"col\">Reprises</th>" in page
    row = re.sub(r"<[^>]+>", "", _practice_row(page, practice.id))
    assert "3 reprises, dont 2 depuis le label" in row
    assert "Aucune reprise" in re.sub(r"<[^>]+>", "", _practice_row(page, quiet.id))


def test_derived_figures_have_one_decimal():
    assert format_ratio(0.3456) == "0,3" and format_ratio(12) == "12,0"
    assert format_ratio(12500.26) == "12\u202f500,3"
    assert format_ratio(0) == "0,0" and format_ratio(0.05) == "0,1"


def test_a_small_rate_never_reads_zero():
    assert format_ratio(32 * 100_000 / 68_000_000) == "0,047"
    assert format_ratio(0.00123) == "0,0012" and format_ratio(0.0449) == "0,045"
    assert format_euros_ratio(132.75) == "132,8\u00a0€"
    assert format_euros_ratio(None) == "—"


def test_the_dashboard_and_territory_figures_use_one_decimal(client, create_experience):
    create_experience(budget_eur=1000, pupils=3, slug="a")  # 333,33… € per pupil
    page = client.get("/tableau-de-bord").text
    cost = re.search(r'tri=budget">[^<]+</a></th><td>([^<]+)</td>', page)[1]
    assert cost == "333,3\u00a0€"
    territory = client.get("/territoires/D23").text
    rates = re.findall(r"<td>(\d[\d\u202f]*,\d+)</td>", territory)
    # One decimal; a rate below 0,05 (one write-up for a région, for France) two significant
    # digits, never « 0,0 ».
    assert rates and all(re.fullmatch(r"[\d\u202f]+,\d|0,0*[1-9]\d", rate)
                         for rate in rates), rates
    assert "0,0" not in rates


def test_cost_per_pupil_on_a_write_up_has_one_decimal(client, create_experience):
    experience = create_experience(budget_eur=1000, pupils=3, slug="cout")
    page = client.get(f"/experiences/{experience.id}-cout").text
    assert "<dt>Coût par élève</dt><dd>333,3\u00a0€</dd>" in page


def test_the_theme_region_table_is_a_named_focusable_region(client, create_experience):
    create_experience()
    page = client.get("/tableau-de-bord").text
    container = re.search(r'<div class="fr-table__container" id="defilement-themes-regions"'
                          r'([^>]*)>', page)[1]
    assert 'role="region"' in container and 'tabindex="0"' in container
    assert 'aria-labelledby="legende-themes-regions"' in container
    assert '<caption id="legende-themes-regions">' in page
