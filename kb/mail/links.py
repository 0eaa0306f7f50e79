"""Absolute links for e-mails (built from ``KB_BASE_URL``, inside or outside a request) and the
signed tokens they carry (password reset, unsubscribe)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

__all__ = ["BadSignature", "SignatureExpired", "absolute_url", "serializer"]


def absolute_url(endpoint: str, **values) -> str:
    """``https://site/path`` of ``endpoint``: the same in a request, a CLI command or a worker."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def serializer(purpose: str) -> URLSafeTimedSerializer:
    """Tokens signed with the secret key, one salt per purpose (a reset token never
    unsubscribes, an unsubscribe token never resets a password)."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kb.{purpose}")
