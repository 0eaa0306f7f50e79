"""``kb init``: schema migration plus the reference data every installation needs."""

from __future__ import annotations

from sqlalchemy import select

from kb import db, schema
from kb.experiences.models import VocabularyTerm
from kb.experiences.vocabularies import ALL_VOCABULARIES


def load_vocabularies(session) -> int:
    """Insert missing vocabulary terms; existing labels (maybe edited by an admin) are kept."""
    existing = {(t.vocabulary, t.code): t for t in session.scalars(select(VocabularyTerm))}
    for vocabulary in ALL_VOCABULARIES:
        for position, (code, label) in enumerate(vocabulary.terms):
            term = existing.get((vocabulary.name, code))
            if term is None:
                session.add(VocabularyTerm(
                    vocabulary=vocabulary.name, code=code, label=label, position=position
                ))
            else:
                term.position = position
    session.flush()
    return sum(len(v.terms) for v in ALL_VOCABULARIES)


def initialise() -> dict:
    """Upgrade the schema, load territories and vocabularies; safe to run again."""
    from kb.territories.loader import load_territories

    engine = db.get_engine()
    schema.upgrade(engine)
    session = db.get_session()
    territories = load_territories(session)
    terms = load_vocabularies(session)
    session.commit()
    return {
        "revision": schema.current_revision(engine),
        "territories": territories,
        "terms": terms,
    }
