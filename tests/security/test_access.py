"""Access, cell by cell: the permission table of the write-up issue (tested in
``tests/experiences/test_experience_permissions.py``) extended to signals, labels, history,
moderation and administration; guessed ids of unpublished write-ups; and no GET changing
anything, on every route, for every role.

=========================  =========  ========  ========  =======  =======  =====
action                     anonymous  own org   other     moder-   analyst  admin
                                                org       ator
=========================  =========  ========  ========  =======  =======  =====
interest (POST)            sign-in    403       yes       yes      yes      yes
replication form / POST    sign-in    403       yes       200/400  200/400  200/400
report form / POST         sign-in    yes       yes       yes      yes      yes
label form / set / remove  sign-in    403       403       403      yes      yes
history                    sign-in    yes       403       yes      yes      yes
restore a revision         sign-in    yes       403       yes      403      yes
review queue               sign-in    403       403       yes      403      yes
resolve a report           sign-in    403       403       yes      403      yes
every /admin page, action  sign-in    403       403       403      403      yes
own account page           sign-in    yes       yes       yes      yes      yes
=========================  =========  ========  ========  =======  =======  =====

(A replication declares one of the user's organisation's published write-ups: staff without
one get the form, and 400 with a French message when they send it.)
"""

from __future__ import annotations

import pytest

from kb.accounts.models import utcnow
from kb.experiences.snapshot import experience_snapshot

ROLES = ("anonymous", "own", "other", "moderateur", "analyste", "admin")
SIGN_IN = "sign-in"
STAFF_ONLY = {"anonymous": SIGN_IN, "own": 403, "other": 403, "analyste": 403}


def expect(anonymous=SIGN_IN, own=None, other=None, moderateur=None, analyste=None, admin=None):
    return {"anonymous": anonymous, "own": own, "other": other, "moderateur": moderateur,
            "analyste": analyste, "admin": admin}


def admins_only(success):
    return expect(own=403, other=403, moderateur=403, analyste=403, admin=success)


GET_TABLE = {
    "replication form": ("/experiences/{P}/nous-l-avons-fait-aussi",
                         expect(own=403, other=200, moderateur=200, analyste=200, admin=200)),
    "report form": ("/experiences/{P}/signaler", expect(own=200, other=200, moderateur=200,
                                                        analyste=200, admin=200)),
    "label form": ("/experiences/{P}/label", expect(own=403, other=403, moderateur=403,
                                                    analyste=200, admin=200)),
    "history": ("/experiences/{P}/historique", expect(own=200, other=403, moderateur=200,
                                                      analyste=200, admin=200)),
    "edit form": ("/experiences/{P}/modifier", expect(own=200, other=403, moderateur=200,
                                                      analyste=403, admin=200)),
    "review queue": ("/moderation", expect(own=403, other=403, moderateur=200, analyste=403,
                                           admin=200)),
    "report page": ("/moderation/signalements/{R}", expect(own=403, other=403, moderateur=200,
                                                           analyste=403, admin=200)),
    "own account": ("/compte", expect(own=200, other=200, moderateur=200, analyste=200,
                                      admin=200)),
    "dashboard": ("/tableau-de-bord", dict.fromkeys(ROLES, 200)),
    "admin home": ("/admin/", admins_only(200)),
    "admin accounts": ("/admin/comptes", admins_only(200)),
    "admin account": ("/admin/comptes/{pending}", admins_only(200)),
    "admin organisations": ("/admin/organisations", admins_only(200)),
    "admin organisation": ("/admin/organisations/{spare}", admins_only(200)),
    "admin new organisation": ("/admin/organisations/nouvelle", admins_only(200)),
    "admin vocabularies": ("/admin/vocabulaires", admins_only(200)),
    "draft in the API": ("/api/v1/experiences/{D}", dict.fromkeys(ROLES, 404)),
}

POST_TABLE = {
    "interest": ("/experiences/{P}/interet", {},
                 expect(own=403, other=302, moderateur=302, analyste=302, admin=302)),
    "replication": ("/experiences/{P}/nous-l-avons-fait-aussi", {"replica_id": "{Q}"},
                    expect(own=403, other=302, moderateur=400, analyste=400, admin=400)),
    "report": ("/experiences/{P}/signaler", {"kind": "erreur", "comment": "Chiffre faux."},
               expect(own=302, other=302, moderateur=302, analyste=302, admin=302)),
    "label": ("/experiences/{P}/label", {"justification": "Résultats mesurés."},
              expect(own=403, other=403, moderateur=403, analyste=302, admin=302)),
    "remove label": ("/experiences/{L}/label/retirer", {},
                     expect(own=403, other=403, moderateur=403, analyste=302, admin=302)),
    "restore": ("/experiences/{P}/historique/1/restaurer", {},
                expect(own=303, other=403, moderateur=303, analyste=403, admin=303)),
    "answer reporter": ("/moderation/signalements/{R}/repondre", {"answer-body": "Merci."},
                        expect(own=403, other=403, moderateur=303, analyste=403, admin=303)),
    "ask authors": ("/moderation/signalements/{R}/demander-aux-auteurs",
                    {"question-body": "Vérifiez ?"},
                    expect(own=403, other=403, moderateur=303, analyste=403, admin=303)),
    "authors reply to a report": ("/experiences/{P}/signalements/{R}/repondre",
                                  {"report_reply-body": "Corrigé."},
                                  expect(own=303, other=403, moderateur=403, analyste=403,
                                         admin=403)),
    "resolve report": ("/moderation/signalements/{R}/traiter", {},
                       expect(own=403, other=403, moderateur=303, analyste=403, admin=303)),
    "approve request": ("/admin/comptes/{pending}/approuver", {"role": "contributeur"},
                        admins_only(303)),
    "refuse request": ("/admin/comptes/{pending}/refuser", {}, admins_only(303)),
    "disable account": ("/admin/comptes/{target}/desactiver", {}, admins_only(303)),
    "change account": ("/admin/comptes/{target}", {"role": "analyste", "organisation_id": ""},
                       admins_only(303)),
    "create organisation": ("/admin/organisations/nouvelle",
                            {"name": "Nouvelle commune", "kind": "commune"}, admins_only(303)),
    "edit organisation": ("/admin/organisations/{spare}", {"name": "Autre nom", "kind": "epci"},
                          admins_only(303)),
    "merge organisation": ("/admin/organisations/{spare}/fusionner",
                           {"target_id": "{B}", "confirmation": "oui"},
                           admins_only(303)),
    "delete organisation": ("/admin/organisations/{spare}/supprimer", {}, admins_only(303)),
    "vocabulary labels": ("/admin/vocabulaires/niveau", {"niveau-label_maternelle": "Maternelle !"},
                          admins_only(303)),
}


_serial = iter(range(1, 10**9))


def build_world(db_session) -> dict:
    """Organisation A (the authors'), B (another), a spare one; a published write-up P of A
    with a revision and an open report, a labelled one L, a draft D, a published Q of B; a
    pending registration request; an account to act on; one user per role. One commit."""
    from kb.accounts.models import Organisation, User
    from kb.experiences.models import Experience, ExperienceTerm, Label, Report, Revision

    def organisation(name):
        return Organisation(name=name, kind="commune", territory_code="C23096")

    def user(role, org=None, approved=True):
        return User(email=f"{role}.{next(_serial)}@acces.example.org", name=f"Test {role}",
                    password_hash="!", role=role, organisation=org, active=True,
                    approved=approved)

    def experience(org, title, state="publiee"):
        return Experience(title=title, slug="fiche", summary="Résumé.", organisation=org,
                          territory_code="C23096", departement="23", region="75", state=state,
                          published_at=utcnow() if state == "publiee" else None,
                          evidence="aucune",
                          terms=[ExperienceTerm(vocabulary="theme", code="equipement")])

    own_org, other_org, spare = (organisation(n) for n in ("Ville A", "Ville B", "En double"))
    users = {"own": user("contributeur", own_org), "other": user("contributeur", other_org),
             "moderateur": user("moderateur"), "analyste": user("analyste"),
             "admin": user("admin")}
    pending, target = user("contributeur", own_org, approved=False), user("contributeur", other_org)
    published, labelled = experience(own_org, "Publiée"), experience(own_org, "Labellisée")
    draft, theirs = experience(own_org, "Brouillon", "brouillon"), experience(other_org, "De B")
    db_session.add_all([spare, *users.values(), pending, target, published, labelled, draft,
                        theirs])
    db_session.flush()
    report = Report(experience_id=published.id, kind="erreur", comment="x")
    db_session.add_all([report, Label(experience_id=labelled.id, justification="Déjà."),
                        Revision(experience_id=published.id, number=1, action="create",
                                 data=experience_snapshot(published) | {"title": "Ancien"})])
    db_session.commit()
    ids = {"P": published.id, "L": labelled.id, "D": draft.id, "Q": theirs.id, "R": report.id,
           "B": other_org.id, "spare": spare.id, "pending": pending.id, "target": target.id,
           "A": own_org.id}
    return {"users": users, "ids": ids}


@pytest.fixture
def world(db_session):
    return build_world(db_session)


def _client(app, role, users):
    client = app.test_client()
    if role != "anonymous":
        with client.session_transaction() as sess:
            sess["_user_id"] = users[role].get_id()
    return client


def _answer(response):
    if response.status_code == 302 and "/connexion" in response.headers.get("Location", ""):
        return SIGN_IN
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(app, world, role, fingerprint):
    client = _client(app, role, world["users"])
    before = fingerprint()
    for action, (url, expected) in GET_TABLE.items():
        response = client.get(url.format(**world["ids"]))
        assert _answer(response) == expected[role], f"{action} as {role}"
    assert fingerprint() == before


@pytest.mark.parametrize("action", POST_TABLE)
def test_action_by_role(app, db_session, action, fingerprint):
    """Each role tries the action: a refusal changes nothing (checked on one world, every
    refused role in turn); each allowed role acts on a world of its own and changes it."""
    url, data, expected = POST_TABLE[action]
    refused = [role for role in ROLES if expected[role] not in (302, 303)]
    allowed = [role for role in ROLES if role not in refused]
    world = build_world(db_session)
    for role in refused + allowed:
        if role in allowed:
            world = build_world(db_session)
        before = fingerprint()
        response = _client(app, role, world["users"]).post(
            url.format(**world["ids"]), data={k: v.format(**world["ids"]) for k, v in data.items()})
        assert _answer(response) == expected[role], f"{action} as {role}"
        assert (fingerprint() != before) == (role in allowed), f"{action} as {role}: changed?"


# --------------------------------------------------------------------------- guessed ids

OUTSIDERS = ("anonymous", "other")
MISSING_ID = 2_000_000_000


def _answer_for(client, routes, rule, method: str, experience_id: int):
    url = routes.url(rule, {"experience_id": experience_id, "slug": "x", "number": 1,
                            "attachment_id": 1, "file_name": "x.pdf",
                            "report_id": 1})
    response = client.open(url, method=method, data={"kind": "erreur", "comment": "x",
                                                     "justification": "x", "replica_id": "1"})
    location = response.headers.get("Location", "").replace(str(experience_id), "ID")
    return _answer(response), location


@pytest.mark.parametrize("state", ["brouillon", "soumise", "archivee"])
def test_a_guessed_unpublished_id_looks_like_no_write_up_at_all(
        app, world, create_experience, db_session, routes, state, fingerprint):
    """To an outsider (anonymous, or another organisation's contributor), every route taking
    a write-up id — pages, forms, life cycle, signals, label, history, restore, the API —
    answers for an unpublished write-up exactly as for an id that does not exist, and the
    public pages say 404; search, feed and exports do not list it."""
    from kb.accounts.models import Organisation
    from kb.experiences.models import Experience

    organisation = db_session.get(Organisation, world["ids"]["A"])
    hidden = create_experience(organisation=organisation, state=state, title="Zygomatique",
                               slug="zygomatique-cachee")
    rules = [rule for rule in routes.rules("GET") + routes.rules("POST")
             if "experience_id" in rule.arguments]
    before = fingerprint()
    checked = 0
    for role in OUTSIDERS:
        client = _client(app, role, world["users"])
        for rule in rules:
            for method in sorted({"GET", "POST"} & rule.methods):
                seen = _answer_for(client, routes, rule, method, hidden.id)
                assert seen == _answer_for(client, routes, rule, method, MISSING_ID), (
                    role, method, rule.rule)
                if method == "GET" and role == "other" and seen[0] != 403:
                    assert seen[0] == 404, (method, rule.rule)
                checked += 1
        for url in ("/recherche?q=Zygomatique", "/flux.atom", "/export.json",
                    "/api/v1/experiences?q=Zygomatique", f"/organisations/{organisation.id}"):
            assert "zygomatique-cachee" not in client.get(url).get_data(as_text=True), url
    assert checked >= 40
    assert fingerprint() == before
    assert db_session.get(Experience, hidden.id).state == state


# --------------------------------------------------------------------------- GET is safe


@pytest.mark.parametrize("role", ["anonymous", "contributeur", "moderateur", "analyste", "admin"])
def test_no_get_changes_anything(app, login_as, get_urls, sample_values, fingerprint, role,
                                 create_experience, db_session):
    """Every GET route of the URL map, with real ids (published and draft write-ups, their
    revision, a report, an account, an organisation) and the query strings the pages use,
    leaves every row of every table as it was."""
    client = app.test_client()
    if role != "anonymous":
        organisation_id = sample_values["organisation_id"] if role == "contributeur" else None
        from kb.accounts.models import Organisation

        login_as(role, test_client=client,
                 organisation=db_session.get(Organisation, organisation_id)
                 if organisation_id else None)
    draft = create_experience(state="brouillon", title="Brouillon")
    extra = [f"/experiences/{draft.id}", f"/experiences/{draft.id}/modifier",
             f"/experiences/{draft.id}/historique?de=1&a=1",
             f"/experiences/{sample_values['experience_id']}/historique?de=1&a=1",
             "/recherche?q=tablettes&theme=equipement&tri=date&page=2", "/flux.atom?q=école",
             "/export.csv?theme=equipement", "/comparables?territoire=C23096&themes=equipement",
             "/api/v1/experiences?q=tablettes&per_page=5", "/api/v1/territoires?q=gue",
             "/admin/comptes?q=test", "/admin/organisations?q=ville&page=2",
             "/tableau-de-bord?theme=equipement", "/connexion?next=/compte"]
    before = fingerprint()
    for url in get_urls + extra:
        response = client.get(url)
        assert response.status_code < 500, url
        response.close()
    assert fingerprint() == before
    assert len(get_urls) >= 40
