"""Forgotten passwords: a signed link, valid one hour and once, sent to the account's address.

The token holds the account id and a fingerprint of its current password hash: setting a new
password changes the hash, so the link (and any other link sent before) stops working — single
use without a table. The request gets the same answer whether the address has an account or
not; only active, approved accounts are sent a link.
"""

from __future__ import annotations

import hashlib

from kb.accounts.auth import hash_password
from kb.accounts.models import User
from kb.accounts.operations import check_password_rules, end_other_sessions, find_user
from kb.db import session
from kb.mail.links import BadSignature, SignatureExpired, absolute_url, serializer
from kb.mail.notifications import notify_password_changed, send_to
from kb.mail.preferences import ACCOUNT_TOPIC

TOKEN_MAX_AGE = 3600  # seconds


class ResetLinkInvalid(ValueError):
    """The link is expired, already used or was never ours; the message says so in French."""


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:20]


def reset_token(user: User) -> str:
    return serializer("password-reset").dumps({"u": user.id, "f": _fingerprint(user)})


def request_password_reset(email: str) -> None:
    """Queue a reset link for the account with this address, if there is one that signs in."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    link = absolute_url("password.reset", token=reset_token(user))
    send_to(user, ACCOUNT_TOPIC, "Choisir un nouveau mot de passe", "password_reset", link=link)


def user_for_token(token: str) -> User:
    """The account a valid, unused, unexpired token opens, else :class:`ResetLinkInvalid`."""
    try:
        data = serializer("password-reset").loads(token, max_age=TOKEN_MAX_AGE)
    except SignatureExpired:
        raise ResetLinkInvalid("Ce lien a expiré : il n'est valable qu'une heure. Demandez-en "
                               "un nouveau.") from None
    except BadSignature:
        raise ResetLinkInvalid("Ce lien n'est pas valable. Vérifiez qu'il est complet ou "
                               "demandez-en un nouveau.") from None
    user = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not isinstance(data.get("u"), int) or not user.is_active:
        raise ResetLinkInvalid("Ce lien n'est pas valable. Demandez-en un nouveau.")
    if data.get("f") != _fingerprint(user):
        raise ResetLinkInvalid("Ce lien a déjà servi. Si vous devez encore changer votre mot de "
                               "passe, demandez un nouveau lien.")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set the new password; every session of the account ends; the owner is told by mail."""
    user = user_for_token(token)
    check_password_rules(new_password, "new_password")
    user.password_hash = hash_password(new_password)
    end_other_sessions(user)
    notify_password_changed(user)
    return user
