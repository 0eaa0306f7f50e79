"""Security headers on every response — every GET route of the URL map (pages, JSON, feed,
exports, static files, DSFR assets), redirects and every error page (400, 403, 404, 405, 413,
429, 500) — and the session cookie's attributes, in development and in production."""

from __future__ import annotations

import json
import re

import pytest

from config import Config
from kb import create_app

STATIC_ASSET = "/static/js/form-errors.js"
DSFR_ASSET = "/dsfr/dsfr.module.min.js"


def assert_security_headers(response, where: str, production: bool = False) -> str:
    """The headers of issue 6; returns the CSP nonce."""
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in policy.split(";"))
    script_src = directives.get("script-src", "")
    assert "'self'" in script_src and "'unsafe-inline'" not in script_src, where
    assert "'unsafe-eval'" not in script_src, where
    nonce = re.search(r"'nonce-([A-Za-z0-9_-]{16,})'", script_src)
    assert nonce, where
    assert directives.get("frame-ancestors") == "'none'", where
    assert directives.get("object-src") == "'none'", where
    assert directives.get("base-uri") == "'self'", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where
    assert headers.get("X-Frame-Options") == "DENY", where
    hsts = headers.get("Strict-Transport-Security")
    if production:
        assert hsts and "max-age=31536000" in hsts, where
    else:
        assert hsts is None, where
    return nonce.group(1)


FILE_CSP = "default-src 'none'; sandbox"


def assert_file_headers(response, where: str) -> None:
    """An attachment's file (issue 13): nothing in it may run, load or be sniffed."""
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["X-Frame-Options"] == "DENY", where
    assert response.headers["Content-Disposition"].startswith(("attachment;", "inline;")), where


#: Pages reached from a link in an e-mail or from the OpenID provider: the sample token is not a
#: valid one, so they answer 404 or 410 (their headers are checked all the same).
LINK_PAGES = ("/desabonnement/", "/mot-de-passe/nouveau/", "/connexion/proconnect/")


@pytest.mark.parametrize("role", [None, "contributeur", "admin"])
def test_every_get_route_sends_the_security_headers(app, login_as, get_urls, role):
    client = app.test_client()
    if role:
        login_as(role, test_client=client)
    statuses = set()
    for url in get_urls:
        response = client.get(url)
        if response.headers.get("Content-Security-Policy") == FILE_CSP:  # an attachment's file
            assert_file_headers(response, f"{role} {url}")
        else:
            assert_security_headers(response, f"{role} {url} ({response.status_code})")
        if not url.startswith(LINK_PAGES):
            statuses.add(response.status_code)
        response.close()
    assert len(get_urls) >= 40
    assert 200 in statuses and (role != "admin" or statuses <= {200, 301, 302})


def test_static_files_and_dsfr_assets_have_them_too(client):
    for url in (STATIC_ASSET, DSFR_ASSET, "/static/css/kb.css"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response, url)
        response.close()


def test_every_error_page_has_them_and_is_french(app, client, login_as, create_experience):
    experience = create_experience(state="brouillon")

    def boom():
        raise RuntimeError("panne simulée")

    def bad_statement():
        from sqlalchemy import text

        from kb.db import session

        session.execute(text("INSERT INTO organisation (name, kind) VALUES ('x', 'planete')"))

    app.add_url_rule("/__panne", "panne", boom)
    app.add_url_rule("/__requete", "requete", bad_statement)
    cases = {
        "/page-inconnue": 404, f"/experiences/{experience.id}": 404,
        "/experiences/99999999999999999999": 404, "/deconnexion": 405, "/__panne": 500,
        "/territoires/C%00": 400, "/api/v1/territoires?q=ab&kind=planete": 400,
        "/api/v1/experiences/999999": 404, "/api/v1/experiences?tri=hasard": 400,
    }
    for url, status in cases.items():
        response = client.get(url)
        assert response.status_code == status, url
        assert_security_headers(response, url)
        text = (json.dumps(response.get_json(), ensure_ascii=False) if response.is_json
                else response.get_data(as_text=True))
        assert ("Page introuvable" in text or "Requête incorrecte" in text
                or "Méthode non autorisée" in text or "Erreur inattendue" in text), url
    login_as("contributeur")
    failed_query = client.get("/__requete")  # PostgreSQL: the aborted transaction is rolled back
    assert failed_query.status_code == 500 and "Erreur inattendue" in failed_query.text
    assert_security_headers(failed_query, "500 after a failed statement, signed in")
    forbidden = client.get("/moderation")
    assert forbidden.status_code == 403 and "Accès refusé" in forbidden.get_data(as_text=True)
    assert_security_headers(forbidden, "403")
    too_big = client.post("/connexion", data=b"x" * (17 * 1024 * 1024),
                          content_type="application/x-www-form-urlencoded")
    assert too_big.status_code == 413
    assert "Envoi trop volumineux" in too_big.get_data(as_text=True)
    assert_security_headers(too_big, "413")


def test_a_csrf_refusal_has_them(csrf_app):
    response = csrf_app.test_client().post("/connexion", data={"email": "a@b.fr"})
    assert response.status_code == 400
    assert_security_headers(response, "CSRF 400")


def test_the_nonce_changes_with_every_response(client):
    nonces = {assert_security_headers(client.get("/"), "/") for _ in range(5)}
    assert len(nonces) == 5


def test_inline_scripts_carry_the_nonce_of_their_response(client):
    """Any inline ``<script>`` a page has must carry this response's nonce (the CSP refuses
    the others), and no page uses inline event handlers or ``javascript:`` addresses."""
    for url in ("/", "/recherche", "/connexion", "/inscription", "/tableau-de-bord"):
        response = client.get(url)
        nonce = assert_security_headers(response, url)
        page = response.get_data(as_text=True)
        for attributes, _body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S):
            if "src=" not in attributes:
                assert f'nonce="{nonce}"' in attributes, url
        assert not re.search(r"\son[a-z]+\s*=", page), url
        assert "javascript:" not in page, url


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "a session cookie is set"
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_lax_not_secure_in_development(
        client, create_user, hostile):
    user = create_user(password=hostile.PASSWORD)
    response = client.post("/connexion", data={"email": user.email,
                                               "password": hostile.PASSWORD})
    assert response.status_code == 303
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


@pytest.fixture
def production_app(prepared_database, tmp_path, monkeypatch):
    """The application as ``KB_ENV=production`` configures it, on the test database."""
    monkeypatch.setenv("KB_ENV", "production")
    monkeypatch.setenv("KB_SECRET_KEY", "production-secret-for-the-test")
    settings = Config().as_dict()
    settings.update(SQLALCHEMY_DATABASE_URI=prepared_database, INDEX_DIR=str(tmp_path / "i"),
                    WTF_CSRF_ENABLED=False)
    application = create_app(settings)
    yield application
    application.extensions["kb.engine"].dispose()


def test_production_adds_hsts_and_a_secure_cookie(production_app, create_user, hostile):
    assert production_app.config["PRODUCTION"] and not production_app.config["TESTING"]
    user = create_user(password=hostile.PASSWORD)
    client = production_app.test_client()
    for url in ("/", "/connexion", "/page-inconnue", "/api/v1/experiences"):
        assert_security_headers(client.get(url), url, production=True)
    response = client.post("/connexion", data={"email": user.email,
                                               "password": hostile.PASSWORD})
    assert response.status_code == 303
    cookie = _session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_signing_in_renews_the_session(client, create_user, hostile):
    """A session cookie obtained before sign-in (planted by someone else) is not the signed-in
    one: the session is cleared and rewritten, and the old cookie stays anonymous."""
    user = create_user(password=hostile.PASSWORD)
    with client.session_transaction() as sess:
        sess["planted"] = "par un tiers"
    before = client.get_cookie("session").value
    response = client.post("/connexion", data={"email": user.email,
                                               "password": hostile.PASSWORD})
    assert response.status_code == 303
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess["_user_id"].startswith(f"{user.id}:")
    client.set_cookie("session", before)
    assert client.get("/compte").status_code == 302  # the old cookie is not signed in
