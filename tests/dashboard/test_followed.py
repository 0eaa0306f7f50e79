"""« Mes fiches suivies » on /compte (issue 15 point 11): the write-ups a partner marked
« Intéressé », their own only, published only, the most recently marked first."""

from __future__ import annotations

from datetime import datetime

from kb.experiences.models import Interest


def _section(page: str) -> str:
    start = page.index('id="fiches-suivies"')
    return page[start:page.index("</section>", start)]


def test_followed_write_ups_are_listed_on_the_account_page(client, db_session, sign_in,
                                                            create_experience, text_of):
    first = create_experience(title="Tablettes à Guéret", slug="tablettes")
    second = create_experience(title="Fibre à Gentioux", slug="fibre", territory_code="C23090")
    create_experience(title="Une fiche non suivie", slug="autre")
    user = sign_in("contributeur")
    client.post(f"/experiences/{first.id}/interet")
    client.post(f"/experiences/{second.id}/interet")
    db_session.query(Interest).filter_by(experience_id=first.id).update(
        {"created_at": datetime(2024, 3, 1, 10, 0)})
    db_session.commit()
    section = _section(text_of(client.get("/compte")))
    assert "Mes fiches suivies" in section and "2 fiches marquées" in section
    assert section.index("Fibre à Gentioux") < section.index("Tablettes à Guéret")
    assert f'href="/experiences/{first.id}-tablettes"' in section
    assert "suivie depuis le 1er mars 2024" in section
    assert "Une fiche non suivie" not in section
    assert user.id


def test_withdrawn_interest_and_unpublished_write_ups_leave_the_list(
        client, db_session, sign_in, create_experience, text_of):
    kept = create_experience(title="Suivie puis archivée", slug="archivee")
    dropped = create_experience(title="Suivie puis retirée", slug="retiree")
    sign_in("contributeur")
    client.post(f"/experiences/{kept.id}/interet")
    client.post(f"/experiences/{dropped.id}/interet")
    client.post(f"/experiences/{dropped.id}/interet")  # withdrawn
    kept.state = "archivee"
    db_session.commit()
    section = _section(text_of(client.get("/compte")))
    assert "Suivie puis archivée" not in section and "Suivie puis retirée" not in section
    assert "Vous ne suivez aucune fiche" in section


def test_each_partner_sees_only_their_own_followed_write_ups(
        client, db_session, sign_in, sign_out, create_experience, text_of):
    experience = create_experience(title="Suivie par un autre", slug="autre")
    sign_in("contributeur")
    client.post(f"/experiences/{experience.id}/interet")
    sign_out()
    sign_in("analyste")
    assert "Suivie par un autre" not in _section(text_of(client.get("/compte")))
    sign_out()
    assert client.get("/compte").status_code == 302  # sign in first
