"""Security headers on every response, with a per-request nonce for the few inline scripts; and
the input hygiene that keeps hostile URLs and bodies from reaching the views: ids too large
for the database's integer columns are 404, a NUL character in a path or a form and a file sent
to a form are 400 (except to the attachment upload, :data:`FILE_ENDPOINTS`), a NUL character in
a query string is dropped."""

from __future__ import annotations

import secrets

from flask import Flask, abort, g, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from kb.db import MAX_ROW_ID

FILE_REFUSED = ("Ce service n'accepte aucun fichier joint : saisissez le texte dans le "
                "formulaire.")
#: The only views that take a file: the attachment upload (it checks the file itself).
FILE_ENDPOINTS = ("attachments.manage",)
NUL_REFUSED = ("La requête contient un caractère nul (\\0), qui n'est accepté dans aucune "
               "adresse ni aucun champ.")


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _content_security_policy() -> str:
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{csp_nonce()}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def _set_headers(response):
    from flask import current_app

    headers = response.headers
    headers.setdefault("Content-Security-Policy", _content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    if current_app.config.get("PRODUCTION"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in routes: a decimal id that fits the database's integer, else 404 (a huge
    number would overflow the query and crash it)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _refuse_hostile_input() -> None:
    """No NUL character reaches a view (no text here may hold one, and PostgreSQL refuses them
    in a query: a crash, not a message): 400 in the path or a form field, dropped from the
    query string (a search for « a\\0b » is one for « ab »: nothing a visitor puts in the
    URL makes a search fail). 400 too for a file sent to a form (no form takes one; the forms
    would read it as a text field)."""
    if "\x00" in request.path:
        abort(400, description=NUL_REFUSED)
    if _has_nul(request.args):
        request.args = ImmutableMultiDict(
            (key.replace("\x00", ""), value.replace("\x00", ""))
            for key, value in request.args.items(multi=True))
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.endpoint in FILE_ENDPOINTS:
        from flask import current_app

        from kb.attachments.views import upload_body_limit

        request.max_content_length = upload_body_limit(current_app)
    elif request.files:
        abort(400, description=FILE_REFUSED)
    if _has_nul(request.form):
        abort(400, description=NUL_REFUSED)


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def init_app(app: Flask) -> None:
    """Before any blueprint: ``int`` route arguments are bounded where rules are compiled."""
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:  # the client's address (sign-in limits) and scheme, as the proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(_refuse_hostile_input)
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
