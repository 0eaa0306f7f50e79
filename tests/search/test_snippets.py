"""Search snippets: the only markup is ``<mark>``, whatever the text holds, and a cached
passage never outlives an edit."""

from __future__ import annotations

from kb.html import MARK_END, MARK_START, highlight_markup
from kb.search import snippets


def test_highlight_markup_escapes_everything_but_the_bracketed_words():
    raw = f"<b>x</b> &amp; {MARK_START}Tab<i>{MARK_END} {MARK_END}reste{MARK_START}"
    assert str(highlight_markup(raw)) == (
        "&lt;b&gt;x&lt;/b&gt; &amp;amp; <mark>Tab&lt;i&gt;</mark> reste")


def test_brackets_typed_in_a_write_up_cannot_forge_a_highlight(create_experience, search_api):
    create_experience(summary=f"{MARK_START}faux{MARK_END} <mark>pas</mark> des tablettes")
    snippet = search_api(q="tablettes")["results"][0]["snippet"]
    assert snippet.count("<mark>") == 1 and "<mark>tablettes</mark>" in snippet
    assert "&lt;mark&gt;pas&lt;/mark&gt;" in snippet
    assert MARK_START not in snippet and MARK_END not in snippet


def test_an_edit_is_shown_in_the_snippet_at_once(create_experience, change_experience,
                                                 search_api):
    experience = create_experience(summary="Des tablettes en maternelle.")
    assert "maternelle" in search_api(q="tablettes")["results"][0]["snippet"]
    change_experience(experience, summary="Des tablettes au collège.")
    snippet = search_api(q="tablettes")["results"][0]["snippet"]
    assert "collège" in snippet and "maternelle" not in snippet


def test_the_cache_is_bounded_and_forgets_the_oldest():
    cache = snippets.SnippetCache(size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == (1, True)  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") == (None, False)
    assert cache.get("a") == (1, True) and cache.get("c") == (3, True)


def test_two_passages_are_joined_by_one_ellipsis(create_experience, search_api):
    filler = " ".join(["Le conseil municipal a voté le budget de la rentrée."] * 3)
    create_experience(summary=f"Début. Des tablettes pour les classes. {filler} "
                              f"Les écoles rurales ont suivi. {filler} Fin.")
    snippet = search_api(q="tablettes écoles")["results"][0]["snippet"]
    assert "<mark>tablettes</mark>" in snippet and "<mark>écoles</mark>" in snippet
    assert snippet.count("…") == 2, snippet  # between the passages, and where the text goes on
    assert "… …" not in snippet
