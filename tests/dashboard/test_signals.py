"""Signals on published write-ups: *Intéressé*, *Nous l'avons fait aussi*, *Signaler*."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import Forbidden

from kb.experiences.models import Interest, Replication, Report


def count(db_session, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db_session.scalar(query)


SIGNAL_POSTS = [
    ("/experiences/{id}/interet", {}),
    ("/experiences/{id}/nous-l-avons-fait-aussi", {"replica_id": "1"}),
    ("/experiences/{id}/signaler", {"kind": "erreur", "comment": "Chiffre faux"}),
]


@pytest.mark.parametrize(("path", "data"), SIGNAL_POSTS)
def test_anonymous_signal_is_sent_to_sign_in_and_saves_nothing(
    client, db_session, create_experience, login_view, path, data
):
    experience = create_experience()
    response = client.post(path.format(id=experience.id), data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(login_view)
    assert count(db_session, Interest) == count(db_session, Report) == 0


@pytest.mark.parametrize(("path", "data"), SIGNAL_POSTS)
@pytest.mark.parametrize("state", ["brouillon", "soumise", "archivee"])
def test_signal_on_unpublished_write_up_is_404(
    client, create_experience, sign_in, path, data, state
):
    experience = create_experience(state=state)
    sign_in("contributeur")
    assert client.post(path.format(id=experience.id), data=data).status_code == 404


def test_signal_on_unknown_write_up_is_404(client, sign_in):
    sign_in("contributeur")
    assert client.post("/experiences/999999/interet").status_code == 404


# --------------------------------------------------------------------------- interest


def test_interest_toggles_on_and_off(client, db_session, create_experience, sign_in, show_url):
    experience = create_experience()
    user = sign_in("contributeur")
    response = client.post(f"/experiences/{experience.id}/interet")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(show_url(experience) + "#signaux")
    assert count(db_session, Interest, user_id=user.id, experience_id=experience.id) == 1
    client.post(f"/experiences/{experience.id}/interet")
    assert count(db_session, Interest, experience_id=experience.id) == 0


def test_interested_partner_sees_the_withdraw_button(
    client, create_experience, sign_in, show_url
):
    experience = create_experience()
    sign_in("analyste")
    assert "Intéressé</button>" in client.get(show_url(experience)).text
    client.post(f"/experiences/{experience.id}/interet")
    page = client.get(show_url(experience)).text
    assert "Intéressé — retirer" in page
    assert "1 partenaire intéressé" in page


def test_authors_cannot_declare_interest_in_their_own_write_up(
    client, db_session, create_experience, create_organisation, sign_in
):
    organisation = create_organisation()
    experience = create_experience(organisation=organisation)
    sign_in("contributeur", organisation=organisation)
    assert client.post(f"/experiences/{experience.id}/interet").status_code == 403
    assert count(db_session, Interest) == 0


def test_authors_see_the_count_and_who_is_interested(
    client, create_experience, create_organisation, create_user, sign_in, sign_out, show_url
):
    organisation = create_organisation(name="Ville de Guéret")
    experience = create_experience(organisation=organisation)
    partner_org = create_organisation(name="Communauté de communes du Pays Dunois")
    partner = create_user("contributeur", organisation=partner_org)
    sign_in(user=partner)
    client.post(f"/experiences/{experience.id}/interet")

    sign_out()
    anonymous_page = client.get(show_url(experience)).text
    assert "1 partenaire intéressé" in anonymous_page
    assert "Pays Dunois" not in anonymous_page

    sign_in("contributeur", organisation=organisation)
    author_page = client.get(show_url(experience)).text
    assert "Qui est intéressé" in author_page
    assert "Communauté de communes du Pays Dunois" in author_page


def test_interest_toggle_requires_the_csrf_token(
    csrf_app, db_session, create_user, create_experience
):
    experience = create_experience()
    user = create_user("contributeur")
    client = csrf_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
    assert client.post(f"/experiences/{experience.id}/interet").status_code == 400
    assert count(db_session, Interest) == 0


# --------------------------------------------------------------------------- replication


@pytest.fixture
def two_organisations(create_organisation, create_experience):
    """A source write-up in Guéret and a partner commune with its own published write-up."""
    source_org = create_organisation(name="Ville de Guéret", territory_code="C23096")
    partner_org = create_organisation(name="Ville de Tulle", territory_code="C19272")
    source = create_experience(title="Tablettes à Guéret", organisation=source_org)
    replica = create_experience(
        title="Tablettes à Tulle", organisation=partner_org, territory_code="C19272",
        slug="tablettes-a-tulle",
    )
    return source, replica, partner_org


def test_partner_links_own_write_up_as_replication_shown_on_both_pages(
    client, db_session, two_organisations, sign_in, show_url, outbox_count
):
    source, replica, partner_org = two_organisations
    sign_in("contributeur", organisation=partner_org)
    form = client.get(f"/experiences/{source.id}/nous-l-avons-fait-aussi")
    assert form.status_code == 200
    assert "Tablettes à Tulle" in form.text
    before = outbox_count(source.id)

    response = client.post(
        f"/experiences/{source.id}/nous-l-avons-fait-aussi", data={"replica_id": replica.id}
    )
    assert response.status_code == 302
    assert count(db_session, Replication, source_id=source.id, replica_id=replica.id) == 1
    assert outbox_count(source.id) == before + 1
    assert "Tablettes à Tulle" in client.get(show_url(source)).text
    assert "Tablettes à Guéret" in client.get(show_url(replica)).text


def test_cannot_replicate_with_another_organisations_write_up(
    client, db_session, two_organisations, create_experience, create_organisation, sign_in
):
    source, _replica, partner_org = two_organisations
    stranger = create_experience(
        title="Fiche d'un tiers", organisation=create_organisation(), slug="tiers"
    )
    sign_in("contributeur", organisation=partner_org)
    response = client.post(
        f"/experiences/{source.id}/nous-l-avons-fait-aussi", data={"replica_id": stranger.id}
    )
    assert response.status_code == 400
    assert "Choisissez l&#39;une des fiches publiées de votre organisation." in response.text
    assert count(db_session, Replication) == 0


def test_cannot_replicate_with_own_unpublished_write_up(
    client, db_session, two_organisations, create_experience, sign_in
):
    source, _replica, partner_org = two_organisations
    draft = create_experience(organisation=partner_org, state="brouillon", slug="brouillon")
    sign_in("contributeur", organisation=partner_org)
    response = client.post(
        f"/experiences/{source.id}/nous-l-avons-fait-aussi", data={"replica_id": draft.id}
    )
    assert response.status_code == 400
    assert count(db_session, Replication) == 0


def test_authors_cannot_replicate_their_own_write_up(client, two_organisations, sign_in):
    source, _replica, _partner = two_organisations
    sign_in("contributeur", organisation=source.organisation)
    assert client.get(f"/experiences/{source.id}/nous-l-avons-fait-aussi").status_code == 403


def test_replication_operation_refuses_a_replica_the_user_did_not_file(
    app, two_organisations, create_user, create_organisation
):
    from kb.dashboard.signals import replication_create

    source, replica, _partner = two_organisations
    outsider = create_user("contributeur", organisation=create_organisation())
    with app.test_request_context(), pytest.raises(Forbidden):
        replication_create(source, replica, outsider)


def test_a_replication_started_before_its_source_asks_for_confirmation(
    client, db_session, two_organisations, sign_in, text_of
):
    """Issue 15: « Nous l'avons fait aussi » with a replica that started before the original
    is a warning to confirm (the choice is kept), not a silent link nor a refusal."""
    from datetime import date

    source, replica, partner_org = two_organisations
    source.start_month, replica.start_month = date(2020, 9, 1), date(2019, 1, 1)
    db_session.commit()
    sign_in("contributeur", organisation=partner_org)
    url = f"/experiences/{source.id}/nous-l-avons-fait-aussi"
    warned = client.post(url, data={"replica_id": replica.id})
    assert warned.status_code == 422
    page = text_of(warned)
    assert "Votre projet « Tablettes à Tulle » a commencé en janvier 2019, avant celui-ci " \
           "(septembre 2020)" in page
    assert f'<option value="{replica.id}" selected>' in warned.text  # the choice is kept
    assert f'name="confirm_early_start" value="{replica.id}"' in warned.text
    assert count(db_session, Replication) == 0
    wrong_confirmation = client.post(url, data={"replica_id": replica.id,
                                                "confirm_early_start": "999999"})
    assert wrong_confirmation.status_code == 422 and count(db_session, Replication) == 0
    confirmed = client.post(url, data={"replica_id": replica.id,
                                       "confirm_early_start": str(replica.id)})
    assert confirmed.status_code == 302
    assert count(db_session, Replication, source_id=source.id, replica_id=replica.id) == 1


def test_a_replication_started_after_or_without_dates_is_linked_at_once(
    client, db_session, two_organisations, sign_in
):
    from datetime import date

    source, replica, partner_org = two_organisations
    source.start_month, replica.start_month = date(2020, 9, 1), date(2020, 9, 1)
    db_session.commit()
    sign_in("contributeur", organisation=partner_org)
    response = client.post(f"/experiences/{source.id}/nous-l-avons-fait-aussi",
                           data={"replica_id": replica.id})
    assert response.status_code == 302
    assert count(db_session, Replication) == 1


def test_the_operation_itself_refuses_an_unconfirmed_early_replication(
    app, db_session, two_organisations, create_user
):
    from datetime import date

    from kb.dashboard.signals import EarlyReplication, replication_create

    source, replica, partner_org = two_organisations
    source.start_month, replica.start_month = date(2021, 3, 1), date(2020, 3, 1)
    db_session.commit()
    partner = create_user("contributeur", organisation=partner_org)
    with app.test_request_context():
        with pytest.raises(EarlyReplication, match="mars 2020, avant celui-ci"):
            replication_create(source, replica, partner)
        assert replication_create(source, replica, partner, confirmed_early_start=True)


def test_partner_without_published_write_up_is_invited_to_file_one(
    client, two_organisations, sign_in
):
    source, _replica, _partner = two_organisations
    sign_in("analyste")  # no organisation, hence no write-up of their own
    page = client.get(f"/experiences/{source.id}/nous-l-avons-fait-aussi").text
    assert "pas encore de fiche publiée" in page


# --------------------------------------------------------------------------- reports


def test_report_reaches_the_moderators_open_reports(
    app, client, db_session, create_experience, sign_in
):
    from kb.dashboard.signals import open_reports, open_reports_count, report_resolve

    experience = create_experience()
    user = sign_in("contributeur")
    response = client.post(
        f"/experiences/{experience.id}/signaler",
        data={"kind": "obsolete", "comment": "Le projet a été arrêté en 2023."},
    )
    assert response.status_code == 302
    reports = open_reports()
    assert [(r.experience_id, r.user_id, r.kind) for r in reports] == [
        (experience.id, user.id, "obsolete")
    ]
    assert reports[0].comment == "Le projet a été arrêté en 2023."
    assert open_reports_count() == 1
    report_resolve(reports[0], user)
    db_session.commit()
    assert open_reports() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "erreur", "comment": "  "}, "Expliquez en quelques mots"),
        ({"comment": "Faux"}, "Choisissez le motif du signalement."),
        ({"kind": "spam", "comment": "Faux"}, "Choisissez le motif du signalement."),
    ],
)
def test_refused_report_is_shown_again_with_french_message(
    client, db_session, create_experience, sign_in, data, message
):
    experience = create_experience()
    sign_in("contributeur")
    response = client.post(f"/experiences/{experience.id}/signaler", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert count(db_session, Report) == 0


def test_report_form_keeps_what_was_typed(client, create_experience, sign_in):
    experience = create_experience()
    sign_in("contributeur")
    response = client.post(
        f"/experiences/{experience.id}/signaler", data={"comment": "<b>Texte gardé</b>"}
    )
    assert "&lt;b&gt;Texte gardé&lt;/b&gt;" in response.text
    assert "<b>Texte gardé</b>" not in response.text


def test_report_page_is_in_french_with_one_h1(client, create_experience, sign_in):
    experience = create_experience(title="Tablettes")
    sign_in("contributeur")
    page = client.get(f"/experiences/{experience.id}/signaler").text
    main = page[page.index("<main"):page.index("</main>")]
    assert main.count("<h1") == 1
    assert "<title>Signaler cette fiche — Tablettes — " in page
    for label in ("Information obsolète", "Information erronée", "Doublon d&#39;une autre fiche"):
        assert label in page


def test_signals_panel_is_only_on_published_write_ups(
    client, create_experience, create_organisation, sign_in, show_url
):
    organisation = create_organisation()
    draft = create_experience(organisation=organisation, state="brouillon", slug="brouillon")
    published = create_experience(organisation=organisation, slug="publiee")
    sign_in("contributeur", organisation=organisation)
    assert 'id="signaux"' not in client.get(show_url(draft)).text
    page = client.get(show_url(published)).text
    assert 'id="signaux"' in page
    assert "Nous l&#39;avons fait aussi" not in page  # not on their own write-up
    assert f'href="/experiences/{published.id}/signaler"' in page


def test_anonymous_visitor_is_invited_to_sign_in_from_the_panel(
    client, create_experience, show_url
):
    page = client.get(show_url(create_experience())).text
    panel = page[page.index('id="signaux"'):]
    assert "Connectez-vous</a> pour vous déclarer intéressé" in panel
    assert "<form" not in panel[:panel.index("</section>")]
