"""``kb init``: migration to head and reference data, idempotent."""

from sqlalchemy import func, inspect, select

from kb import schema
from kb.db import Base, get_engine, import_models
from kb.experiences.models import VocabularyTerm
from kb.experiences.vocabularies import ALL_VOCABULARIES
from kb.territories.models import Territory


def _counts(db_session):
    return (
        db_session.scalar(select(func.count(Territory.code))),
        db_session.scalar(select(func.count()).select_from(VocabularyTerm)),
    )


def test_init_migrates_to_head_and_creates_every_table(app, db_session):
    engine = get_engine()
    assert schema.current_revision(engine) == schema.head_revision(engine)
    import_models()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_init_twice_changes_nothing(app, runner, db_session):
    before = _counts(db_session)
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "territoires" in result.output
    db_session.expire_all()
    assert _counts(db_session) == before


def test_every_vocabulary_code_is_loaded(db_session):
    stored = {(t.vocabulary, t.code) for t in db_session.scalars(select(VocabularyTerm))}
    expected = {(v.name, code) for v in ALL_VOCABULARIES for code in v.codes}
    assert expected <= stored
    assert len({code for v, code in stored if v == "theme"}) == 14
    assert len({code for v, code in stored if v == "equipement"}) == 14


def test_edited_vocabulary_labels_survive_init(app, runner, db_session):
    term = db_session.get(VocabularyTerm, ("theme", "ent"))
    original = term.label
    term.label = "ENT (libellé modifié)"
    db_session.commit()
    try:
        assert runner.invoke(args=["init"]).exit_code == 0
        db_session.expire_all()
        assert db_session.get(VocabularyTerm, ("theme", "ent")).label == "ENT (libellé modifié)"
    finally:
        db_session.get(VocabularyTerm, ("theme", "ent")).label = original
        db_session.commit()
