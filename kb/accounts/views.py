"""Sign-in, registration, account and admin views; organisation pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select

from kb.accounts.models import Organisation
from kb.db import session
from kb.experiences.access import published_query
from kb.experiences.models import Experience

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 20


@bp.route("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    """An organisation and its published write-ups."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        abort(404)
    condition = (Experience.organisation_id == org.id) & (Experience.state == "publiee")
    total = session.scalar(select(func.count(Experience.id)).where(condition))
    pages = max(1, -(-total // PER_PAGE))
    raw = request.args.get("page", "1")
    page = min(max(1, int(raw)) if raw.isdigit() else 1, pages)
    experiences = session.scalars(
        published_query().where(Experience.organisation_id == org.id)
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return render_template(
        "organisations/show.html", organisation=org, experiences=experiences,
        total=total, page=page, pages=pages, page_title=org.name,
    )
