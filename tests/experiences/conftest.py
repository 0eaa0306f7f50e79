"""Fixtures of the write-up tests: valid data, its form encoding, write-ups filed through the
operations (so that they have revisions), and reading the outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select


def valid_data(**overrides) -> dict:
    """A complete, valid write-up in the operations' shape (a snapshot)."""
    data = {
        "title": "Des tablettes dans les écoles de Guéret",
        "summary": "Six écoles équipées de classes mobiles de tablettes, avec formation.",
        "context": "Les écoles n'avaient **aucun** équipement mobile.",
        "actions": "- achat de 120 tablettes\n- formation des enseignants",
        "results": "Les enseignants utilisent les tablettes chaque semaine.",
        "lessons": "Prévoir la maintenance dès le départ.",
        "territory_code": "C23096",
        "territory_types": ["rural"], "levels": ["elementaire"],
        "themes": ["equipement", "formation"], "equipment": ["tablettes"],
        "project_state": "termine", "start": "2019-09", "end": "2021-06",
        "budget_eur": 85000, "funders": ["État", "Commune"],
        "schools": 6, "pupils": 640, "teachers": 32,
        "partners": "Atelier Canopé de la Creuse", "cofilers": [],
        "links": ["https://www.gueret.fr/ecoles"], "evidence": "enquete",
        "contact_name": "Marie Durand", "contact_role": "Chargée de mission numérique",
        "contact_email": "marie.durand@gueret.example.fr",
    }
    data.update(overrides)
    return data


def form_fields(data: dict, **extra) -> dict:
    """``data`` encoded as the write-up form posts it."""
    from kb.experiences.vocabularies import KNOWN_FUNDERS

    fields = {name: value for name, value in data.items()
              if name not in ("funders", "links", "cofilers")}
    fields = {name: ("" if value is None else value) for name, value in fields.items()}
    fields["funders"] = [f for f in data["funders"] if f in KNOWN_FUNDERS]
    fields["other_funders"] = "\n".join(f for f in data["funders"] if f not in KNOWN_FUNDERS)
    fields["links"] = "\n".join(data["links"])
    for index, cofiler in enumerate(data["cofilers"]):
        fields[f"cofilers-{index}-organisation_id"] = str(cofiler["organisation_id"])
        fields[f"cofilers-{index}-role"] = cofiler.get("role", "")
    fields.update(extra)
    return fields


@pytest.fixture
def experience_data():
    return valid_data


@pytest.fixture
def encode_form():
    return form_fields


@pytest.fixture
def file_experience(db_session):
    """File a write-up through the operations as ``user``, then move it along the life cycle up
    to ``state`` (with a moderator created on the way when needed); committed."""
    from kb.accounts.models import User
    from kb.db import commit
    from kb.experiences import operations as ops

    def factory(user, state="brouillon", moderator=None, **overrides):
        experience = ops.create_experience(user, valid_data(**overrides))
        if state != "brouillon":
            ops.submit_experience(experience, user)
        if state in ("publiee", "archivee"):
            moderator = moderator or _moderator(db_session, User)
            ops.publish_experience(experience, moderator)
        if state == "archivee":
            ops.archive_experience(experience, moderator)
        commit()
        return experience

    return factory


def _moderator(db_session, User):
    user = db_session.scalars(select(User).where(User.role == "moderateur")).first()
    if user is None:
        user = User(email="moderation-auto@test.example.org", name="Modération automatique",
                    password_hash="!", role="moderateur", active=True, approved=True)
        db_session.add(user)
        db_session.flush()
    return user


