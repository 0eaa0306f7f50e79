"""Home, editorial pages (accessibility, legal notice, personal data) and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from kb import db, schema
from kb.dashboard.cache import cached
from kb.db import session
from kb.experiences.access import published_query
from kb.experiences.models import Experience, Label
from kb.territories.models import Territory

bp = Blueprint("pages", __name__)


def key_figures() -> dict:
    """The home page's figures, from two aggregate queries over every published write-up
    (45 ms at 10,000): kept per process until the data version changes
    (:func:`kb.dashboard.cache.cached`)."""
    published = Experience.state == "publiee"
    row = session.execute(
        select(
            func.count(Experience.id),
            func.count(func.distinct(Experience.organisation_id)),
            func.count(func.distinct(Experience.departement)),
            func.coalesce(func.sum(Experience.pupils), 0),
        ).where(published)
    ).one()
    labelled = session.scalar(
        select(func.count(Label.id)).join(Experience).where(published)
    )
    return {
        "experiences": row[0], "organisations": row[1], "departements": row[2],
        "pupils": row[3], "labelled": labelled,
    }


@bp.route("/")
def home():
    latest = session.scalars(published_query().limit(6)).all()
    labelled = session.scalars(
        published_query().join(Label, Label.experience_id == Experience.id).limit(3)
    ).all()
    return render_template(
        "pages/home.html", figures=cached("home_key_figures", key_figures), latest=latest,
        labelled=labelled,
    )


@bp.route("/accessibilite")
def accessibility():
    return render_template("pages/accessibilite.html", page_title="Déclaration d'accessibilité")


@bp.route("/mentions-legales")
def legal_notice():
    return render_template("pages/mentions_legales.html", page_title="Mentions légales")


@bp.route("/donnees-personnelles")
def personal_data():
    return render_template("pages/donnees_personnelles.html", page_title="Données personnelles")


@bp.route("/healthz")
def healthz():
    """Database, index and mail state as JSON; 503 when the database cannot be reached, or
    while this process is still warming up (``status: warming``)."""
    from kb.mail.delivery import mail_health
    from kb.search.indexer import index_health

    report: dict = {"status": "ok"}
    try:
        engine = db.get_engine()
        report["database"] = {
            "reachable": True,
            "backend": engine.dialect.name,
            "revision": schema.current_revision(engine),
            "head": schema.head_revision(engine),
            "experiences": session.scalar(select(func.count(Experience.id))),
            "published": session.scalar(
                select(func.count(Experience.id)).where(Experience.state == "publiee")
            ),
            "territories": session.scalar(select(func.count(Territory.code))),
        }
    except SQLAlchemyError as error:
        session.rollback()
        report.update(status="error", database={"reachable": False, "error": type(error).__name__})
        return jsonify(report), 503
    report["index"] = index_health()
    report["mail"] = mail_health(session)
    if report["index"]["warm"]["state"] == "warming":
        report["status"] = "warming"  # this worker is not ready for traffic yet
        return jsonify(report), 503
    if report["index"].get("status") != "ok" or report["mail"]["status"] != "ok":
        report["status"] = "degraded"
    return jsonify(report)
