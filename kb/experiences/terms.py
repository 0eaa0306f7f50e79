"""Vocabulary labels as stored in the database (an admin may edit them), read once per request."""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import select

from kb.db import session
from kb.experiences.models import VocabularyTerm
from kb.experiences.vocabularies import BY_NAME


def term_labels() -> dict[tuple[str, str], str]:
    if has_app_context() and "kb_term_labels" in g:
        return g.kb_term_labels
    labels = {(t.vocabulary, t.code): t.label for t in session.scalars(select(VocabularyTerm))}
    if has_app_context():
        g.kb_term_labels = labels
    return labels


def term_label(vocabulary: str, code: str) -> str:
    """The current French label of a code, falling back to the built-in one."""
    label = term_labels().get((vocabulary, code))
    if label:
        return label
    definition = BY_NAME.get(vocabulary)
    return definition.label_of(code) if definition else code


def terms_of(vocabulary: str) -> list[tuple[str, str]]:
    """(code, label) pairs of one vocabulary in display order, with current labels."""
    return [(code, term_label(vocabulary, code)) for code in BY_NAME[vocabulary].codes]
