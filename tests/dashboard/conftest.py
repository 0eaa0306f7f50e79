"""Fixtures of the dashboard, signal and label tests."""

from __future__ import annotations

import pytest
from flask import g


def forget_cached_user() -> None:
    """The ``db_session`` fixture keeps one application context open for the whole test, so
    requests share its ``g``, where Flask-Login caches the current user: drop it whenever the
    test changes who is signed in."""
    g.pop("_login_user", None)


@pytest.fixture
def sign_in(login_as, db_session):
    """Sign the test client in as ``user`` (or a new user of ``role``); returns the user."""

    def sign(role="contributeur", user=None, **fields):
        user = login_as(role=role, user=user, **fields)
        forget_cached_user()
        return user

    return sign


@pytest.fixture
def sign_out(client, db_session):
    def sign():
        with client.session_transaction() as sess:
            sess.clear()
        forget_cached_user()

    return sign


@pytest.fixture
def show_url():
    def url(experience) -> str:
        return f"/experiences/{experience.id}-{experience.slug}"

    return url


@pytest.fixture
def login_view() -> str:
    """Where anonymous visitors are sent to sign in."""
    return "/connexion"


@pytest.fixture
def outbox_count(db_session):
    """How many search outbox rows name a write-up (labels are a search facet)."""
    from sqlalchemy import func, select

    from kb.search.models import OutboxEntry

    def count(experience_id: int) -> int:
        return db_session.scalar(
            select(func.count(OutboxEntry.id)).where(OutboxEntry.experience_id == experience_id)
        )

    return count
