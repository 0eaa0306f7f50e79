"""French agreement with a number (issue 15 point 8): one helper, used by every template."""

from __future__ import annotations

import re

import pytest

from kb import ROOT
from kb.experiences.models import Label
from kb.french import compte, compte_simple, pluriel

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(("count", "expected"), [
    (0, "pratique à essaimer"), (1, "pratique à essaimer"), (1.5, "pratique à essaimer"),
    (2, "pratiques à essaimer"), (12, "pratiques à essaimer"), (-1, "pratique à essaimer"),
    (-3, "pratiques à essaimer"), (None, "pratique à essaimer"),
])
def test_french_puts_the_singular_below_two_and_the_plural_from_two(count, expected):
    assert pluriel(count, "pratique à essaimer", "pratiques à essaimer") == expected


def test_the_plural_defaults_to_an_added_s():
    assert pluriel(2, "fiche") == "fiches"
    assert pluriel(1, "fiche") == "fiche"


def test_compte_writes_the_number_the_french_way():
    assert compte(12500, "fiche") == f"12{NNBSP}500 fiches"
    assert compte(1, "demande de compte", "demandes de compte") == "1 demande de compte"
    assert compte(0, "fiche") == "0 fiche"
    assert compte_simple(3, "entrée appliquée", "entrées appliquées") == "3 entrées appliquées"


AD_HOC = [
    (re.compile(r"\w\(s\)"), "« (s) » instead of an agreement"),
    (re.compile(r"""\{\{\s*['"]s['"]\s+if"""), "an ad-hoc « s » instead of pluriel/compte"),
    (re.compile(r"> 1 else"), "an ad-hoc plural test instead of pluriel"),
]


def test_no_template_agrees_a_word_by_hand():
    """The sweep that would have caught « demande(s) » and « 1 pratiques »: every template goes
    through ``pluriel``/``compte``."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.*")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for pattern, why in AD_HOC:
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {why}")
    assert offenders == []


def test_no_python_message_prints_a_parenthesised_plural():
    """Flash messages and command output: no « fiche(s) » inside a string literal."""
    in_a_string = re.compile(r"""["'][^"'#]*[a-zé]\(s\)""")
    offenders = []
    for path in sorted((ROOT / "kb").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if in_a_string.search(line) and "http(s)" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def visible(text: str) -> str:
    """The text without its tags, ordinary whitespace collapsed (no-break spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", "", text))


@pytest.fixture
def one_labelled_practice(db_session, create_experience):
    practice = create_experience(title="Une pratique exemplaire", slug="pratique")
    db_session.add(Label(experience_id=practice.id, justification="À essaimer."))
    db_session.commit()
    return practice


def test_home_page_says_one_practice_in_the_singular(client, one_labelled_practice, text_of):
    text = text_of(client.get("/"))
    assert 'kb-key-figure">1</span> pratique à essaimer<' in text
    assert 'kb-key-figure">1</span> fiche d\'expérience publiée<' in text
    assert "1</span> pratiques" not in text


def test_dashboard_agrees_every_count_with_one_practice(client, one_labelled_practice, login_as,
                                                         text_of):
    login_as("analyste")
    text = visible(text_of(client.get("/tableau-de-bord")))
    assert "1 pratique à essaimer labellisée." in text
    assert "0 signalement en attente" in text
    assert f"1 fiche dans 1 département{NBSP};" in text
    assert "pratiques à essaimer labellisée" not in text


def test_admin_figures_agree_with_their_counts(client, db_session, login_as, create_user,
                                               text_of):
    login_as("admin")
    request = create_user(role="contributeur")
    request.approved, request.active = False, False
    db_session.commit()
    text = visible(text_of(client.get("/admin/")))
    assert "1 demande de compte en attente" in text
    assert "(s)" not in text
