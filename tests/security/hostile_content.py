"""Hostile content for the XSS suites: the vectors of ``xss_vectors.txt`` put into every text
field a person can fill — through the real forms (HTTP posts, CSRF token included when the
application checks it) and through ``kb import`` — and the list of pages that show them.

Shared by ``tests/security/test_xss_markup.py`` (server-side HTML audit, SQLite and PostgreSQL)
and ``tests/browser/test_xss.py`` (Chromium), which load this module by its path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

VECTORS_FILE = Path(__file__).with_name("xss_vectors.txt")
BATCH = 10  # vectors per write-up in the long text fields
SHORT_LIMIT = 200  # title, contact, role, funder, organisation and user names
SUMMARY_LIMIT = 600
TEMPLATE_MARK = "kbtpl"  # {{7*7}}kbtpl must never show as 49kbtpl
PASSWORD = "une phrase de passe assez longue"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_EXPERIENCE_URL = re.compile(r"/experiences/(\d+)")


def load_vectors() -> list[str]:
    """The vectors, one per line (``\\n`` stands for a line break; ``# `` starts a comment)."""
    vectors = []
    for line in VECTORS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line == "#" or line.startswith("# "):
            continue
        vectors.append(line.replace("\\n", "\n"))
    return vectors


def batches(vectors: list[str], size: int = BATCH) -> list[list[str]]:
    return [vectors[i:i + size] for i in range(0, len(vectors), size)]


def pack(vectors: list[str], limit: int, separator: str = " ") -> list[str]:
    """Whole vectors joined into as few texts of at most ``limit`` characters as possible."""
    chunks, current = [], ""
    for vector in (v.replace("\n", " ") for v in vectors):
        candidate = f"{current}{separator}{vector}" if current else vector
        if len(candidate) > limit and current:
            chunks.append(current)
            candidate = vector
        current = candidate
    return [*chunks, current] if current else chunks


def long_text(vectors: list[str]) -> str:
    """Vectors as separate Markdown blocks."""
    return "\n\n".join(vectors)


def link_of(vector: str) -> str:
    """A vector inside an address the write-up form accepts (http(s) with a host)."""
    return "https://kb.example/" + vector.replace("\n", " ")


# --------------------------------------------------------------------------- HTTP forms


class FormClient:
    """A test client signed in as ``user`` (or anonymous) that posts forms like a browser,
    CSRF token included when the application asks for one."""

    def __init__(self, app, user=None):
        self.client = app.test_client()
        self.user = user
        if user is not None:
            with self.client.session_transaction() as sess:
                sess["_user_id"] = user.get_id()
                sess["_fresh"] = True
        self._token: str | None = None

    def token(self) -> str | None:
        if self._token is None:
            page = self.client.get("/compte" if self.user else "/connexion")
            match = _TOKEN.search(page.get_data(as_text=True))
            self._token = match.group(1) if match else ""
        return self._token or None

    def post(self, url: str, data: dict, expected=(302, 303)):
        token = self.token()
        response = self.client.post(url, data={**data, **({"csrf_token": token} if token else {})})
        assert response.status_code in expected, (
            f"{url}: {response.status_code}\n{_errors_of(response)}")
        return response

    def get(self, url: str):
        return self.client.get(url)


def _errors_of(response) -> str:
    text = response.get_data(as_text=True)
    return "\n".join(re.findall(r'class="fr-error-text"[^>]*>([^<]+)<', text))[:2000]


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)
    return match.group(1) if match else ""


def _experience_id(response) -> int:
    return int(_EXPERIENCE_URL.search(response.headers["Location"]).group(1))


@dataclass
class HostileWorld:
    """What the hostile content was put into, and who sees which page."""

    vectors: list[str]
    published: list[int] = field(default_factory=list)
    submitted: list[int] = field(default_factory=list)
    imported: list[int] = field(default_factory=list)
    replica: int = 0  # the other organisation's write-up, declared as a replication
    organisations: list[int] = field(default_factory=list)
    users: dict = field(default_factory=dict)  # role → user
    accounts: list[int] = field(default_factory=list)

    def pages(self) -> dict[str, list[str]]:
        """Role → the pages to load as that role."""
        every = [*self.published, self.replica, *self.imported]
        public = ["/", "/tableau-de-bord", "/flux.atom", "/flux.atom?q=alert",
                  "/territoires/C23096", "/territoires/D23", "/territoires/R75",
                  "/inscription", "/comparables?territoire=C23096&themes=equipement",
                  *(f"/recherche?q={q}" for q in ("alert", "script", "onerror", "javascript",
                                                 "svg", "kbsonde", "kbtpl")),
                  *(f"/organisations/{o}" for o in self.organisations),
                  *(f"/experiences/{i}" for i in every),
                  f"/experiences/{self.published[0]}/comparables"]
        author = ["/compte", "/experiences/nouvelle",
                  *(f"/experiences/{i}" for i in self.published + self.submitted),
                  *(f"/experiences/{i}/historique?de=1&a=2" for i in self.published),
                  f"/experiences/{self.published[0]}/modifier"]
        admin = ["/admin/", "/admin/comptes", "/admin/organisations",
                 "/admin/organisations?q=script", "/admin/organisations/nouvelle",
                 *(f"/admin/comptes/{i}" for i in self.accounts),
                 *(f"/admin/organisations/{o}" for o in self.organisations)]
        return {
            "anonymous": public,
            "author": author,
            "moderator": ["/moderation", *(f"/experiences/{i}" for i in self.submitted)],
            "analyst": ["/tableau-de-bord", f"/experiences/{self.published[0]}/label",
                        f"/experiences/{self.published[0]}"],
            "other": ["/compte", f"/experiences/{self.replica}",
                      f"/experiences/{self.published[0]}/signaler",
                      f"/experiences/{self.published[0]}/nous-l-avons-fait-aussi",
                      f"/experiences/{self.published[0]}"],
            "admin": admin,
        }

    def page_count(self) -> int:
        return sum(len(urls) for urls in self.pages().values())


def seed_through_forms(app, create_organisation, create_user) -> HostileWorld:
    """Every vector into every text field a form offers, through the forms themselves.

    Each write-up gets a batch of ten vectors in its long fields (Markdown and plain), packed
    into its short ones (title, summary, contact, co-filer's role, funder, link), and its
    follow-up, moderation comments, report, label; organisation and user names take them too.
    """
    vectors = load_vectors()
    world = HostileWorld(vectors)
    own = create_organisation(name="Organisation des auteurs", territory_code="C23096")
    other_org = create_organisation(name="Organisation partenaire", territory_code="C87085")
    cofiler = create_organisation(name="Organisation co-déposante", territory_code="D23",
                                  kind="departement")
    users = {
        "author": create_user(organisation=own),
        "other": create_user(organisation=other_org),
        "moderator": create_user(role="moderateur"),
        "analyst": create_user(role="analyste"),
        "admin": create_user(role="admin"),
    }
    world.users = users
    clients = {role: FormClient(app, user) for role, user in users.items()}
    groups = batches(vectors)
    for number, group in enumerate(groups):
        experience_id = _file_write_up(clients, group, cofiler.id, number)
        if number % 4 == 3:
            world.submitted.append(experience_id)
        else:
            world.published.append(experience_id)
    _signals(clients, world, groups, other_org.id)
    _names(clients, world, vectors, own.id, other_org.id, cofiler.id)
    _registration(app, world, vectors)
    return world


def _write_up_fields(group: list[str], cofiler_id: int, number: int) -> dict:
    short = pack(group, SHORT_LIMIT)
    return {
        "title": short[0], "summary": pack(group, SUMMARY_LIMIT)[0],
        **{name: f"kbsonde {number}\n\n" + long_text(group)
           for name in ("context", "actions", "results", "lessons", "partners")},
        "territory_code": "C23096", "themes": ["equipement"], "evidence": "aucune",
        "other_funders": "\n".join(short), "links": "\n".join(link_of(v) for v in group),
        "contact_name": short[-1], "contact_role": short[len(short) // 2],
        "contact_email": "contact@kb.example",
        "cofilers-0-organisation_id": str(cofiler_id), "cofilers-0-role": short[-1],
    }


def _file_write_up(clients, group: list[str], cofiler_id: int, number: int) -> int:
    author, moderator = clients["author"], clients["moderator"]
    data = _write_up_fields(group, cofiler_id, number)
    experience_id = _experience_id(author.post("/experiences/nouvelle", data))
    form = author.get(f"/experiences/{experience_id}/modifier").get_data(as_text=True)
    edited = {**data, "context": data["actions"] + "\n\nmodifié", "actions": "kbsonde modifié",
              "summary": pack(group[::-1], SUMMARY_LIMIT)[0],
              "version": _hidden(form, "version"), "base_revision": _hidden(form, "base_revision")}
    author.post(f"/experiences/{experience_id}/modifier", edited)
    comment = long_text(group)
    author.post(f"/experiences/{experience_id}/soumettre", {"submit-comment": comment})
    if number % 4 == 3:
        return experience_id
    moderator.post(f"/experiences/{experience_id}/publier", {"publish-comment": comment})
    author.post(f"/experiences/{experience_id}/suivis", {
        "follow_up-entry_date": "2023-06-30", "follow_up-title": pack(group, SHORT_LIMIT)[0],
        "follow_up-body": comment})
    return experience_id


def _signals(clients, world: HostileWorld, groups: list[list[str]], other_org_id: int) -> None:
    """Reports, interest, labels and a replication on the published write-ups."""
    other, analyst = clients["other"], clients["analyst"]
    for experience_id, group in zip(world.published, groups, strict=False):
        comment = long_text(group)[:2000]
        other.post(f"/experiences/{experience_id}/signaler",
                   {"kind": "erreur", "comment": comment})
        other.post(f"/experiences/{experience_id}/interet", {})
        analyst.post(f"/experiences/{experience_id}/label", {"justification": comment})
    replica = _file_for_other(clients, groups[0], other_org_id)
    other.post(f"/experiences/{world.published[0]}/nous-l-avons-fait-aussi",
               {"replica_id": str(replica)})
    world.replica = replica


def _file_for_other(clients, group: list[str], other_org_id: int) -> int:
    """A published write-up of the other organisation (a moderator files it on its behalf)."""
    moderator = clients["moderator"]
    data = {**_write_up_fields(group, 0, 99), "organisation_id": str(other_org_id),
            "cofilers-0-organisation_id": "", "territory_code": "C87085"}
    experience_id = _experience_id(moderator.post("/experiences/nouvelle", data))
    moderator.post(f"/experiences/{experience_id}/soumettre", {"submit-comment": ""})
    moderator.post(f"/experiences/{experience_id}/publier", {"publish-comment": ""})
    return experience_id


def _names(clients, world: HostileWorld, vectors: list[str], *organisation_ids: int) -> None:
    """Every account names itself with vectors; the admin renames the organisations and
    creates one more."""
    names = pack(vectors, SHORT_LIMIT)
    for index, (role, client) in enumerate(clients.items()):
        client.post("/compte", {"name": names[index % len(names)]})
        world.accounts.append(world.users[role].id)
    admin = clients["admin"]
    for index, organisation_id in enumerate(organisation_ids):
        admin.post(f"/admin/organisations/{organisation_id}", _organisation_fields(
            names[(index + 5) % len(names)], vectors, "C23096" if index == 0 else "C87085"))
        world.organisations.append(organisation_id)
    response = admin.post("/admin/organisations/nouvelle", _organisation_fields(
        names[-1], vectors, "C23096"))
    world.organisations.append(int(response.headers["Location"].rstrip("/").split("/")[-1]))


def _organisation_fields(name: str, vectors: list[str], territory: str) -> dict:
    return {"name": name, "kind": "commune", "territory_code": territory,
            "website": link_of(vectors[0]), "description": long_text(vectors[:BATCH])}


def _registration(app, world: HostileWorld, vectors: list[str]) -> None:
    """A registration request naming a new organisation (the admin sees both)."""
    names = pack(vectors, SHORT_LIMIT)
    anonymous = FormClient(app)
    anonymous.post("/inscription", {
        "name": names[1], "email": "demande@kb.example", "password": PASSWORD,
        "confirm": PASSWORD, "organisation_choice": "nouvelle",
        "new_organisation_name": names[2], "new_organisation_kind": "commune",
        "new_organisation_territory": "C23096", "requested_role": "contributeur",
        "message": long_text(vectors[:BATCH])[:2000],
    }, expected=(200,))


# --------------------------------------------------------------------------- kb import


def import_records(vectors: list[str]) -> list[dict]:
    """Open-data records carrying the vectors in every field the format has."""
    records = []
    titles = pack(vectors, SHORT_LIMIT)
    groups = batches(vectors)
    for index, title in enumerate(titles):
        group = groups[index % len(groups)]
        short = pack(group, SHORT_LIMIT)
        records.append({
            "title": title, "summary": pack(group, SUMMARY_LIMIT)[0],
            **{name: f"kbsonde import\n\n{long_text(group)}"
               for name in ("context", "actions", "results", "lessons", "partners")},
            "territory": {"code": "C23096"},
            "organisation": {"name": short[0], "kind": "commune"},
            "themes": ["equipement"], "funders": short, "links": [link_of(v) for v in group],
            "label": long_text(group) if index % 5 == 0 else None,
        })
    return records


def seed_through_import(runner, tmp_path: Path, vectors: list[str]) -> int:
    """``kb import`` of a JSON file of hostile records; returns how many were imported."""
    records = import_records(vectors)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    return len(records)


def imported_ids(app) -> list[int]:
    """The write-ups ``kb import`` created (their first revision says so)."""
    from sqlalchemy import select

    from kb.db import get_session
    from kb.experiences.models import Revision

    with app.app_context():
        return sorted(get_session().scalars(
            select(Revision.experience_id).where(Revision.action == "import")))
