"""``/admin``: accounts (approve, refuse, role, disable), organisations (list, search, create,
edit, merge duplicates, delete unused) and vocabularies (labels editable, codes fixed)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.accounts.models import Organisation, OrganisationMembership, User
from kb.experiences.models import CoFiler, Experience, VocabularyTerm

ADMIN_PAGES = ["/admin/", "/admin/comptes", "/admin/organisations",
               "/admin/organisations/nouvelle", "/admin/vocabulaires"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_are_for_admins_only(app, login_as, url):
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    for role in ("contributeur", "moderateur", "analyste"):
        visitor = app.test_client()
        login_as(role, test_client=visitor)
        assert visitor.get(url).status_code == 403, role
    admin = app.test_client()
    login_as("admin", test_client=admin)
    assert admin.get(url).status_code == 200


def test_admin_actions_are_for_admins_only(app, client, login_as, create_user,
                                           create_organisation, db_session):
    target = create_user()
    organisation = create_organisation()
    login_as("moderateur")
    for url in (f"/admin/comptes/{target.id}/desactiver", f"/admin/comptes/{target.id}",
                f"/admin/comptes/{target.id}/approuver",
                f"/admin/organisations/{organisation.id}/supprimer",
                f"/admin/organisations/{organisation.id}/fusionner", "/admin/vocabulaires/theme"):
        assert client.post(url, data={"role": "admin"}).status_code == 403, url
    db_session.expire_all()
    assert target.active and db_session.get(Organisation, organisation.id) is not None


def test_an_admin_changes_a_role_and_an_organisation(client, login_as, create_user,
                                                     create_organisation, db_session, text_of):
    login_as("admin")
    user = create_user()
    other = create_organisation(name="Région Nouvelle-Aquitaine", kind="region",
                                territory_code="R75")
    response = client.post(f"/admin/comptes/{user.id}", data={
        "role": "moderateur", "organisation_id": str(other.id)}, follow_redirects=True)
    assert "Le compte est modifié." in text_of(response)
    db_session.expire_all()
    assert (user.role, user.organisation_id) == ("moderateur", other.id)
    refused = client.post(f"/admin/comptes/{user.id}", data={"role": "contributeur",
                                                             "organisation_id": ""})
    assert refused.status_code == 422
    assert "Un contributeur doit être rattaché à une organisation." in text_of(refused)


def test_an_admin_cannot_demote_or_disable_themselves(client, login_as, db_session, text_of):
    admin = login_as("admin")
    response = client.post(f"/admin/comptes/{admin.id}", data={"role": "analyste"})
    assert "Vous ne pouvez pas retirer votre propre rôle d'administrateur." in text_of(response)
    client.post(f"/admin/comptes/{admin.id}/desactiver")
    db_session.expire_all()
    assert (admin.role, admin.active) == ("admin", True)


def test_disabling_an_account_ends_its_sessions(app, client, login_as, create_user, db_session):
    login_as("admin")
    user = create_user()
    their_client = app.test_client()
    login_as(user=user, test_client=their_client)
    assert their_client.get("/compte").status_code == 200
    assert client.post(f"/admin/comptes/{user.id}/desactiver").status_code == 303
    assert their_client.get("/compte").status_code == 302
    assert client.post(f"/admin/comptes/{user.id}/reactiver").status_code == 303
    db_session.expire_all()
    assert user.active


def test_the_organisation_list_searches_names_without_accents(client, login_as,
                                                              create_organisation, text_of):
    login_as("admin")
    create_organisation(name="Ville de Guéret")
    create_organisation(name="Ville de Limoges", territory_code="C87085")
    page = text_of(client.get("/admin/organisations?q=gueret"))
    assert "Ville de Guéret" in page and "Ville de Limoges" not in page
    assert "1 organisation pour « gueret »" in page


def test_an_admin_creates_and_edits_an_organisation(client, login_as, db_session, outbox,
                                                    create_experience, text_of):
    login_as("admin")
    response = client.post("/admin/organisations/nouvelle", data={
        "name": "CA du Grand Guéret", "kind": "epci", "territory_code": "",
        "territory_code_search": "CA du Grand Guéret", "website": "https://www.agglo-grandgueret.fr"})
    assert response.status_code == 303
    organisation = db_session.scalars(select(Organisation)).one()
    assert (organisation.kind, organisation.territory_code) == ("epci", "E200034825")
    experience = create_experience(organisation=organisation)
    before = len(outbox())
    edited = client.post(f"/admin/organisations/{organisation.id}", data={
        "name": "Agglomération du Grand Guéret", "kind": "epci", "territory_code": "E200034825",
        "website": "ftp://nope"})
    assert edited.status_code == 422
    assert "L'adresse doit commencer par http:// ou https://." in text_of(edited)
    client.post(f"/admin/organisations/{organisation.id}", data={
        "name": "Agglomération du Grand Guéret", "kind": "epci", "territory_code": "E200034825"})
    db_session.expire_all()
    assert organisation.name == "Agglomération du Grand Guéret"
    assert outbox()[before:] == [(experience.id, "upsert")]  # the name shows in the index


def test_merging_moves_write_ups_accounts_cofilings_and_memberships(
        client, login_as, create_organisation, create_user, create_experience, db_session,
        outbox, text_of):
    login_as("admin")
    kept = create_organisation(name="Ville de Guéret")
    duplicate = create_organisation(name="Mairie de Guéret")
    third = create_organisation(name="Ville de Limoges", territory_code="C87085")
    association = create_organisation(name="AMF", kind="association-elus", territory_code=None)
    member = create_user(organisation=duplicate)
    filed = create_experience(organisation=duplicate, title="Déposée par le doublon")
    cofiled = create_experience(organisation=third, title="Co-déposée par le doublon")
    both = create_experience(organisation=third, title="Co-déposée par les deux")
    own = create_experience(organisation=kept, title="Co-déposée par le doublon chez l'autre")
    db_session.add_all([
        CoFiler(experience_id=cofiled.id, organisation_id=duplicate.id, role="Financeur"),
        CoFiler(experience_id=both.id, organisation_id=duplicate.id, role="A"),
        CoFiler(experience_id=both.id, organisation_id=kept.id, role="B"),
        CoFiler(experience_id=own.id, organisation_id=duplicate.id, role="C"),
        OrganisationMembership(member_id=duplicate.id, association_id=association.id),
    ])
    db_session.commit()
    before = len(outbox())

    confirmation = text_of(client.get(f"/admin/organisations/{duplicate.id}/fusionner",
                                      query_string={"target_id": kept.id}))
    assert "Fusionner « Mairie de Guéret » dans « Ville de Guéret »" in confirmation
    for line in ("1 fiche déposée", "3 co-dépôts", "1 compte", "1 adhésion",
                 "Déposée par le doublon", "Co-déposée par les deux", member.email):
        assert line in confirmation, line
    assert db_session.get(Organisation, duplicate.id) is not None  # a GET changes nothing

    response = client.post(f"/admin/organisations/{duplicate.id}/fusionner",
                           data={"target_id": str(kept.id), "confirmation": "oui"},
                           follow_redirects=True)
    assert "« Mairie de Guéret » est fusionnée dans « Ville de Guéret »." in text_of(response)

    db_session.expire_all()
    assert db_session.get(Organisation, duplicate.id) is None
    assert db_session.get(Experience, filed.id).organisation_id == kept.id
    assert db_session.get(User, member.id).organisation_id == kept.id
    cofilers = {(c.experience_id, c.organisation_id, c.role)
                for c in db_session.scalars(select(CoFiler))}
    assert cofilers == {(cofiled.id, kept.id, "Financeur"), (both.id, kept.id, "B")}
    memberships = {(m.member_id, m.association_id)
                   for m in db_session.scalars(select(OrganisationMembership))}
    assert memberships == {(kept.id, association.id)}
    assert sorted(outbox()[before:]) == sorted(
        (i, "upsert") for i in (filed.id, cofiled.id, both.id, own.id))


def test_an_organisation_cannot_be_merged_into_itself(client, login_as, create_organisation,
                                                      text_of):
    login_as("admin")
    organisation = create_organisation()
    for confirmation in ("", "oui"):
        response = client.post(f"/admin/organisations/{organisation.id}/fusionner",
                               data={"target_id": str(organisation.id),
                                     "confirmation": confirmation})
        assert response.status_code == 422
        assert "Choisissez une autre organisation que celle-ci." in text_of(response)
        missing = client.post(f"/admin/organisations/{organisation.id}/fusionner",
                              data={"confirmation": confirmation})
        assert missing.status_code == 422
        assert "Choisissez l'organisation à conserver." in text_of(missing)
    shown = client.get(f"/admin/organisations/{organisation.id}/fusionner?target_id=abc")
    assert shown.status_code == 422


def test_a_merge_target_typed_wrong_says_why(client, login_as, create_organisation, text_of):
    login_as("admin")
    duplicate = create_organisation(name="Mairie de Saint-Denis", territory_code="C93066")
    create_organisation(name="Ville de Saint-Denis", territory_code="C93066")
    create_organisation(name="Ville de Saint-Denis", territory_code="C97411")
    for typed, message in (("Ville de Saint-Denys", "Organisation introuvable"),
                           ("Ville de Saint-Denis", "Plusieurs organisations s'appellent")):
        response = client.post(f"/admin/organisations/{duplicate.id}/fusionner",
                               data={"target_search": typed})
        assert response.status_code == 422
        assert message in text_of(response)
    chosen = client.post(f"/admin/organisations/{duplicate.id}/fusionner", data={
        "target_search": "Ville de Saint-Denis (Commune — Saint-Denis (974))"})
    assert chosen.status_code == 200 and "Confirmer la fusion" in text_of(chosen)


def test_a_merge_is_never_one_click(client, login_as, create_organisation, db_session,
                                    text_of):
    """Issue 15: posting the choice without the confirmation shows the confirmation page and
    changes nothing."""
    login_as("admin")
    kept, duplicate = create_organisation(name="Ville de Tulle"), create_organisation(
        name="Mairie de Tulle")
    response = client.post(f"/admin/organisations/{duplicate.id}/fusionner",
                           data={"target_id": str(kept.id)})
    assert response.status_code == 200
    page = text_of(response)
    assert "Cette fusion est définitive" in page and "Confirmer la fusion" in page
    assert 'name="confirmation" value="oui"' in page
    db_session.expire_all()
    assert db_session.get(Organisation, duplicate.id) is not None


def test_a_merge_is_recorded_and_the_old_public_address_redirects(
        app, client, login_as, create_organisation, create_user, create_experience, db_session,
        text_of):
    from kb.accounts.models import OrganisationMerge

    admin = login_as("admin")
    kept = create_organisation(name="Ville d'Aubusson")
    duplicate = create_organisation(name="Mairie d'Aubusson")
    create_user(organisation=duplicate)
    create_experience(organisation=duplicate, title="Tapisserie numérique")
    old_page = f"/organisations/{duplicate.id}"
    assert client.get(old_page).status_code == 200
    client.post(f"/admin/organisations/{duplicate.id}/fusionner",
                data={"target_id": str(kept.id), "confirmation": "oui"})

    record = db_session.scalars(select(OrganisationMerge)).one()
    assert (record.from_id, record.from_name, record.from_slug) == (
        duplicate.id, "Mairie d'Aubusson", "mairie-d-aubusson")
    assert (record.into_id, record.merged_by_id) == (kept.id, admin.id)
    assert record.merged_at is not None
    assert (record.experiences_moved, record.accounts_moved, record.cofilings_moved,
            record.memberships_moved) == (1, 1, 0, 0)

    anonymous = app.test_client()
    moved = anonymous.get(old_page + "?page=2")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/organisations/{kept.id}?page=2"
    assert "Tapisserie numérique" in text_of(anonymous.get(f"/organisations/{kept.id}"))
    assert anonymous.get("/organisations/999999").status_code == 404
    admin_page = text_of(client.get(f"/admin/organisations/{kept.id}"))
    assert "« Mairie d'Aubusson »" in admin_page and "1 fiche, 0 co-dépôt, 1 compte" in admin_page


def test_a_merged_organisations_old_address_follows_a_later_merge(
        app, client, login_as, create_organisation, db_session):
    """A merged into B, then B into C: A's old address goes straight to C."""
    login_as("admin")
    first, second, third = (create_organisation(name=n) for n in ("A", "B", "C"))
    for duplicate, kept in ((first, second), (second, third)):
        client.post(f"/admin/organisations/{duplicate.id}/fusionner",
                    data={"target_id": str(kept.id), "confirmation": "oui"})
    anonymous = app.test_client()
    for old in (first, second):
        response = anonymous.get(f"/organisations/{old.id}")
        assert response.status_code == 301
        assert response.headers["Location"] == f"/organisations/{third.id}"


def test_only_an_unused_organisation_can_be_deleted(client, login_as, create_organisation,
                                                    create_user, db_session, text_of):
    login_as("admin")
    used, unused = create_organisation(), create_organisation()
    create_user(organisation=used)
    response = client.post(f"/admin/organisations/{used.id}/supprimer", follow_redirects=True)
    assert "fusionnez-la plutôt" in text_of(response)
    client.post(f"/admin/organisations/{unused.id}/supprimer")
    db_session.expire_all()
    assert db_session.get(Organisation, used.id) is not None
    assert db_session.get(Organisation, unused.id) is None


@pytest.fixture
def restore_vocabulary_labels(app):
    """``vocabulary_term`` is reference data, kept between tests: put the labels back."""
    engine = app.extensions["kb.engine"]
    with engine.connect() as connection:
        saved = connection.execute(select(VocabularyTerm.__table__)).mappings().all()
    yield
    with engine.begin() as connection:
        for row in saved:
            connection.execute(VocabularyTerm.__table__.update().where(
                (VocabularyTerm.vocabulary == row["vocabulary"])
                & (VocabularyTerm.code == row["code"])).values(label=row["label"]))


def test_vocabulary_labels_are_editable_and_codes_fixed(client, login_as, create_experience,
                                                        db_session, outbox, text_of,
                                                        restore_vocabulary_labels):
    from kb.experiences.vocabularies import THEME

    login_as("admin")
    tagged = create_experience(themes=("ent",))
    create_experience(themes=("formation",))
    before = len(outbox())
    labels = {f"theme-label_{code}": label for code, label in THEME.terms}
    labels["theme-label_ent"] = "ENT et services numériques"
    labels["theme-label_cuisine"] = "Un code inventé"
    response = client.post("/admin/vocabulaires/theme", data=labels, follow_redirects=True)
    assert "1 libellé modifié dans « Thème »." in text_of(response)
    terms = {t.code: t.label for t in db_session.scalars(
        select(VocabularyTerm).where(VocabularyTerm.vocabulary == "theme"))}
    assert terms["ent"] == "ENT et services numériques" and "cuisine" not in terms
    assert outbox()[before:] == [(tagged.id, "upsert")]
    page = text_of(client.get(f"/experiences/{tagged.id}", follow_redirects=True))
    assert "ENT et services numériques" in page
    empty = client.post("/admin/vocabulaires/theme", data=labels | {"theme-label_ent": " "})
    assert empty.status_code == 422
    assert "Le libellé ne peut pas être vide." in text_of(empty)
    assert client.post("/admin/vocabulaires/inconnu", data={}).status_code == 404


def test_the_merge_page_without_a_choice_goes_back_to_the_organisation(client, login_as,
                                                                      create_organisation):
    login_as("admin")
    organisation = create_organisation()
    response = client.get(f"/admin/organisations/{organisation.id}/fusionner")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/admin/organisations/{organisation.id}#titre-fusion")


def test_the_organisation_to_keep_and_an_accounts_organisation_are_typed(
        client, login_as, create_organisation, create_user, db_session, text_of):
    login_as("admin")
    kept = create_organisation(name="Ville de Guéret")
    duplicate = create_organisation(name="Mairie de Guéret")
    page = client.get(f"/admin/organisations/{duplicate.id}").text
    assert 'data-api="/api/v1/organisations"' in page and "<option" not in page.split(
        'id="titre-fusion"')[1].split("</form>")[0]
    confirmation = client.get(f"/admin/organisations/{duplicate.id}/fusionner",
                              query_string={"target_id": "", "target_search": "ville de gueret"})
    assert "Fusionner « Mairie de Guéret » dans « Ville de Guéret »" in text_of(confirmation)

    user = create_user(organisation=duplicate)
    unknown = client.post(f"/admin/comptes/{user.id}",
                          data={"role": "contributeur", "organisation_search": "Ville de Gue"})
    assert unknown.status_code == 422 and "Organisation introuvable" in text_of(unknown)
    db_session.expire_all()
    assert db_session.get(User, user.id).organisation_id == duplicate.id  # not detached
    client.post(f"/admin/comptes/{user.id}",
                data={"role": "contributeur", "organisation_search": "Ville de Guéret"})
    db_session.expire_all()
    assert db_session.get(User, user.id).organisation_id == kept.id
