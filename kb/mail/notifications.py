"""Who is told what, by e-mail: one function per event, called once by the operation that
makes the change, in its transaction (the message is queued, sent after the commit).

=====================================  ==============================================
event                                  recipients (less who turned the topic off)
=====================================  ==============================================
registration request                   admins
account approved / refused             the person
password reset asked / changed         the person
write-up submitted                     moderators and admins (not the one submitting)
sent back / published / archived       the authors (not the moderator acting)
changes to a published one proposed    moderators and admins (not the one proposing)
those changes sent back / approved     the authors (not the moderator acting)
report filed                           moderators and admins
report answered                        the person who filed it
authors asked about a report           the authors (not told who filed it)
authors' reply to a report             moderators and admins
interest, « nous l'avons fait aussi »  the authors, in one digest (:func:`send_digests`)
contact form                           the authors and the write-up's contact person
=====================================  ==============================================

The authors of a write-up are the active accounts of its filing and co-filing organisations
with the role ``contributeur``, and the account that created it.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from kb.accounts.models import User, utcnow
from kb.db import session
from kb.experiences.models import CoFiler, Experience
from kb.experiences.vocabularies import REPORT_KINDS
from kb.mail.links import absolute_url
from kb.mail.models import DigestItem
from kb.mail.outbox import queue_mail
from kb.mail.preferences import ACCOUNT_TOPIC, unsubscribe_headers, unsubscribe_url, who_wants

MODERATOR_ROLES = ("moderateur", "admin")
STATE_EVENTS = {
    # action: (template, subject prefix)
    "send_back": ("experience_sent_back", "Votre fiche vous est renvoyée"),
    "publish": ("experience_published", "Votre fiche est publiée"),
    "archive": ("experience_archived", "Votre fiche est archivée"),
    "edit_send_back": ("experience_edit_sent_back", "Vos modifications vous sont renvoyées"),
    "edit_approve": ("experience_edit_approved", "Vos modifications sont publiées"),
}


def send_to(user: User, topic: str, subject: str, template: str, headers: dict | None = None,
            **context) -> None:
    """Queue one message to ``user``, with its signed unsubscribe link and headers."""
    link = unsubscribe_url(user, topic)
    queue_mail(session, user.email, subject, template, topic,
               headers={**unsubscribe_headers(link), **(headers or {})},
               user=user, unsubscribe_link=link, **context)


def _send_each(users: list[User], topic: str, subject: str, template: str, **context) -> None:
    for user in who_wants(session, users, topic):
        send_to(user, topic, subject, template, **context)


def _active(query) -> list[User]:
    return list(session.scalars(query.where(User.active.is_(True), User.approved.is_(True))
                                .order_by(User.id)))


def staff(roles: tuple[str, ...]) -> list[User]:
    return _active(select(User).where(User.role.in_(roles)))


def authors_of(experience: Experience) -> list[User]:
    """The write-up's authors (see the module's docstring)."""
    organisations = select(CoFiler.organisation_id).where(
        CoFiler.experience_id == experience.id)
    members = (User.role == "contributeur") & (
        (User.organisation_id == experience.organisation_id)
        | User.organisation_id.in_(organisations))
    return _active(select(User).where(members | (User.id == experience.created_by_id)))


def _others(users: list[User], actor) -> list[User]:
    actor_id = getattr(actor, "id", None)
    return [user for user in users if user.id != actor_id]


def experience_link(experience: Experience) -> str:
    return absolute_url("experiences.show", experience_id=experience.id, slug=experience.slug)


# --------------------------------------------------------------------------- accounts


def notify_registration_request(user: User) -> None:
    """A new request waits: every admin who wants to know."""
    _send_each(staff(("admin",)), "inscriptions", f"Demande de compte : {user.name}",
               "registration_request", person=user,
               link=absolute_url("admin.account", user_id=user.id))


def notify_account_decision(user: User, approved: bool) -> None:
    """The person learns whether their request was accepted."""
    subject = "Votre compte est ouvert" if approved else "Votre demande de compte"
    send_to(user, ACCOUNT_TOPIC, subject, "account_decision", approved=approved,
            link=absolute_url("accounts.login"))


def notify_password_changed(user: User) -> None:
    """Whoever changed the password, the owner of the address hears of it."""
    send_to(user, ACCOUNT_TOPIC, "Votre mot de passe a été changé", "password_changed",
            changed_at=utcnow(), reset_link=absolute_url("password.forgotten"))


# --------------------------------------------------------------------------- write-ups


def notify_experience_event(experience: Experience, actor, action: str, comment: str = "") -> None:
    """A life-cycle change: submitted → moderators; sent back, published, archived → authors."""
    if action in ("submit", "edit_submit"):
        subject = "Fiche à relire" if action == "submit" else "Modifications à relire"
        _send_each(_others(staff(MODERATOR_ROLES), actor), "moderation",
                   f"{subject} : {experience.title}", "experience_submitted",
                   experience=experience, link=experience_link(experience),
                   queue_link=absolute_url("experiences.moderation"),
                   changes_only=action == "edit_submit")
    elif action in STATE_EVENTS:
        template, prefix = STATE_EVENTS[action]
        _send_each(_others(authors_of(experience), actor), "fiches",
                   f"{prefix} : {experience.title}", template, experience=experience,
                   comment=comment, link=experience_link(experience))


def notify_report(report, actor: User) -> None:
    """A write-up was reported: the moderators."""
    experience = session.get(Experience, report.experience_id)
    _send_each(_others(staff(MODERATOR_ROLES), actor), "moderation",
               f"Fiche signalée : {experience.title}", "report_filed",
               report=report, report_kind=dict(REPORT_KINDS).get(report.kind, report.kind),
               experience=experience, link=experience_link(experience),
               queue_link=absolute_url("experiences.moderation"))


def notify_report_answer(report, moderator: User, body: str) -> None:
    """A moderator answers a report: the person who filed it."""
    if report.user is None or not report.user.is_active:
        return
    experience = session.get(Experience, report.experience_id)
    _send_each([report.user], "signalements",
               f"Réponse à votre signalement : {experience.title}", "report_answer",
               report=report, experience=experience, body=body,
               link=experience_link(experience))


def notify_report_question(report, moderator: User, body: str) -> None:
    """A moderator asks the authors about a report (who filed it is not said)."""
    experience = session.get(Experience, report.experience_id)
    _send_each(_others(authors_of(experience), moderator), "fiches",
               f"Question de la modération sur votre fiche : {experience.title}",
               "report_question", report=report,
               report_kind=dict(REPORT_KINDS).get(report.kind, report.kind),
               experience=experience, body=body,
               link=experience_link(experience) + "#signalements")


def notify_report_author_reply(report, author: User, body: str) -> None:
    """The authors answered about a report: the moderators."""
    experience = session.get(Experience, report.experience_id)
    _send_each(_others(staff(MODERATOR_ROLES), author), "moderation",
               f"Réponse des auteurs à un signalement : {experience.title}",
               "report_author_reply", report=report, experience=experience, body=body,
               author=author, link=absolute_url("experiences.report_page", report_id=report.id))


def record_signal(experience: Experience, actor: User, kind: str) -> None:
    """An interest or a replication, kept for the authors' next digest (not one mail each)."""
    organisation = actor.organisation.name if actor.organisation else actor.name
    for user in who_wants(session, _others(authors_of(experience), actor), "signaux"):
        session.add(DigestItem(user_id=user.id, experience_id=experience.id, kind=kind,
                               actor_organisation=organisation[:200]))


def send_digests() -> int:
    """One message per author with every signal not told yet; returns how many were queued."""
    items = session.scalars(select(DigestItem).where(DigestItem.sent_at.is_(None))
                            .order_by(DigestItem.user_id, DigestItem.id)).all()
    by_user: dict[int, list[DigestItem]] = defaultdict(list)
    for item in items:
        by_user[item.user_id].append(item)
    queued = 0
    for user_id, user_items in by_user.items():
        user = session.get(User, user_id)
        if user is not None and user.is_active and who_wants(session, [user], "signaux"):
            send_to(user, "signaux", "Vos fiches intéressent des partenaires", "signal_digest",
                    entries=_digest_entries(user_items))
            queued += 1
        for item in user_items:
            item.sent_at = utcnow()
    return queued


def _digest_entries(items: list[DigestItem]) -> list[dict]:
    by_experience: dict[int, dict] = {}
    for item in items:
        entry = by_experience.get(item.experience_id)
        if entry is None:
            experience = session.get(Experience, item.experience_id)
            entry = by_experience[item.experience_id] = {
                "experience": experience, "link": experience_link(experience),
                "interet": [], "reprise": []}
        entry[item.kind].append(item.actor_organisation)
    return list(by_experience.values())
