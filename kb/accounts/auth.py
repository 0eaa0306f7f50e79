"""Flask-Login wiring: loading the signed-in user, password hashing, role checks."""

from __future__ import annotations

from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort
from flask_login import current_user

from kb.db import session
from kb.extensions import login_manager

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    """Argon2id hash (a slow, salted hash)."""
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@login_manager.user_loader
def load_user(user_id: str):
    from kb.accounts.models import User

    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = session.get(User, int(raw_id))
    if user is None or (user.session_token or "") != token or not user.is_active:
        return None  # a changed password, a disabled account: the session is over
    return user


def role_required(*roles: str):
    """Decorator: sign-in required, then 403 unless the user has one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def init_app(app: Flask) -> None:
    app.jinja_env.globals["current_user"] = current_user
