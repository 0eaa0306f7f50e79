"""``kb user …``: create, list and disable accounts."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from kb import db
from kb.accounts.auth import MIN_PASSWORD_LENGTH
from kb.accounts.models import User
from kb.accounts.operations import (
    AccountInvalid,
    create_account,
    end_other_sessions,
    find_user,
    organisation_for,
)
from kb.experiences.vocabularies import ROLE_CODES
from kb.french import compte_simple

user_group = click.Group("user", help="Gérer les comptes.")


class CommandError(click.ClickException):
    """A refusal shown in French (« Erreur : … ») with exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"Erreur\u00a0: {self.format_message()}", err=True)


@user_group.command("create", help="Créer un compte validé et actif.")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLE_CODES), default="contributeur", show_default=True,
              help="Rôle du compte.")
@click.option("--org", "org", default=None,
              help="Organisation : son numéro, ou le code d'un territoire (C23096, E200034825, "
                   "D23, R75) dont l'organisation est créée si besoin. Obligatoire pour un "
                   "contributeur.")
@click.option("--name", default=None, help="Nom affiché (par défaut, le début de l'adresse).")
@click.option("--password-stdin", is_flag=True,
              help="Lire le mot de passe sur l'entrée standard (première ligne).")
@with_appcontext
def create_command(email: str, role: str, org: str | None, name: str | None,
                   password_stdin: bool) -> None:
    """Create an approved, active account."""
    password = _read_password(password_stdin)
    try:
        organisation = organisation_for(org) if org else None
        user = create_account(email, role, organisation, password, name)
    except AccountInvalid as invalid:
        raise CommandError(" ".join(invalid.errors.values())) from None
    db.commit()
    where = f" ({user.organisation.name}, n° {user.organisation.id})" if user.organisation else ""
    click.echo(f"Compte créé : {user.email}, {user.role}{where}.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CommandError(
            f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")
    return password


@user_group.command("list", help="Lister les comptes : adresse, rôle, état, organisation.")
@click.option("--role", type=click.Choice(ROLE_CODES), default=None, help="Filtrer par rôle.")
@with_appcontext
def list_command(role: str | None) -> None:
    """List the accounts: email, role, state, organisation."""
    query = select(User).order_by(User.email)
    if role:
        query = query.where(User.role == role)
    users = db.session.scalars(query).all()
    for user in users:
        organisation = user.organisation.name if user.organisation else "—"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t{account_state(user)}\t{organisation}")
    click.echo(f"{compte_simple(len(users), 'compte')}.", err=True)


def account_state(user: User) -> str:
    """« actif », « en attente », « refusé » or « désactivé »."""
    if not user.approved:
        return "refusé" if user.refused_at else "en attente"
    return "actif" if user.active else "désactivé"


@user_group.command("disable", help="Désactiver un compte ; ses sessions prennent fin.")
@click.argument("email")
@with_appcontext
def disable_command(email: str) -> None:
    """Disable an account; its open sessions end at their next request."""
    user = find_user(email)
    if user is None:
        raise CommandError(f"Aucun compte pour {email}.")
    user.active = False
    end_other_sessions(user)
    db.commit()
    click.echo(f"Compte désactivé : {user.email}.")
