"""Saving a ``/recherche`` as an e-mail alert, and deleting it from ``/compte``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from kb.alerts.models import FREQUENCIES, SavedSearch
from kb.alerts.operations import (
    SavedSearchInvalid,
    create_saved_search,
    delete_saved_search,
    saved_searches_of,
)
from kb.db import row_id, session

bp = Blueprint("alerts", __name__)


@bp.app_context_processor
def _frequencies() -> dict:
    return {"alert_frequencies": FREQUENCIES}


@bp.post("/recherche/enregistrer")
@login_required
def save():
    """Save the search the form was on; back to it with a message."""
    query = request.form.get("query", "")[:4000]
    back = url_for("search.search") + (f"?{query}" if query else "")
    try:
        saved = create_saved_search(session, current_user, request.form.get("name", ""), query,
                                    request.form.get("frequency", ""))
    except SavedSearchInvalid as invalid:
        flash(" ".join(invalid.errors.values()), "error")
        return redirect(back, 303)
    flash(f"La recherche « {saved.name} » est enregistrée : vous recevrez ses nouvelles fiches "
          "par courriel. Vous la retrouvez dans votre compte.", "success")
    return redirect(back, 303)


@bp.post("/compte/recherches/<int:saved_id>/supprimer")
@login_required
def delete(saved_id: int):
    saved = session.get(SavedSearch, row_id(saved_id))
    delete_saved_search(session, saved, current_user)
    flash(f"La recherche « {saved.name} » est supprimée : plus d'alerte.", "success")
    return redirect(url_for("accounts.account") + "#alertes", 303)


def account_saved_searches(user) -> dict:
    """What ``/compte`` shows of the alerts feature."""
    return {"saved_searches": saved_searches_of(session, user)}
