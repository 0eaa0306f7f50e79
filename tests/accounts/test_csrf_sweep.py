"""Every state-changing route refuses a request without a CSRF token: the URL map is walked and
each rule accepting POST is sent one, signed in or not, with CSRF protection on as in
production. The answer must be 400 — never a success, never a crash."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kb.experiences.models import Report, Revision
from kb.search.models import OutboxEntry


def _sample_values(create_experience, create_user, create_organisation, db_session) -> dict:
    """A real object for every kind of id a route may take."""
    from kb.experiences.models import PendingRevision
    from kb.experiences.snapshot import experience_snapshot

    experience = create_experience()
    report = Report(experience_id=experience.id, kind="erreur", comment="x")
    db_session.add(report)
    pending = PendingRevision(experience_id=experience.id, data=experience_snapshot(experience))
    db_session.add(pending)
    db_session.commit()
    return {
        "experience_id": experience.id, "user_id": create_user().id,
        "organisation_id": create_organisation().id, "report_id": report.id, "number": 1,
        "pending_id": pending.id, "attachment_id": 1, "file_name": "x.pdf",
        "name": "theme", "slug": experience.slug, "code": "C23096", "filename": "x",
        "saved_id": 1, "token": "x",
    }


#: POST routes authenticated by something else than the session: the one-click unsubscribe
#: link's signed token (mail clients POST it without any cookie, RFC 8058; see
#: tests/mail/test_unsubscribe.py).
CSRF_EXEMPT = {"mail.unsubscribe"}


def post_rules(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "POST" in rule.methods and rule.endpoint not in CSRF_EXEMPT),
                  key=lambda rule: rule.rule)


def _url(app, rule, values: dict) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


def _state(db_session) -> tuple:
    db_session.expire_all()
    return tuple(db_session.scalar(select(func.count()).select_from(model))
                 for model in (Revision, OutboxEntry))


def test_the_sweep_covers_the_routes_of_issue_3(csrf_app):
    endpoints = {rule.endpoint for rule in post_rules(csrf_app)}
    assert {
        "accounts.login", "accounts.logout", "accounts.account", "accounts.password",
        "accounts.registration", "experiences.new", "experiences.edit", "experiences.preview",
        "experiences.submit", "experiences.publish", "experiences.send_back",
        "experiences.archive", "experiences.follow_up", "experiences.restore",
        "experiences.resolve", "admin.approve", "admin.refuse", "admin.disable", "admin.enable",
        "admin.account", "admin.new_organisation", "admin.organisation", "admin.merge",
        "admin.delete", "admin.vocabulary",
    } <= endpoints


@pytest.mark.parametrize("signed_in_as", [None, "admin", "contributeur"])
def test_every_post_route_refuses_a_request_without_csrf_token(
        csrf_app, create_experience, create_user, create_organisation, db_session, signed_in_as):
    values = _sample_values(create_experience, create_user, create_organisation, db_session)
    client = csrf_app.test_client()
    if signed_in_as:
        user = create_user(role=signed_in_as)
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
    before = _state(db_session)
    for rule in post_rules(csrf_app):
        url = _url(csrf_app, rule, values)
        response = client.post(url, data={"comment": "x", "title": "x", "text": "x"})
        assert response.status_code == 400, f"{rule.endpoint} {url}: {response.status_code}"
        assert "Requête incorrecte" in response.get_data(as_text=True) or url.startswith("/api/")
        forged = client.post(url, data={"csrf_token": "forged"},
                             headers={"X-CSRFToken": "forged"})
        assert forged.status_code == 400, f"{rule.endpoint} {url} with a forged token"
    assert _state(db_session) == before
