"""« Écrire aux auteurs »: a signed-in partner writes to a published write-up's authors through
the site. The authors' addresses are never shown; the message goes through the mail outbox to
the authors who accept partners' messages, and to the write-up's contact person; its Reply-To is
the sender's address (the form says so), so the authors answer directly."""

from __future__ import annotations

from flask import abort

from kb.accounts.models import User
from kb.db import session
from kb.experiences.access import is_author
from kb.experiences.models import Experience
from kb.mail.notifications import _others, authors_of, experience_link, send_to
from kb.mail.outbox import queue_mail
from kb.mail.preferences import who_wants

SUBJECT_MAX, BODY_MAX = 200, 5000


class ContactInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def contact_authors(experience: Experience, sender: User, subject: str, body: str) -> int:
    """Queue the message to each recipient; returns how many. 403 for the authors themselves."""
    if is_author(experience, sender):
        abort(403)
    subject, body = (subject or "").strip(), (body or "").strip()
    errors = {}
    if not subject or len(subject) > SUBJECT_MAX:
        errors["subject"] = f"Indiquez l'objet du message ({SUBJECT_MAX} caractères au plus)."
    if not body or len(body) > BODY_MAX:
        errors["body"] = f"Écrivez votre message ({BODY_MAX} caractères au plus)."
    if errors:
        raise ContactInvalid(errors)
    recipients = who_wants(session, _others(authors_of(experience), sender), "contact")
    context = {"experience": experience, "sender": sender, "message_subject": subject,
               "body": body, "link": experience_link(experience)}
    title = f"Message d'un partenaire sur « {experience.title[:120]} » : {subject}"
    reply = {"Reply-To": sender.email}
    for user in recipients:
        send_to(user, "contact", title, "contact_message", headers=reply, **context)
    addresses = {user.email.lower() for user in recipients}
    contact = (experience.contact_email or "").strip()
    if contact and contact.lower() not in addresses:
        queue_mail(session, contact, title, "contact_message", "contact", headers=reply,
                   unsubscribe_link=None, **context)
        addresses.add(contact.lower())
    if not addresses:
        raise ContactInvalid({"body": "Les auteurs de cette fiche ne peuvent pas être joints par "
                                      "le site pour le moment."})
    return len(addresses)
