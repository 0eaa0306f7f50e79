"""The mail outbox: queued with the change, sent after the commit to a real SMTP server,
kept and retried while the server fails, visible in /healthz and ``kb mail status``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kb.accounts.models import utcnow
from kb.mail.outbox import MAX_ATTEMPTS, claim, queue_mail, retry_delay
from kb.mail.transport import FileTransport, TransportError, smtp_transport
from tests.mail.conftest import free_port, html_of, text_of


def _queue(db_session, recipient="personne@test.example.org"):
    from kb.accounts.models import User
    from kb.mail.notifications import notify_account_decision

    user = User(email=recipient, name="Camille Test", password_hash="!", role="contributeur",
                active=True, approved=True)
    db_session.add(user)
    db_session.flush()
    notify_account_decision(user, approved=True)
    return user


def test_a_message_exists_only_if_the_change_commits(db_session, outgoing):
    _queue(db_session)
    db_session.rollback()
    assert outgoing() == []
    _queue(db_session)
    db_session.commit()
    assert [row.status for row in outgoing()] == ["pending"]


def test_a_committed_message_reaches_the_smtp_server_in_text_and_html(
        app, db_session, deliver, mailbox, outgoing):
    _queue(db_session)
    db_session.commit()
    assert deliver() == {"sent": 1, "retry": 0, "failed": 0}
    [message] = mailbox.to("personne@test.example.org")
    assert message["Subject"] == "Votre compte est ouvert"
    assert message["From"] == app.config["MAIL_FROM"]
    assert "Votre demande de compte est acceptée" in text_of(message)
    assert "République<br>française" in html_of(message)
    assert message["List-Unsubscribe"].startswith("<http://kb.test/desabonnement/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"]
    [row] = outgoing()
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 0
    assert deliver() == {"sent": 0, "retry": 0, "failed": 0}  # never twice
    assert len(mailbox.messages) == 1


def test_a_request_that_queues_mail_sends_it_after_its_commit(client, login_as, create_request,
                                                               mailbox):
    admin = login_as("admin")
    person = create_request()
    response = client.post(f"/admin/comptes/{person.id}/approuver", data={"role": "contributeur"})
    assert response.status_code == 303
    assert [m["Subject"] for m in mailbox.to(person.email)] == ["Votre compte est ouvert"]
    assert mailbox.to(admin.email) == []


def test_a_failing_smtp_server_loses_no_mail(app, client, db_session, deliver, mailbox,
                                             outgoing):
    mailbox.failing = True
    _queue(db_session)
    db_session.commit()
    assert deliver() == {"sent": 0, "retry": 1, "failed": 0}
    [row] = outgoing()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in row.last_error
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert health["mail"]["retrying"] == 1 and health["mail"]["pending"] == 1
    assert "personne@" not in str(health)  # /healthz is public: no address
    # not retried before its delay, then retried once the server is back
    assert deliver(now=utcnow() + timedelta(seconds=5)) == {"sent": 0, "retry": 0, "failed": 0}
    mailbox.failing = False
    assert deliver(now=utcnow() + retry_delay(1) + timedelta(seconds=1))["sent"] == 1
    assert len(mailbox.to("personne@test.example.org")) == 1
    assert client.get("/healthz").get_json()["mail"]["status"] == "ok"


def test_an_unreachable_server_keeps_the_message_for_the_next_round(
        app, db_session, outgoing, smtp_server):
    from kb.mail.outbox import deliver_pending

    _queue(db_session)
    db_session.commit()
    down = smtp_transport(f"smtp://127.0.0.1:{free_port()}?timeout=2")
    make_session = app.extensions["kb.sessionmaker"]
    assert deliver_pending(make_session, down, "kb@test")["retry"] == 1
    [row] = outgoing()
    assert row.status == "pending" and "ConnectionRefused" in row.last_error
    up = smtp_transport(smtp_server.url)
    later = utcnow() + timedelta(minutes=1)
    assert deliver_pending(make_session, up, "kb@test", now=later)["sent"] == 1
    assert len(smtp_server.mailbox.messages) == 1


def test_a_message_fails_for_good_after_the_last_attempt(app, db_session, deliver, mailbox,
                                                        outgoing, runner, client):
    mailbox.failing = True
    _queue(db_session)
    db_session.commit()
    moment = utcnow()
    for _attempt in range(MAX_ATTEMPTS):
        moment += timedelta(hours=7)
        deliver(now=moment)
    [row] = outgoing()
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert client.get("/healthz").get_json()["mail"]["failed"] == 1
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 1
    assert "En échec définitif : 1" in result.output and "451" in result.output


def test_retry_delays_double_up_to_six_hours():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(30) == timedelta(hours=6)


def test_two_workers_never_claim_the_same_message(app, db_session, outgoing):
    _queue(db_session)
    db_session.commit()
    make_session = app.extensions["kb.sessionmaker"]
    now = utcnow()
    assert len(claim(make_session, now, 10)) == 1
    assert claim(make_session, now, 10) == []
    # a dead worker's claim expires
    assert len(claim(make_session, now + timedelta(minutes=6), 10)) == 1


def test_kb_mail_send_delivers_what_is_waiting(app, db_session, runner, mailbox):
    _queue(db_session)
    db_session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 envoyé," in result.output
    assert len(mailbox.messages) == 1
    status = runner.invoke(args=["mail", "status"])
    assert status.exit_code == 0 and "Envoyés : 1" in status.output


def test_the_background_thread_sends_without_the_request_waiting(
        prepared_database, tmp_path, smtp_server):
    import time

    from tests.conftest import _empty_mutable_tables, make_app

    application = make_app(prepared_database, str(tmp_path / "index"),
                           SMTP_URL=smtp_server.url, MAIL_SEND_AFTER_COMMIT="thread")
    try:
        with application.app_context():
            from kb import db

            _queue(db.session, "fil@test.example.org")
            db.commit()
        deadline = time.monotonic() + 10
        while not smtp_server.mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert smtp_server.mailbox.recipients() == ["fil@test.example.org"]
    finally:
        _empty_mutable_tables(application)
        application.extensions["kb.engine"].dispose()


def test_in_development_messages_become_eml_files(app, db_session, tmp_path, caplog):
    import email
    from email.policy import default

    from kb.mail.outbox import deliver_pending

    _queue(db_session)
    db_session.commit()
    folder = tmp_path / "mails"
    deliver_pending(app.extensions["kb.sessionmaker"], FileTransport(str(folder)), "kb@test")
    [path] = list(folder.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert message["To"] == "personne@test.example.org"
    assert "Votre demande de compte est acceptée" in text_of(message)
    assert str(path) in caplog.text and "Camille" not in caplog.text


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.org", ("mail.example.org", 25, "plain", "", "")),
    ("smtp://u%40x:p%3Aw@mail.example.org:587?starttls=1",
     ("mail.example.org", 587, "starttls", "u@x", "p:w")),
    ("smtp+starttls://mail.example.org", ("mail.example.org", 587, "starttls", "", "")),
    ("smtps://user:secret@mail.example.org", ("mail.example.org", 465, "tls", "user", "secret")),
])
def test_kb_smtp_url_forms(url, expected):
    transport = smtp_transport(url)
    assert (transport.host, transport.port, transport.security, transport.username,
            transport.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtp://h:99999999"])
def test_a_bad_kb_smtp_url_is_refused_in_french(url):
    with pytest.raises((TransportError, ValueError)):
        smtp_transport(url).port  # noqa: B018


def test_queue_mail_renders_both_bodies(app, db_session):
    with app.test_request_context():
        row = queue_mail(db_session, "x@test.example.org", "Sujet", "password_changed",
                         "compte", user=type("U", (), {"name": "Lou"})(),
                         changed_at=utcnow(), reset_link="http://kb.test/r",
                         unsubscribe_link=None)
    assert "Lou" in row.text_body and "<html" in row.html_body
    db_session.rollback()
