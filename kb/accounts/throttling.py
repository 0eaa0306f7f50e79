"""Sign-in throttling: at most 10 failed sign-ins in 15 minutes per account, and 100 per
address.

The account is what an attacker guesses passwords for, so its budget is small. The address
budget is ten times larger because the agents of one collectivité often reach the site through
one proxy (one address for the whole town hall): one person mistyping ten times must not lock
out colleagues, while a script trying many accounts from one address still meets a limit
(issue 15).

Flask-Limiter keeps the counters — in memory by default, in a shared store (Redis, Memcached…)
when ``KB_RATELIMIT_STORAGE_URI`` names one, so that several hosts count together. Only failed
attempts count (``deduct_when``): once ten have failed within the window, the next attempt, right
password or not, gets the French 429 page until the oldest failure is 15 minutes old (the
account's page names the account, the address's names the network). Failures
and refusals are logged with a digest of the address typed and the client's address, never a
password.

Behind a reverse proxy the client's address is the proxy's unless the proxy's headers are
trusted (``KB_TRUSTED_PROXIES``, see :mod:`kb.security`).
"""

from __future__ import annotations

import hashlib
import logging

from flask import request

from kb.extensions import limiter

log = logging.getLogger(__name__)

ACCOUNT_LIMIT = "10 per 15 minutes"
ADDRESS_LIMIT = "100 per 15 minutes"
TOO_MANY_FAILURES = ("Trop de tentatives de connexion ont échoué pour ce compte. Par sécurité, "
                     "réessayez dans un quart d'heure ; si vous avez oublié votre mot de passe, "
                     "suivez « Mot de passe oublié ? ».")
TOO_MANY_FROM_ADDRESS = ("Trop de tentatives de connexion ont échoué depuis votre réseau. Par "
                         "sécurité, réessayez dans un quart d'heure ; si le problème persiste, "
                         "contactez l'équipe du site.")
_FAILED = "kb.sign_in_failed"


def account_digest(email: str | None) -> str:
    """A short digest of the address typed (case and blanks ignored): counters and logs name
    the account without holding the address itself."""
    normalised = (email or "").strip().lower()
    return hashlib.sha256(normalised.encode("utf-8", "replace")).hexdigest()[:16]


def _account_key() -> str:
    return f"compte:{account_digest(request.form.get('email'))}"


def _address_key() -> str:
    return f"adresse:{request.remote_addr or 'inconnue'}"


def _failed(_response) -> bool:
    """Deduct only when the view refused the credentials (not for a form left empty)."""
    return bool(request.environ.get(_FAILED))


def _log_refusal(limit) -> None:
    log.warning("sign-in refused (too many failures): %s, address %s, limit %s",
                _account_key(), request.remote_addr, limit.limit)


def record_failure(email: str | None) -> None:
    """Count this request as a failed sign-in and log it."""
    request.environ[_FAILED] = True
    log.warning("sign-in failed: account %s, address %s", account_digest(email),
                request.remote_addr)


def limit_sign_in(view):
    """Decorate the sign-in view with the two limits, per account and per address."""
    limits = ((ACCOUNT_LIMIT, _account_key, TOO_MANY_FAILURES),
              (ADDRESS_LIMIT, _address_key, TOO_MANY_FROM_ADDRESS))
    for limit, key, message in limits:
        view = limiter.limit(limit, key_func=key, methods=["POST"], deduct_when=_failed,
                             error_message=message, on_breach=_log_refusal)(view)
    return view
