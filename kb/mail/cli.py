"""``kb mail send [--follow]``, ``kb mail status``, ``kb mail digest`` and ``kb alerts send``."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from kb import db
from kb.french import compte_simple

DIGEST_EVERY = 3600.0  # seconds between two digest rounds of the worker
ALERTS_EVERY = 3600.0  # seconds between two alert rounds of the worker


@click.group("mail")
def mail_group() -> None:
    """Outgoing e-mail: send the outbox, show its state, send the signal digests."""


@mail_group.command("send")
@click.option("--follow", is_flag=True, help="Continue : envoie au fil de l'eau (worker).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5.0,
              help="Secondes entre deux passages (avec --follow).")
@click.option("--rounds", type=click.IntRange(min=1), default=None, hidden=True)
@with_appcontext
def send_command(follow: bool, interval: float, rounds: int | None) -> None:
    """Send the messages due now; with --follow, keep sending, and run the digests and the
    saved-search alerts every hour."""
    from kb.mail.delivery import extension

    ext = extension()
    if ext.transport is None:
        raise click.ClickException("Aucun moyen d'envoi : définissez KB_SMTP_URL.")
    last_rounds = {"digest": 0.0, "alerts": 0.0}
    done = 0
    while True:
        if follow:
            _periodic(last_rounds)
        report = ext.deliver()
        if report["sent"] or report["retry"] or report["failed"] or not follow:
            click.echo(f"{compte_simple(report['sent'], 'envoyé')}, {report['retry']} à réessayer, "
                       f"{report['failed']} en échec définitif.")
        done += 1
        if not follow or (rounds is not None and done >= rounds):
            return
        time.sleep(interval)


def _periodic(last_rounds: dict) -> None:
    now = time.monotonic()
    if now - last_rounds["digest"] >= DIGEST_EVERY:
        last_rounds["digest"] = now
        _run_digests()
    if now - last_rounds["alerts"] >= ALERTS_EVERY:
        last_rounds["alerts"] = now
        _run_alerts(force=False)


def _run_digests() -> int:
    from kb.mail.notifications import send_digests

    queued = send_digests()
    db.commit()
    return queued


def _run_alerts(force: bool) -> dict:
    from kb.alerts.operations import send_alerts

    report = send_alerts(db.session, force=force)
    db.commit()
    return report


@mail_group.command("status")
@with_appcontext
def status_command() -> None:
    """Show the outbox: waiting, being retried, failed, sent, and the last error."""
    from kb.mail.delivery import extension
    from kb.mail.outbox import outbox_status

    report = outbox_status(db.session)
    transport = extension().transport
    click.echo(f"Envoi : {transport.name if transport else 'aucun'}")
    click.echo(f"En attente : {report['pending']} (dont {report['retrying']} à réessayer, "
               f"la plus ancienne depuis {report['oldest_pending_seconds']} s)")
    click.echo(f"En échec définitif : {report['failed']}")
    click.echo(f"Envoyés : {report['sent']}")
    if report["last_error"]:
        click.echo(f"Dernière erreur : {report['last_error']}")
    if report["status"] != "ok":
        raise SystemExit(1)


@mail_group.command("digest")
@with_appcontext
def digest_command() -> None:
    """Queue the authors' digests of interests and replications now."""
    queued = _run_digests()
    click.echo(f"{compte_simple(queued, 'résumé mis', 'résumés mis')} en file d'envoi.")


@click.group("alerts")
def alerts_group() -> None:
    """Saved-search alerts."""


@alerts_group.command("send")
@click.option("--all", "force", is_flag=True,
              help="Toutes les recherches enregistrées, même celles qui ne sont pas dues.")
@with_appcontext
def alerts_send_command(force: bool) -> None:
    """Queue the alerts of the saved searches that are due (daily or weekly)."""
    report = _run_alerts(force)
    checked = compte_simple(report["checked"], "recherche examinée", "recherches examinées")
    sent = compte_simple(report["sent"], "alerte mise", "alertes mises")
    click.echo(f"{checked}, {sent} en file d'envoi.")
