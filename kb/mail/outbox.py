"""Queueing messages in the same transaction as the change, and delivering them afterwards.

:func:`queue_mail` renders ``templates/mail/<name>.txt`` and ``.html`` and adds one
``mail_outbox`` row to the session: the message exists only if the change commits. Delivery
(:func:`deliver_pending`, after each commit that queued mail and in ``kb mail send --follow``)
claims rows one by one with a conditional update — two workers never send the same row, and a
worker that dies mid-send leaves a claim that expires — sends them, and on failure schedules the
next attempt with a doubling delay. Nothing is lost while the SMTP server is down: the row stays
``pending`` until it goes through, or becomes ``failed`` after :data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app, render_template
from sqlalchemy import and_, func, or_, select, update

from kb.accounts.models import utcnow
from kb.mail.models import MailMessage
from kb.mail.transport import DELIVERY_ERRORS

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
CLAIM_TIME = timedelta(minutes=5)  # a claim older than this is a dead worker's: taken again


def queue_mail(session, recipient: str, subject: str, template: str, topic: str,
               headers: dict | None = None, **context) -> MailMessage:
    """Render the message and add it to ``session`` (sent after the commit)."""
    context = {"subject": subject, "base_url": current_app.config["BASE_URL"], **context}
    message = MailMessage(
        recipient=recipient, subject=subject, topic=topic, headers=headers or {},
        text_body=render_template(f"mail/{template}.txt", **context),
        html_body=render_template(f"mail/{template}.html", **context),
        status="pending", attempts=0, next_attempt_at=utcnow(),
    )
    session.add(message)
    session.info["kb_mail_written"] = True
    return message


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min… at most 6 h between attempts."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def build_email(row: MailMessage, sender: str) -> EmailMessage:
    """The MIME message of a row: plain text and HTML alternatives, the row's extra headers."""
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = sender
    message["To"] = row.recipient
    message["Date"] = format_datetime(datetime.now().astimezone())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(f"kb{row.id}", domain=domain)
    message["X-KB-Stamp"] = f"{row.created_at:%Y%m%d-%H%M%S}-{row.id:06d}"
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


def _due(now: datetime):
    return or_(and_(MailMessage.status == "pending", MailMessage.next_attempt_at <= now),
               and_(MailMessage.status == "sending", MailMessage.locked_until < now))


def claim(make_session, now: datetime, limit: int) -> list[int]:
    """Take up to ``limit`` due rows for this worker (committed, so others skip them)."""
    with make_session() as session:
        ids = session.scalars(select(MailMessage.id).where(_due(now))
                              .order_by(MailMessage.id).limit(limit)).all()
        claimed = []
        for message_id in ids:
            result = session.execute(
                update(MailMessage).where(MailMessage.id == message_id, _due(now))
                .values(status="sending", locked_until=now + CLAIM_TIME))
            if result.rowcount == 1:
                claimed.append(message_id)
        session.commit()
    return claimed


def deliver_pending(make_session, transport, sender: str, now: datetime | None = None,
                    limit: int = 100) -> dict[str, int]:
    """Send the due messages; returns how many were sent and how many failed this time."""
    now = now or utcnow()
    report = {"sent": 0, "retry": 0, "failed": 0}
    for message_id in claim(make_session, now, limit):
        with make_session() as session:
            row = session.get(MailMessage, message_id)
            outcome = _send_one(row, transport, sender, now)
            report[outcome] += 1
            session.commit()
    return report


def _send_one(row: MailMessage, transport, sender: str, now: datetime) -> str:
    try:
        transport.send(build_email(row, sender))
    except DELIVERY_ERRORS as error:
        row.attempts += 1
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        row.locked_until = None
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            log.error("mail %s to %s failed for good: %s", row.id, row.recipient, row.last_error)
            return "failed"
        row.status, row.next_attempt_at = "pending", now + retry_delay(row.attempts)
        log.warning("mail %s to %s not sent (attempt %s): %s", row.id, row.recipient,
                    row.attempts, row.last_error)
        return "retry"
    row.status, row.sent_at, row.locked_until = "sent", utcnow(), None
    return "sent"


def outbox_status(session) -> dict:
    """Counts for ``/healthz`` and ``kb mail status``: waiting, being retried, failed for good,
    sent; the oldest waiting message's age and the last error seen."""
    counts = dict(session.execute(
        select(MailMessage.status, func.count()).group_by(MailMessage.status)).all())
    retrying = session.scalar(select(func.count()).select_from(MailMessage).where(
        MailMessage.status == "pending", MailMessage.attempts > 0)) or 0
    oldest = session.scalar(select(func.min(MailMessage.created_at)).where(
        MailMessage.status.in_(("pending", "sending"))))
    last_error = session.scalar(
        select(MailMessage.last_error).where(MailMessage.status.in_(("pending", "failed")),
                                             MailMessage.last_error.is_not(None))
        .order_by(MailMessage.id.desc()).limit(1))
    waiting = counts.get("pending", 0) + counts.get("sending", 0)
    status = "failed" if counts.get("failed") else "retrying" if retrying else "ok"
    return {"status": status, "pending": waiting, "retrying": retrying,
            "failed": counts.get("failed", 0), "sent": counts.get("sent", 0),
            "oldest_pending_seconds": int((utcnow() - oldest).total_seconds()) if oldest else 0,
            "last_error": last_error}
