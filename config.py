"""Configuration read from the environment, in one place.

``KB_DATABASE_URL``  SQLAlchemy URL (default: SQLite under ``instance/``).
``KB_INDEX_DIR``     directory of the Whoosh index (default: ``indexes/``).
``KB_SECRET_KEY``    session signing key; required when ``KB_ENV=production``. In development a
                     random key is made once and kept in ``instance/secret_key``.
``KB_ENV``           ``development`` (default), ``production`` or ``testing``.
``KB_RATELIMIT_STORAGE_URI``  where sign-in failures are counted (default ``memory://``, one
                     count per process; ``redis://host:6379`` to count across hosts).
``KB_TRUSTED_PROXIES`` how many reverse proxies in front of the application set
                     ``X-Forwarded-For``/``-Proto`` (default 0: the headers are ignored).
``KB_DB_BUSY_TIMEOUT`` seconds a SQLite statement waits for another connection's lock before the
                     request fails with a 503 page (default 5).
``KB_SMTP_URL``      outgoing mail server: ``smtp://user:pass@host:587?starttls=1``,
                     ``smtps://user:pass@host:465`` or ``smtp://host:25``. Unset: each message is
                     written to ``instance/mails/`` as a ``.eml`` file and logged.
``KB_SMTP_CA_FILE``  certificates to trust for the SMTP server's TLS (default: the system's).
``KB_MAIL_FROM``     sender of the service's messages.
``KB_BASE_URL``      the site's public address, for links in e-mails (default
                     ``http://127.0.0.1:5000``).
``KB_OIDC_ISSUER``, ``KB_OIDC_CLIENT_ID``, ``KB_OIDC_CLIENT_SECRET``  ProConnect (OpenID
                     Connect) sign-in; the button shows only when all three are set.
``KB_OIDC_EMAILS_VERIFIED`` ``1`` (default) when the provider verifies every address it gives
                     without an ``email_verified`` claim, as ProConnect does; ``0`` otherwise.
``KB_STORAGE_URL``   where attachment files go: unset or ``file:///path`` for a local folder
                     (default ``instance/uploads/``), ``s3://bucket?endpoint_url=https://…``
                     for an S3-compatible store shared by several hosts (credentials from the
                     usual ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` variables).
``KB_ATTACHMENTS_MAX_COUNT``, ``KB_ATTACHMENTS_MAX_BYTES``  attachments per write-up (default
                     20) and size of each (default 20 MB).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("KB_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """Raised when the environment does not allow the application to start safely."""


def _development_secret_key(instance_dir: Path) -> str:
    """Return the key kept under ``instance/``, creating it on first use."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    key_file = instance_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _whole_number(value: str, name: str) -> int:
    if not value.strip().isdigit():
        raise ConfigError(f"{name} doit être un nombre entier positif ou nul.")
    return int(value)


class Config:
    """Environment-driven settings; ``Config()`` reads the environment when instantiated."""

    def __init__(self) -> None:
        self.ENV_NAME = os.environ.get("KB_ENV", "development")
        self.INSTANCE_DIR = INSTANCE_DIR
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "KB_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'kb.sqlite3'}"
        )
        self.INDEX_DIR = os.environ.get("KB_INDEX_DIR", str(BASE_DIR / "indexes"))
        self.DB_BUSY_TIMEOUT = float(os.environ.get("KB_DB_BUSY_TIMEOUT", "5"))
        self.SECRET_KEY = self._secret_key()
        self.PRODUCTION = self.ENV_NAME == "production"
        self.TESTING = self.ENV_NAME == "testing"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PRODUCTION
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SECURE = self.PRODUCTION
        self.WTF_CSRF_TIME_LIMIT = None
        self.MAX_CONTENT_LENGTH = 16 * 1024 * 1024
        self.RATELIMIT_STORAGE_URI = os.environ.get("KB_RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_STRATEGY = "moving-window"  # "10 failures in any 15 minutes", exactly
        self.RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a 429
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # a shared store down: count per process
        self.TRUSTED_PROXIES = _whole_number(os.environ.get("KB_TRUSTED_PROXIES", "0"),
                                             "KB_TRUSTED_PROXIES")
        self.SERVICE_NAME = "Base d'expériences du numérique éducatif"
        self._mail_settings()
        self.INDEX_APPLY_AFTER_COMMIT = True
        self.PER_PAGE = 20
        self._attachment_settings()

    def _attachment_settings(self) -> None:
        self.STORAGE_URL = os.environ.get("KB_STORAGE_URL", "")
        self.ATTACHMENTS_MAX_COUNT = _whole_number(
            os.environ.get("KB_ATTACHMENTS_MAX_COUNT", "20"), "KB_ATTACHMENTS_MAX_COUNT")
        self.ATTACHMENTS_MAX_BYTES = _whole_number(
            os.environ.get("KB_ATTACHMENTS_MAX_BYTES", str(20 * 1024 * 1024)),
            "KB_ATTACHMENTS_MAX_BYTES")

    def _mail_settings(self) -> None:
        self.SMTP_URL = os.environ.get("KB_SMTP_URL", "")
        self.SMTP_CA_FILE = os.environ.get("KB_SMTP_CA_FILE") or None
        self.MAIL_FROM = os.environ.get(
            "KB_MAIL_FROM", "Base d'expériences du numérique éducatif <ne-pas-repondre@localhost>")
        self.MAIL_DIR = str(INSTANCE_DIR / "mails")
        self.BASE_URL = os.environ.get("KB_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.MAIL_SEND_AFTER_COMMIT = "thread"  # "inline" (tests), "thread" or "off"
        self.OIDC_ISSUER = os.environ.get("KB_OIDC_ISSUER", "").rstrip("/")
        self.OIDC_CLIENT_ID = os.environ.get("KB_OIDC_CLIENT_ID", "")
        self.OIDC_CLIENT_SECRET = os.environ.get("KB_OIDC_CLIENT_SECRET", "")
        self.OIDC_EMAILS_VERIFIED = os.environ.get("KB_OIDC_EMAILS_VERIFIED", "1") != "0"

    def _secret_key(self) -> str:
        key = os.environ.get("KB_SECRET_KEY")
        if key:
            return key
        if self.ENV_NAME == "production":
            raise ConfigError("KB_SECRET_KEY doit être défini quand KB_ENV=production.")
        if self.ENV_NAME == "testing":
            return "testing-secret-key"
        return _development_secret_key(INSTANCE_DIR)

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


class TestingConfig(Config):
    """Settings for the test suite: private database and index given by the fixtures."""

    __test__ = False  # not a pytest test class

    def __init__(self, database_url: str, index_dir: str) -> None:
        os.environ.setdefault("KB_ENV", "testing")
        super().__init__()
        self.ENV_NAME = "testing"
        self.TESTING = True
        self.PRODUCTION = False
        self.SECRET_KEY = "testing-secret-key"
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.INDEX_DIR = index_dir
        self.RATELIMIT_STORAGE_URI = "memory://"
        # mail is queued, not sent, unless a test says where (a local SMTP server, a folder)
        self.MAIL_SEND_AFTER_COMMIT = "off"
        self.SMTP_URL = ""
        self.MAIL_DIR = None
        self.BASE_URL = "http://kb.test"
        self.OIDC_ISSUER = self.OIDC_CLIENT_ID = self.OIDC_CLIENT_SECRET = ""
