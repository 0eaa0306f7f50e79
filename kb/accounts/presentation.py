"""An organisation's public presentation: its website and description, shown on
``/organisations/<id>``, kept by the site admins and by the members an admin named to manage it
(``User.manages_organisation``).

The website must be an http(s) address naming a host; the description is Markdown, shown
through :func:`kb.html.render_markdown` (sanitised) like a write-up's text.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from kb.accounts.models import Organisation, User, utcnow
from kb.accounts.operations import AccountInvalid
from kb.db import session
from kb.experiences.operations import PermissionDenied

WEBSITE_MAX = 500  # the column's length
DESCRIPTION_MAX = 3000


def website_error(url: str | None) -> str | None:
    """The French message for an unacceptable website address, ``None`` when it is fine
    (or empty): http or https, a host name with a dot (or an IP address), no blanks."""
    if not url:
        return None
    if len(url) > WEBSITE_MAX:
        return f"L'adresse ne doit pas dépasser {WEBSITE_MAX} caractères."
    if any(character.isspace() or ord(character) < 32 for character in url):
        return "L'adresse ne doit pas contenir d'espace."
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        host, parts = "", None
    if parts is None or parts.scheme.lower() not in ("http", "https"):
        return "L'adresse doit commencer par http:// ou https://."
    if "." not in host.strip(".") and ":" not in host:
        return "Indiquez l'adresse complète du site, par exemple https://www.exemple.fr."
    return None


def can_edit_presentation(user, organisation: Organisation) -> bool:
    """Site admins, and the active members of ``organisation`` named to manage it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.role == "admin":
        return True
    return bool(user.manages_organisation) and user.organisation_id == organisation.id


def update_presentation(organisation: Organisation, user: User, website: str | None,
                        description: str | None) -> Organisation:
    """Change the website and description (permission checked, then validated)."""
    if not can_edit_presentation(user, organisation):
        raise PermissionDenied()
    errors = {}
    if message := website_error(website):
        errors["website"] = message
    if description and len(description) > DESCRIPTION_MAX:
        errors["description"] = (f"La présentation ne doit pas dépasser {DESCRIPTION_MAX} "
                                 f"caractères (elle en a {len(description)}).")
    if errors:
        raise AccountInvalid(errors)
    organisation.website = website or None
    organisation.description = description or None
    organisation.presentation_updated_at = utcnow()
    session.flush()
    return organisation


def set_organisation_manager(user: User, admin: User, manages: bool) -> User:
    """Name (or stop naming) ``user`` to keep their organisation's public page."""
    if admin is None or admin.role != "admin":
        raise PermissionDenied()
    if manages and user.organisation_id is None:
        raise AccountInvalid({"manages_organisation": "Ce compte n'est rattaché à aucune "
                                                      "organisation."})
    user.manages_organisation = manages
    session.flush()
    return user
