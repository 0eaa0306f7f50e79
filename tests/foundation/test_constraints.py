"""Constraints the database itself enforces, whatever the application code does."""

import pytest
from sqlalchemy.exc import IntegrityError

from kb.accounts.models import User
from kb.experiences.models import Experience, ExperienceTerm


@pytest.fixture
def experience(create_experience):
    return create_experience()


@pytest.mark.parametrize("field, value", [
    ("state", "envolee"),
    ("project_state", "peut-etre"),
    ("evidence", "rumeur"),
    ("budget_eur", -1),
    ("pupils", -5),
    ("schools", -1),
    ("teachers", -2),
])
def test_invalid_values_are_refused(db_session, experience, field, value):
    setattr(experience, field, value)
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_end_before_start_is_refused(db_session, experience):
    from datetime import date

    experience.start_month = date(2024, 9, 1)
    experience.end_month = date(2023, 6, 1)
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_unknown_vocabulary_code_is_refused(db_session, experience):
    db_session.add(ExperienceTerm(experience_id=experience.id, vocabulary="theme", code="licornes"))
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_unknown_territory_is_refused(db_session, experience):
    experience.territory_code = "C99999"
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_emails_are_unique(db_session, create_user):
    create_user(email="unique@test.example.org")
    db_session.add(User(email="unique@test.example.org", name="Doublon", password_hash="!",
                        role="contributeur", active=True, approved=True))
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_unknown_role_is_refused(db_session):
    db_session.add(User(email="x@test.example.org", name="X", password_hash="!", role="empereur",
                        active=True, approved=True))
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_version_counter_detects_concurrent_updates(app, experience):
    """Two sessions loading the same write-up: the second save fails instead of overwriting."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    engine = app.extensions["kb.engine"]
    with Session(engine) as first, Session(engine) as second:
        a = first.get(Experience, experience.id)
        b = second.get(Experience, experience.id)
        a.title = "Première modification"
        first.commit()
        b.title = "Seconde modification"
        with pytest.raises(StaleDataError):
            second.commit()
