"""Fixtures of the attachment tests: an application whose files go to a private folder, and
shortcuts to upload through the real form and to read what was stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest


@pytest.fixture
def uploads_dir(tmp_path) -> Path:
    """Where the suite's ``app`` stores attachments (``make_app`` puts them in the test's
    folder)."""
    return tmp_path / "uploads"


@pytest.fixture
def upload(client):
    """POST a file to the upload page as the signed-in user; returns the response."""

    def send(experience_id: int, data: bytes, filename: str = "document.pdf", title="Un document",
             test_client=None, **fields):
        form = {"file": (io.BytesIO(data), filename), "title": title, **fields}
        return (test_client or client).post(
            f"/experiences/{experience_id}/pieces-jointes", data=form,
            content_type="multipart/form-data")

    return send


@pytest.fixture
def attachments_of(db_session):
    """The attachment rows of a write-up (deleted ones included), oldest first."""
    from sqlalchemy import select

    from kb.attachments.models import Attachment

    def read(experience_id: int):
        db_session.expire_all()
        return list(db_session.scalars(select(Attachment).where(
            Attachment.experience_id == experience_id).order_by(Attachment.id)))

    return read


@pytest.fixture
def author_and_experience(create_user, create_experience):
    """A contributor and a write-up of their organisation, in ``state`` (a factory)."""

    def make(state="publiee", **fields):
        author = create_user()
        experience = create_experience(state=state, organisation=author.organisation, **fields)
        return author, experience

    return make
