"""Fixtures of the search tests: an application whose searches always catch up with the
outbox (write-ups made by ``create_experience`` are committed without the request hooks),
and helpers to search through the API and to sync an index."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def catch_up_on_every_search(app):
    """Check the outbox before every search (production: at most once a second)."""
    app.config["SEARCH_CATCH_UP_SECONDS"] = 0
    yield


@pytest.fixture
def search_api(client):
    """``search_api(q="…", theme=[…])`` → the JSON of ``/api/v1/experiences``."""

    def search(expected_status=200, **params):
        response = client.get("/api/v1/experiences", query_string=params)
        assert response.status_code == expected_status, response.get_data(as_text=True)
        return response.get_json()

    return search


@pytest.fixture
def found_ids(search_api):
    """``found_ids(q="…")`` → ids of the write-ups found, in rank order (first 100)."""

    def ids(**params):
        params.setdefault("per_page", 100)
        return [record["id"] for record in search_api(**params)["results"]]

    return ids


@pytest.fixture
def change_experience(db_session):
    """``change_experience(experience, title=…)``: update columns directly and write the outbox
    row, as an operation would (committed without the request hooks)."""
    from kb.search.models import enqueue

    def change(experience, **changes):
        for name, value in changes.items():
            setattr(experience, name, value)
        enqueue(db_session, experience.id)
        db_session.commit()
        return experience

    return change
