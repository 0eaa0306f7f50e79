"""``kb demo``: the demonstration data set and the synthetic write-ups for benchmarks."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from kb.accounts.auth import check_password
from kb.accounts.models import Organisation, User
from kb.demo.loader import (
    DATA_DIR,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    load_demo,
    load_synthetic,
    read_demo_records,
)
from kb.demo.synthetic import generate_titles
from kb.experiences.models import Experience, ExperienceTerm, FollowUp, Revision
from kb.experiences.vocabularies import (
    EQUIPEMENT,
    NIVEAU,
    PROJECT_STATE_CODES,
    STATE_CODES,
    THEME,
)
from kb.opendata.records import experience_to_record, parse_record
from kb.search.models import OutboxEntry
from kb.territories.models import Territory

SMALL_SET = [
    {
        "title": "Un ENT pour les écoles de Guéret", "summary": "Un ENT commun.",
        "territory": {"code": "C23096"},
        "organisation": {"name": "Ville de Guéret", "kind": "commune", "territory": "C23096"},
        "themes": ["ent"], "levels": ["elementaire"], "status": "publiee",
        "published_at": "2023-05-02T09:00:00Z",
        "contact": {"name": "Claire Martin", "role": "DGS", "email": "claire@gueret.example.org"},
        "follow_ups": [{"date": "2024-06-01", "body": "Un an après."}],
    },
    {
        "title": "Des robots au collège", "territory": {"code": "D23"},
        "organisation": {"name": "Département de la Creuse", "kind": "departement"},
        "cofilers": [{"name": "Ville de Guéret", "kind": "commune", "territory": "C23096",
                      "role": "Accueil des ateliers"}],
        "themes": ["programmation"], "equipment": ["robots"], "status": "soumise",
    },
    {"title": "Refusée", "territory": {"code": "C99999"}, "themes": ["ent"],
     "organisation": {"name": "Nulle part", "kind": "commune"}},
]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def small_data_dir(tmp_path):
    (tmp_path / "experiences_a.json").write_text(json.dumps(SMALL_SET), encoding="utf-8")
    return tmp_path


def test_second_load_creates_nothing(db_session, small_data_dir):
    first = load_demo(data_dir=small_data_dir)
    assert (first.experiences_created, first.accounts_created) == (2, 4)
    counts = [count(db_session, m) for m in (Experience, Organisation, User, FollowUp)]
    second = load_demo(data_dir=small_data_dir)
    assert (second.experiences_created, second.experiences_present) == (0, 2)
    assert (second.accounts_created, second.organisations_created) == (0, 0)
    assert [count(db_session, m) for m in (Experience, Organisation, User, FollowUp)] == counts


def test_refused_record_is_reported_and_skipped(db_session, small_data_dir):
    report = load_demo(data_dir=small_data_dir)
    assert [(source, index) for source, index, _ in report.refused] == [("experiences_a.json", 2)]
    assert "Territoire inconnu : C99999" in report.summary()


def test_demo_accounts_one_per_role_approved_with_the_demo_password(db_session, small_data_dir):
    report = load_demo(data_dir=small_data_dir)
    users = {u.email: u for u in db_session.scalars(select(User))}
    for email, role, _ in DEMO_ACCOUNTS:
        user = users[email]
        assert (user.role, user.is_active) == (role, True)
        assert check_password(user.password_hash, DEMO_PASSWORD)
    contributor = users["contributeur@demo.example.org"]
    assert contributor.organisation.name == "Ville de Guéret"
    summary = report.summary()
    assert DEMO_PASSWORD in summary and "admin@demo.example.org" in summary
    assert "2 fiches créées" in summary


def test_publishing_fields_come_from_the_file(db_session, small_data_dir):
    load_demo(data_dir=small_data_dir)
    published, submitted = db_session.scalars(select(Experience).order_by(Experience.id)).all()
    assert published.state == "publiee"
    assert published.published_at.isoformat() == "2023-05-02T09:00:00"
    assert published.published_by.email == "moderateur@demo.example.org"
    assert published.created_by.email == "contributeur@demo.example.org"
    assert published.contact_email == "claire@gueret.example.org"
    assert submitted.state == "soumise" and submitted.published_at is None
    assert [c.role for c in submitted.cofilers] == ["Accueil des ateliers"]
    assert db_session.scalars(select(OutboxEntry.experience_id)).all() == [published.id]


def test_only_if_empty_leaves_a_database_in_use_alone(db_session, small_data_dir, tmp_path):
    load_demo(data_dir=small_data_dir)
    report = load_demo(only_if_empty=True, data_dir=small_data_dir)
    assert report.skipped and report.experiences_created == 0
    assert "déjà des fiches" in report.summary() and DEMO_PASSWORD in report.summary()


# --------------------------------------------------------------------------- the shipped files

def shipped_records() -> list[dict]:
    records = [record.data for record in read_demo_records()]
    if len(list(DATA_DIR.glob("experiences_*.json"))) < 2:
        pytest.skip("demo files experiences_a.json and experiences_b.json not both written yet")
    return records


def test_shipped_demo_files_load_without_refusal_and_idempotently(db_session):
    records = shipped_records()
    report = load_demo()
    assert report.refused == []
    assert report.experiences_created == len(records) >= 60
    again = load_demo()
    assert (again.experiences_created, again.experiences_present) == (0, len(records))


def test_shipped_demo_covers_every_region_vocabulary_and_state(db_session):
    shipped_records()
    load_demo()
    regions = set(db_session.scalars(select(Experience.region).distinct()))
    assert len(regions - {None}) == 18
    terms = {(t.vocabulary, t.code) for t in db_session.scalars(select(ExperienceTerm))}
    for vocabulary in (THEME, EQUIPEMENT, NIVEAU):
        assert {(vocabulary.name, code) for code in vocabulary.codes} <= terms
    assert set(db_session.scalars(select(Experience.state).distinct())) == set(STATE_CODES)
    projects = set(db_session.scalars(select(Experience.project_state).distinct()))
    assert set(PROJECT_STATE_CODES) <= projects


def test_contributor_belongs_to_a_commune_of_the_demo(db_session):
    shipped_records()
    load_demo()
    contributor = db_session.scalars(
        select(User).where(User.email == "contributeur@demo.example.org")).one()
    assert contributor.organisation.kind == "commune"
    owned = db_session.scalars(
        select(Experience).where(Experience.organisation_id == contributor.organisation_id)).all()
    assert owned and all(e.created_by_id == contributor.id for e in owned)


# --------------------------------------------------------------------------- synthetic write-ups

def test_synthetic_titles_are_deterministic_for_a_seed(db_session):
    titles = generate_titles(db_session, 40, seed=7)
    assert titles == generate_titles(db_session, 40, seed=7)
    assert titles != generate_titles(db_session, 40, seed=8)
    assert len(set(titles)) > 30


def test_load_synthetic_inserts_write_ups_in_seed_order(db_session):
    assert load_synthetic(120, seed=5) == 120
    stored = db_session.scalars(select(Experience).order_by(Experience.id)).all()
    assert [e.title for e in stored] == generate_titles(db_session, 120, seed=5)
    published = {e.id for e in stored if e.state == "publiee"}
    assert len(published) > 90
    assert set(db_session.scalars(select(OutboxEntry.experience_id))) == published
    revisions = db_session.scalars(select(Revision)).all()
    assert len(revisions) == 120 and {r.action for r in revisions} == {"synthetic"}


def test_synthetic_write_ups_are_valid_plausible_records(db_session):
    load_synthetic(60, seed=11)
    stored = db_session.scalars(select(Experience)).all()
    sizes = [sum(len(getattr(e, f)) for f in ("title", "summary", "context", "actions",
                                               "results", "lessons")) for e in stored]
    assert 3500 < sum(sizes) / len(sizes) < 7500
    for experience in stored:
        parse_record(experience_to_record(experience, None), db_session)  # raises if invalid
        assert experience.codes("theme")
        territory = db_session.get(Territory, experience.territory_code)
        assert experience.region == territory.region


def test_synthetic_write_ups_use_real_organisations_of_their_territory(db_session):
    load_synthetic(30, seed=2)
    for experience in db_session.scalars(select(Experience)):
        assert experience.organisation.territory_code == experience.territory_code
        assert experience.organisation.kind == experience.territory.kind
