"""« Mes fiches suivies »: the published write-ups a partner marked *Intéressé*, on ``/compte``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kb.db import session
from kb.experiences.models import Experience, Interest


def followed_experiences(user) -> list[tuple[Experience, datetime]]:
    """(write-up, when it was marked) for each published write-up ``user`` follows, the most
    recently marked first. A write-up unpublished since drops out until it is back."""
    query = (
        select(Experience, Interest.created_at)
        .join(Interest, Interest.experience_id == Experience.id)
        .where(Interest.user_id == user.id, Experience.state == "publiee")
        .options(selectinload(Experience.territory), selectinload(Experience.organisation))
        .order_by(Interest.created_at.desc(), Experience.id.desc())
    )
    return [(experience, marked) for experience, marked in session.execute(query)]


def account_followed(user) -> dict:
    """What ``/compte`` shows of the followed write-ups."""
    return {"followed": followed_experiences(user)}
