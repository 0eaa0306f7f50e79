"""Who may see and do what with a write-up: the one loader views use, and the permission rules.

Unpublished write-ups (drafts, submitted, archived) are invisible (404) to anyone who may not
see them, so that guessing ids reveals nothing; a visible write-up the user may not change gives
403. Who may do what (issue 3):

=============================  =========  ===========  ===========  =====  =======  =====
action                         anonymous  contributor  contributor  moder-  analyst  admin
                                          (own org)    (other org)  ator
=============================  =========  ===========  ===========  =====  =======  =====
read published                 yes        yes          yes          yes    yes      yes
read draft/submitted/archived  404        yes          404          yes    yes      yes
create                         sign-in    yes          —            yes    403      yes
edit, submit, follow-up        sign-in    yes          403          yes    403      yes
publish, send back, archive    sign-in    403          403          yes    403      yes
see contact details            no         yes          yes          yes    yes      yes
=============================  =========  ===========  ===========  =====  =======  =====
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from kb.db import session
from kb.experiences.models import CoFiler, Experience

STAFF_ROLES = ("moderateur", "analyste", "admin")
MODERATOR_ROLES = ("moderateur", "admin")
CREATOR_ROLES = ("contributeur", "moderateur", "admin")
PUBLIC_STATES = ("publiee",)


def _user(user=None):
    user = user if user is not None else current_user
    return user if getattr(user, "is_authenticated", False) else None


def is_author(experience: Experience, user=None) -> bool:
    """A contributor of the filing organisation, or of a co-filing one."""
    user = _user(user)
    if user is None or user.organisation_id is None:
        return False
    if experience.organisation_id == user.organisation_id:
        return True
    return any(c.organisation_id == user.organisation_id for c in experience.cofilers)


def can_view(experience: Experience, user=None) -> bool:
    """Everyone reads published write-ups; authors and staff read the others."""
    if experience.state in PUBLIC_STATES:
        return True
    user = _user(user)
    return user is not None and (user.role in STAFF_ROLES or is_author(experience, user))


def can_edit(experience: Experience, user=None) -> bool:
    """Edit, submit and add follow-ups: authors, moderators, admins (not analysts)."""
    user = _user(user)
    if user is None:
        return False
    if user.role in MODERATOR_ROLES:
        return True
    return user.role == "contributeur" and is_author(experience, user)


def can_moderate(user=None) -> bool:
    user = _user(user)
    return user is not None and user.role in MODERATOR_ROLES


def can_create(user=None) -> bool:
    """File a new write-up: contributors (for their organisation, so they need one),
    moderators and admins (for any organisation)."""
    user = _user(user)
    if user is None or user.role not in CREATOR_ROLES:
        return False
    return user.role != "contributeur" or user.organisation_id is not None


def can_view_history(experience: Experience, user=None) -> bool:
    """Revisions hold drafts and contact details: authors and staff only."""
    user = _user(user)
    return user is not None and (user.role in STAFF_ROLES or can_edit(experience, user))


def can_see_contact(user=None) -> bool:
    """Contact details are for signed-in partners only."""
    return _user(user) is not None


def get_experience_or_404(experience_id: int, for_edit: bool = False) -> Experience:
    """Load a write-up for the current user: 404 if unseen, 403 if seen but not editable."""
    experience = session.get(Experience, experience_id)
    if experience is None or not can_view(experience):
        abort(404)
    if for_edit and not can_edit(experience):
        abort(403)
    return experience


def card_options() -> tuple:
    """The relationships a write-up's card shows, loaded in a few queries."""
    return (
        selectinload(Experience.terms),
        selectinload(Experience.territory),
        selectinload(Experience.organisation),
        selectinload(Experience.label),
    )


def published_query() -> Select:
    """Published write-ups with what cards need, newest first."""
    return (
        select(Experience)
        .where(Experience.state == "publiee")
        .options(*card_options())
        .order_by(Experience.published_at.desc(), Experience.id.desc())
    )


def published_by_ids(ids) -> list[Experience]:
    """The published write-ups among ``ids`` (in no particular order), with what cards need.

    Selected by primary key, the state checked on the rows: with ``state = 'publiee'`` in the
    SQL, SQLite (which keeps no statistics unless ``ANALYZE`` was run) walks the state index
    over every published write-up — 28 ms a result page at 100,000, against 1 ms by key."""
    ids = list(ids)
    if not ids:
        return []
    query = select(Experience).where(Experience.id.in_(ids)).options(*card_options())
    return [row for row in session.scalars(query) if row.state == "publiee"]


def visible_condition(user=None):
    """SQL condition: the write-ups ``user`` may see (for listings that include drafts)."""
    user = _user(user)
    condition = Experience.state.in_(PUBLIC_STATES)
    if user is None:
        return condition
    if user.role in STAFF_ROLES:
        return Experience.id.is_not(None)
    if user.organisation_id is None:
        return condition
    cofiled = select(CoFiler.experience_id).where(CoFiler.organisation_id == user.organisation_id)
    own = Experience.organisation_id == user.organisation_id
    return condition | own | Experience.id.in_(cofiled)


def published_page(condition, page_arg, per_page: int = 20) -> dict:
    """One page of the published write-ups matching ``condition``, newest first, for listings
    (territory, organisation): the page number is read leniently and clamped to the range."""
    from sqlalchemy import func

    from kb.db import row_id

    total = session.scalar(
        select(func.count(Experience.id)).where(condition, Experience.state == "publiee")
    )
    pages = max(1, -(-total // per_page))
    page = min(max(1, row_id(page_arg) or 1), pages)
    experiences = session.scalars(
        published_query().where(condition).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return {"experiences": experiences, "total": total, "page": page, "pages": pages}
