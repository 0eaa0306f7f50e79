"""``/connexion/proconnect``: the OpenID Connect flow with Authlib (authorisation code, PKCE
S256, state and nonce checked by the library), then :func:`proconnect_account`.

The callback is a GET (the provider redirects the browser to it); it changes something only
with a valid ``state`` from this browser's session and a signed ID token carrying its nonce.
"""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request
from flask import session as cookie_session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from kb.accounts.proconnect import SCOPES, ProConnectRefused, proconnect_account
from kb.mail.links import absolute_url

log = logging.getLogger(__name__)
bp = Blueprint("proconnect", __name__)
EXTENSION = "kb.proconnect"
FAILED = ("La connexion avec ProConnect n'a pas abouti (lien expiré, onglet ouvert deux fois ou "
          "réponse invalide). Recommencez.")


def proconnect_enabled() -> bool:
    config = current_app.config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID")
                and config.get("OIDC_CLIENT_SECRET"))


def init_app(app: Flask) -> None:
    """Register the provider when configured; the button shows only then."""
    app.jinja_env.globals["proconnect_enabled"] = proconnect_enabled
    config = app.config
    if not (config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID")
            and config.get("OIDC_CLIENT_SECRET")):
        return
    oauth = OAuth(app)
    oauth.register(
        "proconnect", client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{config['OIDC_ISSUER']}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "client_secret_post", "timeout": 10},
    )
    app.extensions[EXTENSION] = oauth.proconnect


def _client():
    client = current_app.extensions.get(EXTENSION)
    if client is None:
        abort(404)
    return client


@bp.post("/connexion/proconnect")
def start():
    """Send the browser to ProConnect (POST: a link cannot start a sign-in)."""
    client = _client()
    cookie_session["proconnect_next"] = request.args.get("next", "")
    return client.authorize_redirect(absolute_url("proconnect.callback"))


@bp.get("/connexion/proconnect/retour")
def callback():
    """Back from ProConnect: check the answer, then sign in or record a request."""
    from kb.accounts.views import safe_next_path, sign_in

    client = _client()
    try:
        token = client.authorize_access_token()
        claims = {**_userinfo(client, token), **dict(token["userinfo"])}
    except (AuthlibBaseError, JoseError, requests.RequestException, KeyError, ValueError) as error:
        log.warning("ProConnect sign-in failed: %s", type(error).__name__)
        return _refused(FAILED)
    try:
        outcome, user = proconnect_account(current_app.config["OIDC_ISSUER"], claims)
    except ProConnectRefused as refused:
        return _refused(str(refused))
    if outcome == "requested":
        return render_template("accounts/proconnect_requested.html", user=user,
                               page_title="Demande envoyée")
    next_page = safe_next_path(cookie_session.pop("proconnect_next", None))
    sign_in(user)
    flash(f"Bienvenue, {user.name}.", "success")
    return redirect(next_page or "/", 303)


def _userinfo(client, token) -> dict:
    """The userinfo endpoint's claims; ProConnect signs them (``application/jwt``)."""
    endpoint = client.load_server_metadata().get("userinfo_endpoint")
    if not endpoint:
        return {}
    response = client.get(endpoint, token=token)
    response.raise_for_status()
    if response.headers.get("Content-Type", "").startswith("application/jwt"):
        keys = KeySet.import_key_set(client.fetch_jwk_set())
        return dict(jwt.decode(response.text.strip(), keys).claims)
    return dict(response.json())


def _refused(message: str):
    return render_template("accounts/proconnect_refused.html", message=message,
                           page_title="Connexion impossible"), 403
