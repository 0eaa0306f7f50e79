"""The mail feature's hooks into the application: delivery after each commit that queued mail,
the sender thread, the digest and alert rounds of the worker, and the health report.

``MAIL_SEND_AFTER_COMMIT``: ``"thread"`` (default) wakes a background thread of this process,
so the request never waits for the SMTP server; ``"inline"`` sends before the response (tests
that read the SMTP server right after a request); ``"off"`` leaves everything to
``kb mail send --follow``.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from kb import db
from kb.mail.outbox import deliver_pending, outbox_status
from kb.mail.transport import configured_transport

log = logging.getLogger(__name__)
EXTENSION = "kb.mail"


class MailExtension:
    """Per-application state: the transport and the sender thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.make_session = app.extensions["kb.sessionmaker"]
        self.transport = configured_transport(app.config)
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def deliver(self, now=None) -> dict[str, int]:
        """Send what is due now (one sender at a time in this process)."""
        if self.transport is None:
            return {"sent": 0, "retry": 0, "failed": 0}
        with self._lock:
            return deliver_pending(self.make_session, self.transport,
                                   self.app.config["MAIL_FROM"], now=now)

    def wake(self) -> None:
        """Deliver soon in the background thread (started on first use)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="kb-mail", daemon=True)
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self.deliver()
            except Exception:  # the rows stay pending for the next round or the worker
                log.exception("mail delivery failed")


def init_app(app: Flask) -> None:
    app.config.setdefault("MAIL_SEND_AFTER_COMMIT", "thread")
    app.extensions[EXTENSION] = MailExtension(app)
    db.on_after_commit(app, _after_commit)


def extension(app: Flask | None = None) -> MailExtension:
    return (app or current_app).extensions[EXTENSION]


def _after_commit(session) -> None:
    if not session.info.pop("kb_mail_written", False):
        return
    mode = current_app.config["MAIL_SEND_AFTER_COMMIT"]
    if mode == "thread":
        extension().wake()
    elif mode == "inline":
        try:
            extension().deliver()
        except Exception:  # the commit succeeded; the messages wait for the next round
            log.exception("mail delivery after commit failed")


def mail_health(session) -> dict:
    """The outbox state for ``/healthz``: counts, and the kind of the last error only (an
    error text may hold an address, and ``/healthz`` is public)."""
    report = outbox_status(session)
    error = report.pop("last_error")
    report["last_error"] = error.partition(":")[0] if error else None
    transport = extension().transport
    report["transport"] = transport.name if transport else "aucun"
    return report
