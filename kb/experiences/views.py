"""Views of the write-up feature: reading a write-up (this module); filing and editing
(:mod:`.edit_views`), its life cycle and follow-ups (:mod:`.workflow_views`), its history
(:mod:`.history_views`) and the review queue (:mod:`.moderation_views`) add their routes to
the same blueprint."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from kb.db import session
from kb.experiences.access import (
    STAFF_ROLES,
    can_edit,
    can_moderate,
    can_see_contact,
    can_view_history,
    get_experience_or_404,
    is_author,
)
from kb.experiences.forms import AuthorReplyForm, FollowUpForm, SendBackForm, StateChangeForm
from kb.experiences.models import Experience, Interest, ModerationComment, Replication
from kb.experiences.pending import open_pending_revision
from kb.experiences.reports import reports_for_authors

bp = Blueprint("experiences", __name__)

#: Forms of the write-up page, each with its prefix so that their fields never clash.
PAGE_FORMS = {
    "submit": StateChangeForm, "publish": StateChangeForm, "archive": StateChangeForm,
    "send_back": SendBackForm, "follow_up": FollowUpForm, "report_reply": AuthorReplyForm,
}


def page_form(name: str):
    """The write-up page's form ``name``, reading the request when it was the one sent."""
    return PAGE_FORMS[name](prefix=name)


@bp.route("/experiences/<int:experience_id>")
@bp.route("/experiences/<int:experience_id>-<slug>")
def show(experience_id: int, slug: str | None = None):
    """A write-up; the canonical address carries the slug."""
    experience = get_experience_or_404(experience_id)
    if slug != experience.slug:
        return redirect(
            url_for("experiences.show", experience_id=experience.id, slug=experience.slug), 301
        )
    return render_show(experience)


def render_show(experience: Experience, replying_to: int | None = None, **forms):
    """The write-up page; ``forms`` replaces the page's blank forms (to show their errors);
    ``replying_to`` is the report whose reply form they belong to."""
    from kb.attachments.operations import live_attachments

    editable = can_edit(experience)
    page_forms = {name: forms.get(name) or PAGE_FORMS[name](prefix=name, formdata=None)
                  for name in PAGE_FORMS}
    return render_template(
        "experiences/show.html",
        experience=experience,
        page_title=experience.title,
        can_edit=editable,
        can_moderate=can_moderate(),
        can_view_history=can_view_history(experience),
        show_contact=can_see_contact(),
        interest_count=_interest_count(experience.id),
        replications=_replications(experience.id),
        comments=_comments(experience.id) if _sees_comments(editable) else [],
        send_back=send_back_comment(experience) if _sees_comments(editable) else None,
        pending=open_pending_revision(experience.id) if _sees_comments(editable) else None,
        reports=_reports(experience),
        forms=page_forms, replying_to=replying_to,
        attachments=live_attachments(experience.id),
    )


def send_back_comment(experience: Experience) -> ModerationComment | None:
    """The moderator's comment that sent this draft back, while the authors have not
    resubmitted it: shown at the top of the write-up and of its edit form (issue 15)."""
    if experience.state != "brouillon":
        return None
    latest = session.scalars(
        select(ModerationComment)
        .where(ModerationComment.experience_id == experience.id)
        .order_by(ModerationComment.created_at.desc(), ModerationComment.id.desc())
        .limit(1)
    ).first()
    return latest if latest is not None and latest.action == "send_back" else None


def _reports(experience: Experience) -> list[dict]:
    """The reports about the write-up, for its authors and the moderators (issue 15)."""
    if not (is_author(experience) or can_moderate()):
        return []
    return reports_for_authors(experience)


def _sees_comments(editable: bool) -> bool:
    return editable or (current_user.is_authenticated and current_user.role in STAFF_ROLES)


def _replications(experience_id: int) -> dict:
    rows = session.scalars(
        select(Replication).where(
            (Replication.source_id == experience_id) | (Replication.replica_id == experience_id)
        )
    ).all()
    return {
        "replicas": [r.replica for r in rows
                     if r.source_id == experience_id and r.replica.is_published],
        "sources": [r.source for r in rows
                    if r.replica_id == experience_id and r.source.is_published],
    }


def _interest_count(experience_id: int) -> int:
    query = select(func.count()).select_from(Interest).where(
        Interest.experience_id == experience_id)
    return session.scalar(query) or 0


def _comments(experience_id: int) -> list[ModerationComment]:
    return session.scalars(
        select(ModerationComment)
        .where(ModerationComment.experience_id == experience_id)
        .order_by(ModerationComment.created_at.desc(), ModerationComment.id.desc())
    ).all()


from kb.experiences import (  # noqa: E402  (modules adding their routes to ``bp``)
    edit_views,
    history_views,
    moderation_views,
    workflow_views,
)

__all__ = ["bp", "edit_views", "history_views", "moderation_views", "workflow_views"]
