"""Views of the write-up feature: reading (this module), filing and editing (see ``edit_views``)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import func, select

from kb.db import session
from kb.experiences.access import can_edit, can_moderate, can_see_contact, get_experience_or_404
from kb.experiences.models import Interest, ModerationComment, Replication

bp = Blueprint("experiences", __name__)


@bp.route("/experiences/<int:experience_id>")
@bp.route("/experiences/<int:experience_id>-<slug>")
def show(experience_id: int, slug: str | None = None):
    """A write-up; the canonical address carries the slug."""
    experience = get_experience_or_404(experience_id)
    if slug != experience.slug:
        return redirect(
            url_for("experiences.show", experience_id=experience.id, slug=experience.slug), 301
        )
    return render_template(
        "experiences/show.html",
        experience=experience,
        page_title=experience.title,
        can_edit=can_edit(experience),
        can_moderate=can_moderate(),
        show_contact=can_see_contact(),
        interest_count=session.scalar(
            select(func.count()).select_from(Interest).where(Interest.experience_id == experience.id)
        ),
        replications=_replications(experience.id),
        comments=_comments(experience.id) if can_edit(experience) else [],
    )


def _replications(experience_id: int) -> dict:
    rows = session.scalars(
        select(Replication).where(
            (Replication.source_id == experience_id) | (Replication.replica_id == experience_id)
        )
    ).all()
    return {
        "replicas": [r.replica for r in rows if r.source_id == experience_id and r.replica.is_published],
        "sources": [r.source for r in rows if r.replica_id == experience_id and r.source.is_published],
    }


def _comments(experience_id: int) -> list[ModerationComment]:
    return session.scalars(
        select(ModerationComment)
        .where(ModerationComment.experience_id == experience_id)
        .order_by(ModerationComment.created_at.desc())
    ).all()
