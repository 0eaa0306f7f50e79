"""What each person receives: the optional topics, their choices, and one-click unsubscribe.

Messages about the account itself (password reset, password changed, decision on a request)
are always sent; their unsubscribe link turns every optional topic off. Every other message
belongs to one topic, which the person can turn off on ``/compte`` or from the message.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kb.accounts.models import User
from kb.mail.links import BadSignature, absolute_url, serializer
from kb.mail.models import MailPreference

ACCOUNT_TOPIC = "compte"  # always sent
ALL_TOPICS = "tout"  # what an account message's unsubscribe link turns off


@dataclass(frozen=True)
class Topic:
    code: str
    label: str
    roles: tuple[str, ...]


TOPICS = (
    Topic("inscriptions", "Les nouvelles demandes de compte à examiner", ("admin",)),
    Topic("moderation", "Les fiches soumises et les signalements à traiter",
          ("moderateur", "admin")),
    Topic("fiches", "Le suivi de mes fiches : renvoi avec commentaire, publication, archivage",
          ("contributeur", "moderateur", "admin")),
    Topic("signaux", "Un résumé des partenaires intéressés par mes fiches ou qui les ont reprises",
          ("contributeur", "moderateur", "admin")),
    Topic("contact", "Les messages que les partenaires écrivent aux auteurs de mes fiches",
          ("contributeur", "moderateur", "admin")),
    Topic("signalements", "Les réponses de la modération à mes signalements",
          ("contributeur", "moderateur", "analyste", "admin")),
)
BY_CODE = {topic.code: topic for topic in TOPICS}


def topics_for(user: User) -> list[Topic]:
    """The optional topics that concern this person's role."""
    return [topic for topic in TOPICS if user.role in topic.roles]


def choices_of(session, user: User) -> dict[str, bool]:
    """Topic code → receive? for the person's topics (no row: receive)."""
    rows = dict(session.execute(select(MailPreference.topic, MailPreference.enabled)
                                .where(MailPreference.user_id == user.id)).all())
    return {topic.code: rows.get(topic.code, True) for topic in topics_for(user)}


def who_wants(session, users: list[User], topic: str) -> list[User]:
    """``users`` less those who turned ``topic`` off (one query)."""
    if topic == ACCOUNT_TOPIC or not users:
        return list(users)
    off = set(session.scalars(select(MailPreference.user_id).where(
        MailPreference.topic == topic, MailPreference.enabled.is_(False),
        MailPreference.user_id.in_([user.id for user in users]))))
    return [user for user in users if user.id not in off]


def set_choices(session, user: User, wanted: dict[str, bool]) -> None:
    """Record the person's choices (unknown topics ignored)."""
    known = {topic.code for topic in topics_for(user)}
    for code, enabled in wanted.items():
        if code not in known:
            continue
        row = session.get(MailPreference, (user.id, code))
        if row is None:
            session.add(MailPreference(user_id=user.id, topic=code, enabled=enabled))
        else:
            row.enabled = enabled


# --------------------------------------------------------------------------- unsubscribe


def unsubscribe_url(user: User, topic: str) -> str:
    """The signed link that turns ``topic`` off for ``user`` (no sign-in needed)."""
    code = ALL_TOPICS if topic == ACCOUNT_TOPIC else topic
    token = serializer("unsubscribe").dumps({"u": user.id, "t": code})
    return absolute_url("mail.unsubscribe", token=token)


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail clients offer a one-click « se désabonner »."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def read_unsubscribe_token(token: str) -> dict | None:
    """The token's content, or None when it was not signed by this site."""
    try:
        data = serializer("unsubscribe").loads(token)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def unsubscribe(session, data: dict) -> str | None:
    """Apply a token's content; returns what was turned off, in French, or None when the
    account or the topic no longer exists."""
    if "s" in data:
        from kb.alerts.operations import delete_saved_search_by_token

        return delete_saved_search_by_token(session, data)
    user = session.get(User, data.get("u") if isinstance(data.get("u"), int) else None)
    if user is None:
        return None
    code = data.get("t")
    if code == ALL_TOPICS:
        set_choices(session, user, {topic.code: False for topic in topics_for(user)})
        return "toutes les notifications facultatives"
    if code not in BY_CODE:
        return None
    existing = session.get(MailPreference, (user.id, code))
    if existing is None:
        session.add(MailPreference(user_id=user.id, topic=code, enabled=False))
    else:
        existing.enabled = False
    return f"« {BY_CODE[code].label} »"
