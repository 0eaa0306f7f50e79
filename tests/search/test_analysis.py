"""The one-pass analysers give the index's tokens: stems, positions that skip stop words, the
character offsets snippets mark, and stop words for Whoosh's highlighter."""

from __future__ import annotations

import pickle

from kb.search.analysis import EXACT, FRENCH, analyze

TEXT = "Les Écoles du village AVEC avec l'ENT"


def test_french_tokens_are_folded_stems_without_stop_words_but_acronyms():
    assert analyze(FRENCH, TEXT) == ["ecol", "villag", "avec", "ent"]
    # folding comes before stemming: typed without accents, a word stems the same
    assert analyze(FRENCH, "ecoles numeriques") == analyze(FRENCH, "Écoles numériques")


def test_positions_close_the_gaps_of_dropped_stop_words_after_the_first_word():
    tokens = [(t.text, t.pos) for t in FRENCH(TEXT, positions=True)]
    assert tokens == [("ecol", 1), ("villag", 2), ("avec", 3), ("ent", 4)]
    shifted = [t.pos for t in FRENCH(TEXT, positions=True, start_pos=10)]
    assert shifted == [11, 12, 13, 14]


def test_character_offsets_are_those_of_the_text():
    spans = [TEXT[t.startchar:t.endchar] for t in FRENCH(TEXT, chars=True)]
    assert spans == ["Écoles", "village", "AVEC", "ENT"]
    assert [(t.startchar, t.endchar) for t in FRENCH("ENT", chars=True, start_char=5)] == [(5, 8)]


def test_stop_words_come_through_marked_when_the_highlighter_asks():
    tokens = [(t.text, t.stopped) for t in FRENCH(TEXT, removestops=False)]
    assert tokens == [("les", True), ("ecol", False), ("du", True), ("villag", False),
                      ("avec", False), ("avec", True), ("l", True), ("ent", False)]


def test_exact_tokens_are_every_word_folded_in_order():
    assert [(t.text, t.pos) for t in EXACT(TEXT, positions=True)] == [
        ("les", 0), ("ecoles", 1), ("du", 2), ("village", 3), ("avec", 4), ("avec", 5),
        ("l", 6), ("ent", 7)]


def test_an_untokenised_value_is_one_token_and_an_empty_one_none():
    assert [t.text for t in FRENCH("Écoles", tokenize=False)] == ["ecol"]
    assert [t.text for t in FRENCH("", tokenize=False)] == []
    assert [t.text for t in EXACT("Écoles rurales", tokenize=False)] == ["ecoles rurales"]


def test_the_analysers_survive_the_schema_pickled_in_an_index():
    for analyser in (FRENCH, EXACT):
        copy = pickle.loads(pickle.dumps(analyser))
        assert copy == analyser and analyze(copy, TEXT) == analyze(analyser, TEXT)
    assert FRENCH != EXACT
