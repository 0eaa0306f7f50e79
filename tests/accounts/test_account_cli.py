"""``kb user create|list|disable``."""

from __future__ import annotations

from sqlalchemy import select

from kb.accounts.auth import check_password
from kb.accounts.models import Organisation, User


def _user(db_session, email: str) -> User:
    db_session.expire_all()
    return db_session.scalars(select(User).where(User.email == email)).one()


def test_create_with_an_organisation_id_and_a_password_on_stdin(runner, create_organisation,
                                                                db_session):
    organisation = create_organisation(name="Ville de Guéret")
    result = runner.invoke(args=[
        "user", "create", "Marie@Gueret.example.fr", "--role", "contributeur",
        "--org", str(organisation.id), "--name", "Marie Durand", "--password-stdin",
    ], input="une phrase de passe assez longue\n")
    assert result.exit_code == 0, result.output
    assert "Compte créé : marie@gueret.example.fr, contributeur (Ville de Guéret" in result.output
    user = _user(db_session, "marie@gueret.example.fr")
    assert (user.name, user.organisation_id, user.approved, user.active) == (
        "Marie Durand", organisation.id, True, True)
    assert check_password(user.password_hash, "une phrase de passe assez longue")


def test_a_territory_code_names_the_organisation_of_that_territory(runner, db_session):
    result = runner.invoke(args=["user", "create", "a@creuse.example.fr", "--org", "D23",
                                 "--password-stdin"], input="une phrase de passe assez longue\n")
    assert result.exit_code == 0, result.output
    organisation = db_session.scalars(select(Organisation)).one()
    assert (organisation.name, organisation.kind, organisation.territory_code) == (
        "Creuse", "departement", "D23")
    again = runner.invoke(args=["user", "create", "b@creuse.example.fr", "--org", "d23",
                                "--password-stdin"], input="une phrase de passe assez longue\n")
    assert again.exit_code == 0, again.output
    assert len(db_session.scalars(select(Organisation)).all()) == 1
    assert _user(db_session, "b@creuse.example.fr").organisation_id == organisation.id


def test_a_password_can_be_typed_twice_at_the_prompt(runner, db_session):
    result = runner.invoke(args=["user", "create", "admin@example.org", "--role", "admin"],
                           input="une phrase de passe assez longue\n"
                                 "une phrase de passe assez longue\n")
    assert result.exit_code == 0, result.output
    assert _user(db_session, "admin@example.org").role == "admin"


def test_create_refuses_what_cannot_work(runner, create_user):
    create_user(email="deja@example.org")
    cases = [
        (["deja@example.org", "--org", "C23096"], "Un compte existe déjà pour deja@example.org."),
        (["x@example.org"], "Un contributeur doit être rattaché à une organisation."),
        (["x@example.org", "--org", "999999"], "Aucune organisation n'a le numéro 999999."),
        (["x@example.org", "--org", "Z99"], "« Z99 » n'est ni un numéro d'organisation"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["user", "create", *args, "--password-stdin"],
                               input="une phrase de passe assez longue\n")
        assert result.exit_code == 1 and message in result.output, result.output
    short = runner.invoke(args=["user", "create", "y@example.org", "--org", "C23096",
                                "--password-stdin"], input="court\n")
    assert short.exit_code == 1
    assert "Le mot de passe doit compter au moins 12 caractères." in short.output


def test_list_and_disable(runner, create_user, db_session):
    create_user(email="active@example.org")
    pending = create_user(email="pending@example.org")
    pending.approved = False
    db_session.commit()
    listing = runner.invoke(args=["user", "list"])
    assert listing.exit_code == 0
    lines = [line.split("\t") for line in listing.output.splitlines() if "\t" in line]
    assert [(line[1], line[3]) for line in lines] == [
        ("active@example.org", "actif"), ("pending@example.org", "en attente")]
    result = runner.invoke(args=["user", "disable", "Active@example.org"])
    assert result.exit_code == 0 and "Compte désactivé : active@example.org." in result.output
    assert _user(db_session, "active@example.org").active is False
    assert runner.invoke(args=["user", "disable", "nobody@example.org"]).exit_code == 1
