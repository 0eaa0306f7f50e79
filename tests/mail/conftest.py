"""A real SMTP server (aiosmtpd) on a free loopback port, and an application that sends to it
right after each commit (``MAIL_SEND_AFTER_COMMIT="inline"``), so a test reads the server's
mailbox as soon as the request returns."""

from __future__ import annotations

import email
import socket
import threading
from email.policy import default as default_policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import make_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler keeping every message; ``failing`` answers 451 (try again later)."""

    def __init__(self) -> None:
        self.messages: list = []
        self.failing = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.failing:
            return "451 4.3.0 Service momentanément indisponible"
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append(SimpleNamespace(rcpt=list(envelope.rcpt_tos), message=message))
        return "250 OK"

    # ------------------------------------------------------------------ reading

    def to(self, address: str) -> list:
        return [m.message for m in self.messages if address in m.rcpt]

    def recipients(self) -> list[str]:
        return sorted(rcpt for m in self.messages for rcpt in m.rcpt)

    def clear(self) -> None:
        self.messages.clear()


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


@pytest.fixture
def smtp_server():
    """The running server: ``.mailbox``, ``.port``, ``.url``; stopped after the test."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SimpleNamespace(mailbox=mailbox, port=port, url=f"smtp://127.0.0.1:{port}",
                          controller=controller)
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    return smtp_server.mailbox


@pytest.fixture
def app(prepared_database, tmp_path, smtp_server):
    """The suite's application, sending to the local SMTP server after each commit."""
    from flask import request_started

    from tests.conftest import _empty_mutable_tables, _forget_request_globals

    application = make_app(prepared_database, str(tmp_path / "index"),
                           SMTP_URL=smtp_server.url, MAIL_SEND_AFTER_COMMIT="inline")
    request_started.connect(_forget_request_globals, application)
    yield application
    _empty_mutable_tables(application)
    application.extensions["kb.engine"].dispose()


@pytest.fixture
def outgoing(db_session):
    """Rows of the mail outbox, oldest first."""
    from sqlalchemy import select

    from kb.mail.models import MailMessage

    def read():
        db_session.expire_all()
        return list(db_session.scalars(select(MailMessage).order_by(MailMessage.id)))

    return read


@pytest.fixture
def deliver(app):
    """Run one delivery round now (or at ``now``), as ``kb mail send`` does."""
    from kb.mail.delivery import extension

    def run(now=None):
        with app.app_context():
            return extension(app).deliver(now=now)

    return run


@pytest.fixture
def create_request(create_user, db_session):
    """A registration request waiting for an admin (an account not approved yet)."""

    def factory(**fields):
        user = create_user(**fields)
        user.approved = False
        user.requested_role = "contributeur"
        db_session.commit()
        return user

    return factory
