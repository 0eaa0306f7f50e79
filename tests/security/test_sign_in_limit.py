"""Sign-in rate limit (Flask-Limiter): ten failed attempts in 15 minutes per account, a hundred
per address, then 429 with a French message — right password or not — until the window has
moved on; only failures count; each failure is logged without the password. Colleagues behind
one proxy (one address) are not locked out by one person's failures (issue 15)."""

from __future__ import annotations

import logging

import pytest

from config import Config, TestingConfig
from kb import create_app
from kb.accounts.throttling import account_digest

WRONG = "pas le bon mot de passe"


def attempt(client, email: str, password: str, address: str = "203.0.113.7"):
    return client.post("/connexion", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def account(create_user, hostile):
    return create_user(password=hostile.PASSWORD, email="marie@gueret.example.fr")


def test_the_eleventh_attempt_after_ten_failures_gets_429_in_french(client, account, hostile):
    for number in range(10):
        assert attempt(client, account.email, WRONG).status_code == 422, number
    refused = attempt(client, account.email, hostile.PASSWORD)  # even the right password
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Trop de tentatives" in page and "réessayez dans un quart d&#39;heure" in page
    assert "pour ce compte" in page
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/compte").status_code == 302  # not signed in


def test_the_limit_is_per_account_whatever_the_address(client, account):
    for number in range(10):
        attempt(client, account.email.upper(), WRONG, address=f"198.51.100.{number}")
    assert attempt(client, f"  {account.email} ", WRONG, address="192.0.2.1").status_code == 429


def test_a_colleague_behind_the_same_address_still_signs_in(client, account, create_user,
                                                             hostile):
    """Ten failures on one account of a town hall do not lock the town hall's proxy out."""
    colleague = create_user(password=hostile.PASSWORD, email="paul@gueret.example.fr")
    for number in range(10):
        assert attempt(client, account.email, WRONG).status_code == 422, number
    assert attempt(client, account.email, hostile.PASSWORD).status_code == 429
    assert attempt(client, colleague.email, hostile.PASSWORD).status_code == 303
    client.post("/deconnexion")
    assert attempt(client, colleague.email, WRONG).status_code == 422  # its own budget


def test_the_limit_per_address_is_a_hundred_failures_whatever_the_account(client, account,
                                                                          hostile):
    for number in range(100):
        assert attempt(client, f"inconnu{number}@example.org", WRONG).status_code == 422, number
    refused = attempt(client, account.email, hostile.PASSWORD)
    assert refused.status_code == 429
    assert "depuis votre réseau" in refused.get_data(as_text=True)
    other_address = attempt(client, account.email, hostile.PASSWORD, address="192.0.2.99")
    assert other_address.status_code == 303


def test_successes_and_empty_forms_do_not_count(app, account, hostile):
    client = app.test_client()
    for _ in range(12):
        assert attempt(client, account.email, hostile.PASSWORD).status_code == 303
        client.post("/deconnexion")
    for _ in range(12):
        assert attempt(client, account.email, "").status_code == 422  # nothing to check
    for number in range(9):
        assert attempt(client, account.email, WRONG).status_code == 422, number
    assert attempt(client, account.email, hostile.PASSWORD).status_code == 303


def test_the_window_moves_on_after_15_minutes(client, account, hostile, monkeypatch):
    import time

    start = time.time()
    for _ in range(10):
        attempt(client, account.email, WRONG)
    assert attempt(client, account.email, hostile.PASSWORD).status_code == 429
    monkeypatch.setattr(time, "time", lambda: start + 14 * 60)
    assert attempt(client, account.email, hostile.PASSWORD).status_code == 429
    monkeypatch.setattr(time, "time", lambda: start + 15 * 60 + 5)
    assert attempt(client, account.email, hostile.PASSWORD).status_code == 303


def test_failures_and_refusals_are_logged_without_the_password(client, account, caplog):
    with caplog.at_level(logging.WARNING, logger="kb.accounts.throttling"):
        for _ in range(11):
            attempt(client, account.email, WRONG)
    messages = [record.getMessage() for record in caplog.records]
    failures = [m for m in messages if m.startswith("sign-in failed")]
    refusals = [m for m in messages if m.startswith("sign-in refused")]
    assert len(failures) == 10 and len(refusals) >= 1
    assert all(account_digest(account.email) in m and "203.0.113.7" in m for m in failures)
    assert not any(WRONG in m or account.email in m for m in messages)


def test_the_signed_in_page_and_other_forms_are_not_limited(client, login_as):
    login_as("contributeur")
    for _ in range(15):
        assert client.get("/connexion").status_code == 302
        assert client.get("/recherche").status_code == 200


def test_the_counters_store_is_configurable_for_several_hosts(monkeypatch):
    monkeypatch.setenv("KB_RATELIMIT_STORAGE_URI", "redis://compteurs.example:6379/0")
    config = Config().as_dict()
    assert config["RATELIMIT_STORAGE_URI"] == "redis://compteurs.example:6379/0"
    assert config["RATELIMIT_STRATEGY"] == "moving-window"
    monkeypatch.delenv("KB_RATELIMIT_STORAGE_URI")
    assert Config().as_dict()["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.fixture
def proxied_app(prepared_database, tmp_path):
    """The application behind one trusted reverse proxy (``KB_TRUSTED_PROXIES=1``)."""
    settings = TestingConfig(prepared_database, str(tmp_path / "index")).as_dict()
    settings.update(WTF_CSRF_ENABLED=False, TRUSTED_PROXIES=1)
    application = create_app(settings)
    yield application
    application.extensions["kb.engine"].dispose()


def test_behind_a_trusted_proxy_the_client_address_counts(proxied_app, account, hostile):
    """Every request comes from the proxy's address; the one limited is the visitor's, as the
    proxy reports it (without it, every visitor would share one budget)."""
    client = proxied_app.test_client()

    def through_proxy(email, password, visitor):
        return client.post("/connexion", data={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"},
                           headers={"X-Forwarded-For": visitor})

    for number in range(100):
        through_proxy(f"inconnu{number}@example.org", WRONG, "203.0.113.50")
    assert through_proxy(account.email, hostile.PASSWORD, "203.0.113.50").status_code == 429
    assert through_proxy(account.email, hostile.PASSWORD, "203.0.113.51").status_code == 303
