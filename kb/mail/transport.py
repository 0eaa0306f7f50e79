"""Where messages go: an SMTP server (``KB_SMTP_URL``) or, in development, ``.eml`` files.

``smtp://host:25`` speaks plain SMTP, ``smtp://…?starttls=1`` (or ``smtp+starttls://``) upgrades
with STARTTLS before authenticating, ``smtps://host:465`` is TLS from the first byte. User and
password in the URL are percent-decoded; ``?timeout=`` sets the socket timeout (seconds).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

#: Errors that mean « try again later »: the server refused, timed out or was unreachable.
DELIVERY_ERRORS = (smtplib.SMTPException, OSError)
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class TransportError(ValueError):
    """``KB_SMTP_URL`` cannot be used; the message says why, in French."""


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    security: str = "plain"  # "plain", "starttls" or "tls"
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    ca_file: str | None = None
    name: str = "smtp"

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.security == "tls":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)


@dataclass(frozen=True)
class FileTransport:
    """Development: each message becomes a readable ``.eml`` file, and a line in the log."""

    directory: str
    name: str = "fichiers"

    def send(self, message: EmailMessage) -> None:
        folder = Path(self.directory)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{message['X-KB-Stamp']}.eml"
        path.write_bytes(bytes(message))
        log.warning("mail to %s « %s » written to %s", message["To"], message["Subject"], path)


def smtp_transport(url: str, ca_file: str | None = None) -> SmtpTransport:
    """The transport a ``KB_SMTP_URL`` describes."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise TransportError("KB_SMTP_URL doit ressembler à smtp://utilisateur:motdepasse@hôte:587 "
                             "(ou smtps://…, smtp+starttls://…).")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    security = {"smtps": "tls", "smtp+starttls": "starttls"}.get(parts.scheme, "plain")
    if options.get("starttls", "0") not in ("0", "", "false"):
        security = "starttls"
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        timeout = float(options.get("timeout", 10))
    except ValueError as error:
        raise TransportError("KB_SMTP_URL : port ou délai (timeout) invalide.") from error
    return SmtpTransport(parts.hostname, port, security, unquote(parts.username or ""),
                         unquote(parts.password or ""), timeout, ca_file)


def configured_transport(config) -> SmtpTransport | FileTransport | None:
    """SMTP when ``SMTP_URL`` is set, else files under ``MAIL_DIR``; ``None`` when neither (the
    test suite, where messages stay queued unless a test says where they go)."""
    if config.get("SMTP_URL"):
        return smtp_transport(config["SMTP_URL"], config.get("SMTP_CA_FILE"))
    if config.get("MAIL_DIR"):
        return FileTransport(config["MAIL_DIR"])
    return None
