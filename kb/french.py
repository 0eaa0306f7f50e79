"""French agreement of words with a number: « 1 pratique à essaimer », « 2 demandes de compte ».

One place for the rule so that no template or message writes « demande(s) » or « 1 pratiques ».
French puts the singular below two (« 0 fiche », « 1 fiche », « 1,5 million ») and the plural from
two on (CLDR's ``one`` category for ``fr``). Registered as the Jinja global ``pluriel`` and the
filter ``compte``.
"""

from __future__ import annotations


def is_plural(count: int | float | None) -> bool:
    """True when French agrees in the plural with ``count`` (2 and more, in absolute value)."""
    return count is not None and abs(count) >= 2


def pluriel(count: int | float | None, singular: str, plural: str | None = None) -> str:
    """The form of ``singular`` that agrees with ``count``; ``plural`` defaults to singular + s.

    >>> pluriel(1, "pratique à essaimer", "pratiques à essaimer")
    'pratique à essaimer'
    """
    if not is_plural(count):
        return singular
    return plural if plural is not None else singular + "s"


def compte(count: int | float | None, singular: str, plural: str | None = None,
           decimals: int = 0) -> str:
    """The number in French notation (narrow no-break space between thousands) then the
    agreeing words: ``compte(12500, "fiche")`` → « 12 500 fiches »."""
    from kb.web import format_number

    return f"{format_number(count or 0, decimals)} {pluriel(count or 0, singular, plural)}"



def compte_simple(count: int, singular: str, plural: str | None = None) -> str:
    """``compte`` for the command line: plain digits (« 12500 fiches »), so that scripts
    reading the output need no Unicode spaces."""
    return f"{count} {pluriel(count, singular, plural)}"
