"""The permission table of issue 3, cell by cell: every role × every action × own/other
organisation, through the real routes, checking both the answer and that a refusal changed
nothing.

=============================  =========  ===========  ===========  =====  =======  =====
action                         anonymous  contributor  contributor  moder-  analyst  admin
                                          (own org)    (other org)  ator
=============================  =========  ===========  ===========  =====  =======  =====
read published                 yes        yes          yes          yes    yes      yes
read draft/submitted           404        yes          404          yes    yes      yes
create                         sign-in    yes          —            yes    no       yes
edit, submit, follow-up        sign-in    yes          403          yes    403      yes
publish, send back, archive    sign-in    403          403          yes    403      yes
see contact details            no         yes          yes          yes    yes      yes
=============================  =========  ===========  ===========  =====  =======  =====

Where a contributor of another organisation is asked to act on a draft or a submitted
write-up, the answer is 404, not 403: they may not even know it exists (the "read
draft/submitted" row), so a guessed id reveals nothing. The 403 of their cells is proven on a
published write-up, which they can see (``test_other_organisations_get_403_...``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.experiences.models import Experience, FollowUp, PendingRevision

ROLES = ("anonymous", "own", "other", "moderateur", "analyste", "admin")
SIGN_IN = "sign-in"

# action: (state of the write-up acted on, expected answer per role)
TABLE = {
    "read published": ("publiee", dict.fromkeys(ROLES, 200)),
    "read draft": ("brouillon", {"anonymous": 404, "own": 200, "other": 404, "moderateur": 200,
                                 "analyste": 200, "admin": 200}),
    "read submitted": ("soumise", {"anonymous": 404, "own": 200, "other": 404,
                                   "moderateur": 200, "analyste": 200, "admin": 200}),
    "create": (None, {"anonymous": SIGN_IN, "own": 303, "other": 303, "moderateur": 303,
                      "analyste": 403, "admin": 303}),
    "edit": ("publiee", {"anonymous": SIGN_IN, "own": 303, "other": 403, "moderateur": 303,
                         "analyste": 403, "admin": 303}),
    "open the edit form": ("brouillon", {"anonymous": SIGN_IN, "own": 200, "other": 404,
                                         "moderateur": 200, "analyste": 403, "admin": 200}),
    "submit": ("brouillon", {"anonymous": SIGN_IN, "own": 303, "other": 404, "moderateur": 303,
                             "analyste": 403, "admin": 303}),
    "follow-up": ("publiee", {"anonymous": SIGN_IN, "own": 303, "other": 403,
                              "moderateur": 303, "analyste": 403, "admin": 303}),
    "publish": ("soumise", {"anonymous": SIGN_IN, "own": 403, "other": 404, "moderateur": 303,
                            "analyste": 403, "admin": 303}),
    "send back": ("soumise", {"anonymous": SIGN_IN, "own": 403, "other": 404,
                              "moderateur": 303, "analyste": 403, "admin": 303}),
    "archive": ("publiee", {"anonymous": SIGN_IN, "own": 403, "other": 403, "moderateur": 303,
                            "analyste": 403, "admin": 303}),
}
CELLS = [(action, role) for action in TABLE for role in ROLES]


@pytest.fixture
def world(app, create_organisation, create_user, file_experience):
    """Organisation A (the authors'), organisation B, and a client per role."""
    own_org = create_organisation(name="Ville de Guéret")
    other_org = create_organisation(name="Ville de Limoges", territory_code="C87085")
    author = create_user(organisation=own_org)
    users = {
        "own": create_user(organisation=own_org), "other": create_user(organisation=other_org),
        "moderateur": create_user(role="moderateur"), "analyste": create_user(role="analyste"),
        "admin": create_user(role="admin", organisation=other_org),
    }
    return {"author": author, "users": users, "own_org": own_org}


def _client_for(app, role, users):
    client = app.test_client()
    if role != "anonymous":
        with client.session_transaction() as sess:
            sess["_user_id"] = users[role].get_id()
    return client


def _act(action, client, experience, data, encode_form, own_org):
    """Perform ``action`` as ``client``; returns the response."""
    url = f"/experiences/{experience.id}" if experience else ""
    if action.startswith("read"):
        return client.get(f"{url}-{experience.slug}")
    if action == "create":
        return client.post("/experiences/nouvelle",
                           data=encode_form(data, organisation_id=str(own_org.id)))
    if action == "open the edit form":
        return client.get(f"{url}/modifier")
    if action == "edit":
        return client.post(f"{url}/modifier", data=encode_form(
            data | {"title": "Titre modifié"}, version=experience.version, base_revision=""))
    if action == "follow-up":
        return client.post(f"{url}/suivis", data={
            "follow_up-entry_date": "2023-06-30", "follow_up-body": "Bilan à un an."})
    routes = {"submit": "soumettre", "publish": "publier", "send back": "renvoyer",
              "archive": "archiver"}
    return client.post(f"{url}/{routes[action]}", data={"send_back-comment": "À revoir."})


def _answer(response) -> int | str:
    if response.status_code == 302 and "/connexion" in response.headers["Location"]:
        return SIGN_IN
    return response.status_code


def _fingerprint(db_session, experience):
    """What an action may change: state, title, version, follow-ups, changes waiting for
    review (a contributor's edit of a published write-up, issue 15)."""
    db_session.expire_all()
    current = db_session.get(Experience, experience.id)
    follow_ups = db_session.scalars(select(FollowUp.id).where(
        FollowUp.experience_id == experience.id)).all()
    pending = db_session.scalars(select(PendingRevision.id).where(
        PendingRevision.experience_id == experience.id)).all()
    return current.state, current.title, current.version, len(follow_ups), len(pending)


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_permission_table_cell(app, world, action, role, file_experience, db_session,
                               experience_data, encode_form):
    state, expected_by_role = TABLE[action]
    experience = file_experience(world["author"], state=state) if state else None
    before = _fingerprint(db_session, experience) if experience else None
    client = _client_for(app, role, world["users"])
    response = _act(action, client, experience, experience_data(), encode_form,
                    world["own_org"])
    expected = expected_by_role[role]
    assert _answer(response) == expected
    if experience is not None and not action.startswith(("read", "open")):
        changed = _fingerprint(db_session, experience) != before
        assert changed == (expected == 303), "a refused action changed nothing, an allowed one did"
    if action == "create":
        created = db_session.scalars(select(Experience)).all()
        assert len(created) == (1 if expected == 303 else 0)


@pytest.mark.parametrize("action", ["submit", "publish", "send back"])
def test_other_organisations_get_403_on_write_ups_they_can_see(
        app, world, action, file_experience, db_session, experience_data, encode_form):
    """Permission is checked before the state: on a published write-up, which a contributor
    of another organisation can read, every action of their row answers 403."""
    experience = file_experience(world["author"], state="publiee")
    client = _client_for(app, "other", world["users"])
    response = _act(action, client, experience, experience_data(), encode_form,
                    world["own_org"])
    assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_contact_details_are_for_signed_in_partners(app, world, role, file_experience):
    experience = file_experience(world["author"], state="publiee")
    client = _client_for(app, role, world["users"])
    page = client.get(f"/experiences/{experience.id}-{experience.slug}").get_data(as_text=True)
    shows_contact = "marie.durand@gueret.example.fr" in page
    assert shows_contact == (role != "anonymous")
    if role == "anonymous":
        assert "réservées aux partenaires connectés" in page


def test_guessing_ids_of_unpublished_write_ups_reveals_nothing(app, world, file_experience):
    anonymous = app.test_client()
    for state in ("brouillon", "soumise", "archivee"):
        experience = file_experience(world["author"], state=state)
        for url in (f"/experiences/{experience.id}", f"/experiences/{experience.id}-x"):
            assert anonymous.get(url).status_code == 404
    assert anonymous.get("/experiences/999999").status_code == 404
