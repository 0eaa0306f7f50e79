"""Fixtures of the accounts tests: several clients in one test, page text, signing in through
the real form."""

from __future__ import annotations

import html
import re

import pytest
from flask import g, request_started

PASSWORD = "une phrase de passe assez longue"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Argon2id with the cheapest parameters: the suite checks the logic, not the cost (which
    stays the library's default in the application)."""
    from argon2 import PasswordHasher

    from kb.accounts import auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                        parallelism=1))


@pytest.fixture(autouse=True)
def fresh_request_globals(app):
    """``db_session`` keeps one application context open for the whole test, so requests share
    its ``g``: forget, at each request, the user Flask-Login cached there (and the vocabulary
    labels), as a real request with its own context would."""

    def forget(_sender, **_extra):
        g.pop("_login_user", None)
        g.pop("kb_term_labels", None)

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)


def page_text(response) -> str:
    """The response body with HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def text_of():
    return page_text


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def sign_in_with_form():
    """Sign ``client`` in through ``/connexion`` (CSRF token read from the page when on)."""

    def sign_in(client, email, password=PASSWORD, **extra):
        page = client.get("/connexion").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        data = {"email": email, "password": password, **extra}
        if token:
            data["csrf_token"] = token.group(1)
        return client.post("/connexion", data=data)

    return sign_in


def csrf_token_of(page: str) -> str | None:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    return match.group(1) if match else None


@pytest.fixture
def csrf_token():
    return csrf_token_of


@pytest.fixture
def outbox(db_session):
    """The search outbox as (experience id, operation) pairs, oldest first."""
    from sqlalchemy import select

    from kb.search.models import OutboxEntry

    def read():
        db_session.expire_all()
        rows = db_session.scalars(select(OutboxEntry).order_by(OutboxEntry.id))
        return [(row.experience_id, row.operation) for row in rows]

    return read
