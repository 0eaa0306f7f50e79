"""Fixtures of the security tests: cheap password hashing, fresh request globals, sample ids
for every route argument, a fingerprint of the whole database, an HTML audit, and the hostile
content module shared with the browser suite."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

HERE = Path(__file__).parent


def load_module(name: str):
    """A helper module of this folder, by path (the test folders are not packages)."""
    spec = importlib.util.spec_from_file_location(f"kb_security_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def hostile():
    return load_module("hostile_content")


# --------------------------------------------------------------------------- routes


@pytest.fixture
def sample_values(create_experience, create_user, create_organisation, db_session):
    """A real object for every kind of argument a route takes (published write-up, its
    revision, a report, an account, an organisation…)."""
    from kb.experiences.models import PendingRevision, Report, Revision
    from kb.experiences.snapshot import experience_snapshot

    organisation = create_organisation()
    experience = create_experience(organisation=organisation)
    db_session.add(Revision(experience_id=experience.id, number=1, action="create", data={}))
    report = Report(experience_id=experience.id, kind="erreur", comment="x")
    db_session.add(report)
    pending = PendingRevision(experience_id=experience.id, base_revision=1,
                              data=experience_snapshot(experience) | {"title": "Titre proposé"})
    db_session.add(pending)
    db_session.commit()
    attachment = _sample_attachment(experience)
    return {
        "experience_id": experience.id, "slug": experience.slug, "number": 1,
        "user_id": create_user(organisation=organisation).id, "organisation_id": organisation.id,
        "report_id": report.id, "pending_id": pending.id, "name": "theme", "code": "C23096",
        "filename": "css/kb.css", "saved_id": 1, "token": "x",
        "attachment_id": attachment.id, "file_name": "photo.png",
    }


def _sample_attachment(experience):
    """A photo on the sample write-up (its file, thumbnail and history routes)."""
    import io

    from PIL import Image

    from kb.attachments.operations import Upload, add_attachment
    from kb.db import commit

    image = io.BytesIO()
    Image.new("RGB", (8, 8)).save(image, "PNG")
    author = experience.created_by or _any_admin()
    attachment = add_attachment(experience, author, Upload(
        data=image.getvalue(), title="Photo", alt_text="Une photo"), check_permission=False)
    commit()
    return attachment


def _any_admin():
    from kb.accounts.models import User
    from kb.db import session

    admin = User(email="sample-admin@test.example.org", name="Admin", password_hash="!",
                 role="admin", active=True, approved=True)
    session.add(admin)
    session.flush()
    return admin


def route_url(app, rule, values: dict) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


def rules_with(app, method: str) -> list:
    return sorted((r for r in app.url_map.iter_rules() if method in r.methods),
                  key=lambda r: (r.rule, r.endpoint))


@pytest.fixture
def routes(app):
    """``routes.rules(method)``: the URL map's rules accepting ``method``;
    ``routes.url(rule, values)``: the rule's URL with ``values`` for its arguments."""
    return SimpleNamespace(rules=lambda method: rules_with(app, method),
                           url=lambda rule, values: route_url(app, rule, values))


@pytest.fixture
def get_urls(app, sample_values):
    """One URL per GET route, with sample arguments (the DSFR asset: its main script)."""
    values = dict(sample_values)
    urls = []
    for rule in rules_with(app, "GET"):
        if rule.endpoint == "dsfr_asset":
            urls.append("/dsfr/dsfr.module.min.js")
            continue
        urls.append(route_url(app, rule, values))
    return urls


# --------------------------------------------------------------------------- database


@pytest.fixture
def fingerprint(db_session):
    """A digest of every row of every table (the vocabulary labels included; the territories,
    read-only reference data, left out for speed)."""
    from kb.db import Base, import_models

    import_models()

    def digest() -> str:
        db_session.expire_all()
        hasher = hashlib.sha256()
        for table in Base.metadata.sorted_tables:
            if table.name == "territory":  # 35,000 read-only reference rows
                continue
            rows = db_session.execute(select(table).order_by(*table.primary_key.columns)).all()
            hasher.update(f"{table.name}:{len(rows)}:{sorted(map(repr, rows))}".encode())
        return hasher.hexdigest()

    return digest


@pytest.fixture
def table_counts(db_session):
    """Row count of every mutable table."""
    from sqlalchemy import func

    from kb.db import Base, import_models

    import_models()

    def counts() -> dict[str, int]:
        db_session.expire_all()
        return {table.name: db_session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables
                if table.name not in ("territory", "vocabulary_term")}

    return counts


# --------------------------------------------------------------------------- HTML audit

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "background", "srcset", "values", "to", "from", "by"}
HOSTILE_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "math", "base",
                "set", "animate", "animatetransform", "foreignobject", "template", "xss",
                "image", "isindex", "marquee", "mglyph", "maction", "mtext", "noscript"}
OWN_SCRIPTS = ("/static/", "/dsfr/")


class HtmlAudit(HTMLParser):
    """Every element and attribute a browser would build from a page, checked for anything
    that can run script: a foreign or inline script, an event handler, a style attribute, a
    ``javascript:``/``vbscript:``/``data:`` address, a frame, a template-injection result."""

    def __init__(self, nonce: str | None = None):
        super().__init__(convert_charrefs=True)
        self.nonce = nonce  # the response's CSP nonce: the one inline script it allows
        self.problems: list[str] = []
        self._in_head = False
        self._script_open = False

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if tag == "head":
            self._in_head = True
        if tag == "script":
            own_inline = self._in_head and self.nonce and values.get("nonce") == self.nonce
            self._script_open = not own_inline
            if not (values.get("src", "").startswith(OWN_SCRIPTS) or own_inline):
                self.problems.append(f"inline or foreign <script {attrs}>")
        own_link = tag == "link" and values.get("href", "").startswith(OWN_SCRIPTS)
        if tag in HOSTILE_TAGS or (tag in ("style", "meta", "link") and not self._in_head
                                   and not own_link):
            self.problems.append(f"<{tag} {attrs}>")
        if tag == "meta" and "http-equiv" in values:
            self.problems.append(f"<meta {attrs}>")
        for name, value in attrs:
            self._check_attribute(tag, name, value or "")

    def _check_attribute(self, tag: str, name: str, value: str) -> None:
        squeezed = "".join(value.split()).lower()
        if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
            self.problems.append(f"<{tag} {name}={value[:60]!r}>")
        elif name in URL_ATTRIBUTES and squeezed.startswith(("javascript:", "vbscript:", "data:")):
            self.problems.append(f"<{tag} {name}={value[:60]!r}>")
        elif name in URL_ATTRIBUTES and "javascript:" in squeezed and tag != "a":
            self.problems.append(f"<{tag} {name}={value[:60]!r}>")

    def handle_endtag(self, tag):
        if tag == "head":
            self._in_head = False
        if tag == "script":
            self._script_open = False

    def handle_data(self, data):
        if self._script_open and data.strip():
            self.problems.append(f"script content {data[:60]!r}")
        if "49kbtpl" in data or "SECRET_KEY" in data or "<Config" in data:
            self.problems.append(f"template evaluated: {data[:80]!r}")


def audit_html(text: str, nonce: str | None = None) -> list[str]:
    audit = HtmlAudit(nonce)
    audit.feed(text)
    audit.close()
    return audit.problems


def csp_nonce_of(response) -> str | None:
    match = re.search(r"'nonce-([^']+)'", response.headers.get("Content-Security-Policy", ""))
    return match.group(1) if match else None


@pytest.fixture
def html_problems():
    """``html_problems(text)`` or ``html_problems(response)`` (its CSP nonce allowed)."""

    def problems(page) -> list[str]:
        if isinstance(page, str):
            return audit_html(page)
        return audit_html(page.get_data(as_text=True), csp_nonce_of(page))

    return problems
