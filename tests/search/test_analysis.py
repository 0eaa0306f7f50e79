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


def test_folded_postings_are_whooshs_own_without_a_token_per_word():
    """The index's text fields write, for every word, the frequency, weight and encoded
    positions Whoosh's ``Positions`` format makes from the analyser's tokens (same bytes,
    same order); any other analyser goes through Whoosh's path."""
    from whoosh.formats import Positions

    from kb.search.analysis import SPELLING, FoldedPositions
    from kb.search.schema import SCHEMA

    texts = [TEXT, "", "les", "Les tablettes, les tablettes et encore les TABLETTES.",
             "L'école d'Aÿ : 3.5 M€ en 2024, n° 12 — « PC portables » pour 1 200 élèves…",
             "Une phrase\nsur deux lignes\tavec des tabulations et des mots répétés mots"]
    for text in texts:
        for analyser in (FRENCH, EXACT, SPELLING):
            for boost in (0.7, 1.0, 4.0):
                ours = list(FoldedPositions(field_boost=boost).word_values(text, analyser))
                assert ours == list(Positions(field_boost=boost).word_values(text, analyser))
    counted = dict((word, (freq, weight)) for word, freq, weight, _value
                   in FoldedPositions(field_boost=2.0).word_values(texts[3], FRENCH))
    assert counted == {"tablet": (3, 6.0), "encor": (1, 2.0)}
    text_fields = [name for name, field in SCHEMA.items()
                   if getattr(field, "analyzer", None) in (FRENCH, EXACT)]
    assert len(text_fields) == 9
    assert all(isinstance(SCHEMA[name].format, FoldedPositions) for name in text_fields)
    copy = pickle.loads(pickle.dumps(SCHEMA["body"]))  # as the index's table of contents
    assert type(copy.format) is FoldedPositions and copy.format.field_boost == 1.0
