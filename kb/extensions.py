"""Unbound extensions, bound to the application in :func:`kb.create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"

csrf = CSRFProtect()

limiter = Limiter(key_func=get_remote_address, default_limits=[])
