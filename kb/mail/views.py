"""One-click unsubscribe (``/desabonnement/<token>``) and the notification choices of
``/compte``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb.db import session
from kb.extensions import csrf
from kb.mail.preferences import (
    choices_of,
    read_unsubscribe_token,
    set_choices,
    topics_for,
    unsubscribe,
)

bp = Blueprint("mail", __name__)


@bp.route("/desabonnement/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@csrf.exempt  # the signed token is the proof; mail clients POST « List-Unsubscribe=One-Click »
def unsubscribe_page(token: str):
    """GET asks for confirmation (a link preview must not unsubscribe anyone); POST — the
    button, or the mail client's one-click request (RFC 8058) — unsubscribes."""
    data = read_unsubscribe_token(token)
    if data is None:
        return render_template("mail/unsubscribe.html", invalid=True,
                               page_title="Lien de désabonnement invalide"), 404
    if request.method == "GET":
        return render_template("mail/unsubscribe.html", token=token, page_title="Se désabonner")
    what = unsubscribe(session, data)
    if what is None:
        return render_template("mail/unsubscribe.html", gone=True,
                               page_title="Déjà désabonné"), 410
    return render_template("mail/unsubscribe.html", done=what, page_title="Désabonnement fait")


@bp.post("/compte/notifications")
@login_required
def preferences():
    """Save which optional messages the person receives (CSRF checked by CSRFProtect)."""
    wanted = {topic.code: request.form.get(f"topic_{topic.code}") == "1"
              for topic in topics_for(current_user)}
    set_choices(session, current_user, wanted)
    flash("Vos choix de notifications sont enregistrés.", "success")
    return redirect(url_for("accounts.account") + "#notifications", 303)


def account_notifications(user) -> dict:
    """What ``/compte`` shows of the mail feature: the topics and the person's choices."""
    return {"notification_topics": topics_for(user),
            "notification_choices": choices_of(session, user)}
