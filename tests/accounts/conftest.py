"""Fixtures of the accounts tests: several clients in one test, page text, signing in through
the real form."""

from __future__ import annotations

import re

import pytest

PASSWORD = "une phrase de passe assez longue"


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


