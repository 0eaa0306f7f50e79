"""ProConnect (OpenID Connect) sign-in: who the identity is, here.

* An identity already seen (issuer + subject) signs its account in.
* Else, an account with the same address — verified by the provider — is linked to it.
* Else a registration request is recorded (no password; an admin approves it as any other),
  attached to the organisation the ``siret`` claim names where it can be found: an organisation
  with that SIRET, or with the same SIREN (its first nine digits), or the EPCI whose code is that
  SIREN (an EPCI's code in the Code officiel géographique is its SIREN). An unknown
  organisation leaves the request without one, for the admin to attach.
"""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import select

from kb.accounts.models import OidcIdentity, Organisation, User, utcnow
from kb.accounts.operations import _territory_organisation, find_user
from kb.db import session
from kb.mail.notifications import notify_registration_request
from kb.territories.models import Territory

SCOPES = "openid email given_name usual_name siret"
UNUSABLE_PASSWORD = "!"  # no password matches it (see kb.accounts.auth.check_password)


class ProConnectRefused(ValueError):
    """The identity cannot sign in; the message says why, in French."""


def organisation_for_siret(siret: str | None) -> Organisation | None:
    """The organisation a SIRET (14 digits) belongs to, when this site knows it."""
    siret = "".join(ch for ch in str(siret or "") if ch.isdigit())
    if len(siret) != 14:
        return None
    siren = siret[:9]
    found = session.scalars(select(Organisation).where(Organisation.siret == siret)).first()
    found = found or session.scalars(select(Organisation).where(
        Organisation.siret.like(f"{siren}%")).order_by(Organisation.id)).first()
    if found is None and (epci := session.get(Territory, f"E{siren}")) is not None:
        found = _territory_organisation(epci)
    return found


def _state_message(user: User) -> str | None:
    if user.refused_at is not None and not user.approved:
        return "Votre demande de compte n'a pas été acceptée."
    if not user.approved:
        return ("Votre demande de compte est en cours d'examen : vous pourrez vous connecter dès "
                "qu'un administrateur l'aura acceptée.")
    if not user.active:
        return "Ce compte est désactivé. Adressez-vous à un administrateur."
    return None


def _verified(claims: dict) -> bool:
    value = claims.get("email_verified")
    if value is None:
        return bool(current_app.config.get("OIDC_EMAILS_VERIFIED", True))
    return value is True or str(value).lower() == "true"


def proconnect_account(issuer: str, claims: dict) -> tuple[str, User]:
    """``("signed_in", user)`` or ``("requested", user)`` for these claims (ID token and
    userinfo merged); :class:`ProConnectRefused` otherwise."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise ProConnectRefused("ProConnect n'a pas transmis d'identifiant : réessayez.")
    identity = session.scalars(select(OidcIdentity).where(
        OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)).first()
    user = session.get(User, identity.user_id) if identity else _linked_account(issuer, claims)
    if user is None:
        return "requested", _registration_request(issuer, claims)
    if message := _state_message(user):
        raise ProConnectRefused(message)
    if identity is not None:
        identity.last_login_at = utcnow()
    return "signed_in", user


def _email(claims: dict) -> str:
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email:
        raise ProConnectRefused("ProConnect n'a pas transmis votre adresse électronique.")
    if not _verified(claims):
        raise ProConnectRefused("Votre adresse électronique n'est pas vérifiée par ProConnect : "
                                "connectez-vous avec votre mot de passe, ou demandez un compte.")
    return email


def _linked_account(issuer: str, claims: dict) -> User | None:
    """The account with the identity's verified address, now linked to it; None if none."""
    user = find_user(_email(claims))
    if user is not None:
        session.add(OidcIdentity(user_id=user.id, issuer=issuer, subject=str(claims["sub"])))
    return user


def _registration_request(issuer: str, claims: dict) -> User:
    email = _email(claims)
    siret = str(claims.get("siret") or "").strip()
    organisation = organisation_for_siret(siret)
    name = " ".join(str(claims.get(key) or "").strip()
                    for key in ("given_name", "usual_name")).strip() or email.split("@")[0]
    note = f"Demande faite avec ProConnect (SIRET {siret or 'non transmis'})."
    if organisation is None:
        note += " Organisation introuvable : rattachez le compte à son organisation avant de " \
                "l'accepter."
    user = User(email=email, name=name[:200], password_hash=UNUSABLE_PASSWORD,
                role="contributeur", requested_role="contributeur", request_message=note,
                organisation=organisation, active=True, approved=False,
                session_token=secrets.token_hex(16))
    session.add(user)
    session.flush()
    session.add(OidcIdentity(user_id=user.id, issuer=issuer, subject=str(claims["sub"])))
    notify_registration_request(user)
    return user
