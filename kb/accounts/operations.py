"""Operations on accounts and organisations: sign-in checks, registration and its approval,
passwords, roles, and the admin's organisation work (create, edit, merge, delete).

Like the write-up operations they check permission, validate, save, write the search outbox
entries their change calls for, and leave the commit to the caller.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select, update

from kb.accounts.auth import MIN_PASSWORD_LENGTH, check_password, hash_password
from kb.accounts.models import (
    Organisation,
    OrganisationMembership,
    OrganisationMerge,
    User,
    utcnow,
)
from kb.db import session
from kb.experiences.models import CoFiler, Experience
from kb.experiences.operations import PermissionDenied
from kb.experiences.vocabularies import ORGANISATION, ROLE_CODES
from kb.mail import notifications
from kb.search.models import enqueue
from kb.territories.models import Territory

TERRITORY_ORGANISATION_KINDS = {
    "commune": "commune", "epci": "epci", "departement": "departement", "region": "region",
}
WEBSITE_MAX = 500  # the column's length
_dummy_hash: str | None = None


class AccountInvalid(ValueError):
    """Refused: ``errors`` maps each faulty field to a French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class SignInRefused(ValueError):
    """Sign-in refused; the message says why, in French."""


# --------------------------------------------------------------------------- signing in


def find_user(email: str) -> User | None:
    """The account with this address, whatever its case."""
    query = select(User).where(func.lower(User.email) == (email or "").strip().lower())
    return session.scalars(query).first()


def authenticate(email: str, password: str) -> User:
    """The account these credentials open, or :class:`SignInRefused`.

    A wrong address and a wrong password get the same message (and the same slow hash), so
    the form tells nobody which addresses have an account. The account's state is only told
    to someone who knows its password.
    """
    user = find_user(email)
    if user is None:
        check_password(_dummy(), password)
        raise SignInRefused("Adresse électronique ou mot de passe incorrect.")
    if not check_password(user.password_hash, password):
        raise SignInRefused("Adresse électronique ou mot de passe incorrect.")
    if user.refused_at is not None and not user.approved:
        raise SignInRefused("Votre demande de compte n'a pas été acceptée.")
    if not user.approved:
        raise SignInRefused("Votre demande de compte est en cours d'examen : vous pourrez vous "
                            "connecter dès qu'un administrateur l'aura acceptée.")
    if not user.active:
        raise SignInRefused("Ce compte est désactivé. Adressez-vous à un administrateur.")
    return user


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_hex(16))
    return _dummy_hash


def record_sign_in(user: User) -> None:
    """Note the sign-in; give the account a session token if it has none yet."""
    user.last_login_at = utcnow()
    if not user.session_token:
        user.session_token = secrets.token_hex(16)


def end_other_sessions(user: User) -> None:
    """A new token: every session signed in with the old one ends at its next request."""
    user.session_token = secrets.token_hex(16)


# --------------------------------------------------------------------------- own account


def update_profile(user: User, name: str) -> User:
    """Change the name the account is shown under."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise AccountInvalid({"name": "Indiquez votre nom (200 caractères au plus)."})
    user.name = name
    return user


def change_password(user: User, current: str, new: str) -> User:
    """Change the password (the current one is required) and end the other sessions."""
    if not check_password(user.password_hash, current or ""):
        raise AccountInvalid({"current_password": "Le mot de passe actuel est incorrect."})
    check_password_rules(new, "new_password")
    user.password_hash = hash_password(new)
    end_other_sessions(user)
    notifications.notify_password_changed(user)
    return user


def check_password_rules(password: str, field: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountInvalid({field: "Le mot de passe doit compter au moins "
                                     f"{MIN_PASSWORD_LENGTH} caractères."})


# --------------------------------------------------------------------------- registration


def register(name: str, email: str, password: str, requested_role: str,
             organisation: Organisation, message: str = "") -> User:
    """Record a request for an account: it signs in once an admin approves it."""
    if find_user(email) is not None:
        raise AccountInvalid({"email": "Un compte existe déjà avec cette adresse. Si c'est le "
                                       "vôtre, connectez-vous."})
    if requested_role not in ROLE_CODES or requested_role == "admin":
        raise AccountInvalid({"requested_role": "Choisissez le rôle demandé."})
    check_password_rules(password, "password")
    user = User(email=email.strip().lower(), name=name.strip(),
                password_hash=hash_password(password), role="contributeur",
                requested_role=requested_role, request_message=message or None,
                organisation=organisation, active=True, approved=False,
                session_token=secrets.token_hex(16))
    session.add(user)
    session.flush()
    notifications.notify_registration_request(user)
    return user


def requested_organisation(name: str, kind: str, territory: Territory | None) -> Organisation:
    """The organisation a registration names as new (an existing one of that name, kind and
    territory is reused rather than duplicated)."""
    query = select(Organisation).where(func.lower(Organisation.name) == name.strip().lower(),
                                       Organisation.kind == kind)
    if territory is not None:
        query = query.where(Organisation.territory_code == territory.code)
    existing = session.scalars(query).first()
    if existing is not None:
        return existing
    organisation = Organisation(name=name.strip(), kind=kind,
                                territory_code=territory.code if territory else None)
    session.add(organisation)
    session.flush()
    return organisation


def pending_requests() -> list[User]:
    """Registration requests waiting for an admin's decision, oldest first."""
    query = (select(User).where(User.approved.is_(False), User.refused_at.is_(None))
             .order_by(User.created_at, User.id))
    return list(session.scalars(query))


def approve_user(user: User, admin: User, role: str | None = None) -> User:
    """Accept a registration request, granting ``role`` (by default the one asked for)."""
    _require_admin(admin)
    role = role or user.requested_role or "contributeur"
    _check_role(user, role, user.organisation)
    user.role, user.approved, user.approved_at, user.refused_at = role, True, utcnow(), None
    user.active = True
    notifications.notify_account_decision(user, approved=True)
    return user


def refuse_user(user: User, admin: User) -> User:
    """Turn a registration request down: the person cannot sign in."""
    _require_admin(admin)
    if user.approved:
        raise AccountInvalid({"user": "Ce compte est déjà validé : désactivez-le plutôt."})
    user.refused_at = utcnow()
    end_other_sessions(user)
    notifications.notify_account_decision(user, approved=False)
    return user


def change_account(user: User, admin: User, role: str, organisation: Organisation | None) -> User:
    """Change an account's role and organisation."""
    _require_admin(admin)
    _check_role(user, role, organisation)
    if user.id == admin.id and role != "admin":
        raise AccountInvalid({"role": "Vous ne pouvez pas retirer votre propre rôle "
                                      "d'administrateur."})
    if user.organisation_id != (organisation.id if organisation else None):
        user.manages_organisation = False  # keeping a page does not follow to another one
    user.role, user.organisation = role, organisation
    return user


def set_account_active(user: User, admin: User, active: bool) -> User:
    """Disable an account (its sessions end at once) or enable it again."""
    _require_admin(admin)
    if user.id == admin.id and not active:
        raise AccountInvalid({"user": "Vous ne pouvez pas désactiver votre propre compte."})
    user.active = active
    if not active:
        end_other_sessions(user)
    return user


def _check_role(user: User, role: str, organisation: Organisation | None) -> None:
    if role not in ROLE_CODES:
        raise AccountInvalid({"role": "Choisissez un rôle dans la liste."})
    if role == "contributeur" and organisation is None:
        raise AccountInvalid({"organisation_id": "Un contributeur doit être rattaché à une "
                                                 "organisation."})


def _require_admin(user: User | None) -> None:
    if user is None or user.role != "admin":
        raise PermissionDenied()


# --------------------------------------------------------------------------- CLI


def create_account(email: str, role: str, organisation: Organisation | None, password: str,
                   name: str | None = None) -> User:
    """An approved, active account (``kb user create``)."""
    if find_user(email) is not None:
        raise AccountInvalid({"email": f"Un compte existe déjà pour {email}."})
    _check_role(None, role, organisation)
    check_password_rules(password, "password")
    user = User(email=email.strip().lower(), name=(name or email.split("@")[0]).strip(),
                password_hash=hash_password(password), role=role, organisation=organisation,
                active=True, approved=True, approved_at=utcnow(),
                session_token=secrets.token_hex(16))
    session.add(user)
    session.flush()
    return user


def organisation_for(reference: str) -> Organisation:
    """``42`` → organisation 42; ``C23096`` → the organisation of that territory, created and
    named after the territory when there is none."""
    reference = (reference or "").strip()
    if reference.isdigit():
        organisation = session.get(Organisation, int(reference))
        if organisation is None:
            raise AccountInvalid({"org": f"Aucune organisation n'a le numéro {reference}."})
        return organisation
    territory = session.get(Territory, reference.upper())
    if territory is None:
        raise AccountInvalid({"org": f"« {reference} » n'est ni un numéro d'organisation ni un "
                                     "code de territoire (C23096, E200034825, D23, R75)."})
    return _territory_organisation(territory)


def _territory_organisation(territory: Territory) -> Organisation:
    kind = TERRITORY_ORGANISATION_KINDS[territory.kind]
    query = (select(Organisation).where(Organisation.territory_code == territory.code)
             .order_by((Organisation.kind == kind).desc(), Organisation.id))
    organisation = session.scalars(query).first()
    if organisation is None:
        organisation = Organisation(name=territory.name, kind=kind, territory_code=territory.code)
        session.add(organisation)
        session.flush()
    return organisation


# --------------------------------------------------------------------------- organisations


def organisation_errors(data: dict) -> dict[str, str]:
    """One French message per faulty field of an organisation's data."""
    errors = {}
    if not (data.get("name") or "").strip():
        errors["name"] = "Indiquez le nom de l'organisation."
    if data.get("kind") not in ORGANISATION.codes:
        errors["kind"] = "Choisissez le type de l'organisation."
    code = data.get("territory_code")
    if code and session.get(Territory, code) is None:
        errors["territory_code"] = "Territoire introuvable : choisissez-le dans la liste."
    from kb.accounts.presentation import website_error

    if message := website_error(data.get("website")):
        errors["website"] = message
    return errors


def create_organisation(admin: User, data: dict) -> Organisation:
    """Create an organisation (admins only)."""
    _require_admin(admin)
    if errors := organisation_errors(data):
        raise AccountInvalid(errors)
    organisation = Organisation(**_organisation_values(data))
    session.add(organisation)
    session.flush()
    return organisation


def update_organisation(organisation: Organisation, admin: User, data: dict) -> Organisation:
    """Edit an organisation; its published write-ups are re-indexed (name, kind shown)."""
    _require_admin(admin)
    if errors := organisation_errors(data):
        raise AccountInvalid(errors)
    for name, value in _organisation_values(data).items():
        setattr(organisation, name, value)
    session.flush()
    _reindex_published(organisation.id)
    return organisation


def _organisation_values(data: dict) -> dict:
    return {"name": data["name"].strip(), "kind": data["kind"],
            "territory_code": data.get("territory_code") or None,
            "website": data.get("website") or None, "description": data.get("description") or None}


def merge_preview(duplicate: Organisation, kept: Organisation, admin: User) -> dict:
    """What merging ``duplicate`` into ``kept`` would move, for the confirmation page: the
    write-ups filed and co-filed, the accounts, the memberships (nothing is changed)."""
    _require_admin(admin)
    _check_merge(duplicate, kept)
    filed = session.scalars(select(Experience).where(Experience.organisation_id == duplicate.id)
                            .order_by(Experience.title, Experience.id)).all()
    cofiled = session.scalars(select(Experience).where(
        Experience.id.in_(_cofiled_ids(duplicate.id))).order_by(Experience.title)).all()
    accounts = session.scalars(select(User).where(User.organisation_id == duplicate.id)
                               .order_by(User.name, User.id)).all()
    return {"filed": filed, "cofiled": cofiled, "accounts": accounts,
            "memberships": _membership_count(duplicate.id)}


def _check_merge(duplicate: Organisation, kept: Organisation) -> None:
    if duplicate.id == kept.id:
        raise AccountInvalid({"target_id": "Choisissez une autre organisation que celle-ci."})


def merge_organisations(duplicate: Organisation, kept: Organisation, admin: User) -> Organisation:
    """Fold ``duplicate`` into ``kept``: write-ups, accounts, co-filings and memberships move
    over (co-filings made redundant are dropped), then ``duplicate`` is deleted. The merge is
    recorded (:class:`OrganisationMerge`), so that the old public address redirects to
    ``kept``'s and admins see who merged what, when."""
    _require_admin(admin)
    _check_merge(duplicate, kept)
    record = _merge_record(duplicate, kept, admin)
    moved = _filed_ids(duplicate.id) + _cofiled_ids(duplicate.id)
    _move(Experience.organisation_id, duplicate.id, kept.id)
    _merge_cofilings(duplicate.id, kept.id)
    _move(User.organisation_id, duplicate.id, kept.id)
    _merge_memberships(duplicate.id, kept.id)
    if kept.territory_code is None:
        kept.territory_code = duplicate.territory_code
    session.execute(update(OrganisationMerge).where(OrganisationMerge.into_id == duplicate.id)
                    .values(into_id=kept.id, into_name=kept.name)
                    .execution_options(synchronize_session=False))
    session.add(record)
    session.expire_all()
    session.delete(session.get(Organisation, duplicate.id))
    session.flush()
    for experience_id in _published(moved):
        enqueue(session, experience_id, "upsert")
    return session.get(Organisation, kept.id)


def _merge_record(duplicate: Organisation, kept: Organisation, admin: User) -> OrganisationMerge:
    """The merge's record, counted before anything moves."""
    from kb.experiences.slugs import slugify

    return OrganisationMerge(
        from_id=duplicate.id, from_name=duplicate.name, from_slug=slugify(duplicate.name),
        into_id=kept.id, into_name=kept.name, merged_by_id=admin.id, merged_at=utcnow(),
        experiences_moved=len(_filed_ids(duplicate.id)),
        cofilings_moved=len(_cofiled_ids(duplicate.id)),
        accounts_moved=_count(User.organisation_id == duplicate.id, User.id),
        memberships_moved=_membership_count(duplicate.id),
    )


def _membership_count(organisation_id: int) -> int:
    return _count((OrganisationMembership.member_id == organisation_id)
                  | (OrganisationMembership.association_id == organisation_id),
                  OrganisationMembership.member_id)


def merged_into(organisation_id: int) -> Organisation | None:
    """The organisation a deleted ``organisation_id`` was merged into (chains are kept flat
    by :func:`merge_organisations`), or ``None``."""
    record = session.scalars(select(OrganisationMerge)
                             .where(OrganisationMerge.from_id == organisation_id)
                             .order_by(OrganisationMerge.id.desc())).first()
    return session.get(Organisation, record.into_id) if record else None


def merges_into(organisation_id: int) -> list[OrganisationMerge]:
    """The merges recorded into an organisation, most recent first (its admin page)."""
    return list(session.scalars(select(OrganisationMerge)
                                .where(OrganisationMerge.into_id == organisation_id)
                                .order_by(OrganisationMerge.merged_at.desc(),
                                          OrganisationMerge.id.desc())))


def delete_organisation(organisation: Organisation, admin: User) -> None:
    """Delete an organisation that nothing refers to (an unused or refused request's)."""
    _require_admin(admin)
    if organisation_usage(organisation.id)["total"]:
        raise AccountInvalid({"organisation": "Cette organisation a encore des comptes ou des "
                                              "fiches : fusionnez-la plutôt."})
    session.delete(organisation)
    session.flush()


def organisation_usage(organisation_id: int) -> dict[str, int]:
    """How many accounts, write-ups and co-filings refer to the organisation."""
    count = {
        "users": _count(User.organisation_id == organisation_id, User.id),
        "experiences": _count(Experience.organisation_id == organisation_id, Experience.id),
        "cofilings": _count(CoFiler.organisation_id == organisation_id, CoFiler.experience_id),
    }
    return count | {"total": sum(count.values())}


def _count(condition, column) -> int:
    return session.scalar(select(func.count(column)).where(condition)) or 0


def _move(column, old: int, new: int) -> None:
    session.execute(update(column.class_).where(column == old).values({column.key: new})
                    .execution_options(synchronize_session=False))


def _merge_cofilings(old: int, new: int) -> None:
    """Co-filings of ``old`` become ``new``'s, unless ``new`` files or co-files already."""
    filed_by_new = select(Experience.id).where(Experience.organisation_id == new)
    cofiled_by_new = select(CoFiler.experience_id).where(CoFiler.organisation_id == new)
    session.execute(delete(CoFiler).where(
        CoFiler.organisation_id == old,
        CoFiler.experience_id.in_(filed_by_new) | CoFiler.experience_id.in_(cofiled_by_new),
    ).execution_options(synchronize_session=False))
    session.execute(delete(CoFiler).where(
        CoFiler.organisation_id == new, CoFiler.experience_id.in_(filed_by_new),
    ).execution_options(synchronize_session=False))
    _move(CoFiler.organisation_id, old, new)


def _merge_memberships(old: int, new: int) -> None:
    rows = session.scalars(select(OrganisationMembership).where(
        (OrganisationMembership.member_id == old) | (OrganisationMembership.association_id == old)
    )).all()
    pairs = {(r.member_id, r.association_id) for r in session.scalars(
        select(OrganisationMembership).where((OrganisationMembership.member_id == new)
                                             | (OrganisationMembership.association_id == new)))}
    for row in rows:
        pair = tuple(new if i == old else i for i in (row.member_id, row.association_id))
        session.delete(row)
        if pair[0] != pair[1] and pair not in pairs:
            pairs.add(pair)
            session.add(OrganisationMembership(member_id=pair[0], association_id=pair[1]))
    session.flush()


def _filed_ids(organisation_id: int) -> list[int]:
    return list(session.scalars(select(Experience.id)
                                .where(Experience.organisation_id == organisation_id)))


def _cofiled_ids(organisation_id: int) -> list[int]:
    return list(session.scalars(select(CoFiler.experience_id)
                                .where(CoFiler.organisation_id == organisation_id)))


def _published(ids: list[int]) -> list[int]:
    if not ids:
        return []
    return list(session.scalars(select(Experience.id).where(
        Experience.id.in_(ids), Experience.state == "publiee").order_by(Experience.id)))


def _reindex_published(organisation_id: int) -> None:
    ids = _filed_ids(organisation_id) + _cofiled_ids(organisation_id)
    for experience_id in _published(ids):
        enqueue(session, experience_id, "upsert")
