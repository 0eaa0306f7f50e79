"""Reading the territory a person chose in a form.

The form's territory input holds a territory code (``C23096``). With JavaScript it is driven by
an autocomplete (``static/js/autocomplete.js``) that also sends the text shown
(« Guéret (23) ») as ``<name>_search``; without JavaScript the person types a code or a name.
Either way :func:`resolve_territory` finds the one territory meant, or none when the text is
unknown or names several territories (Paris the commune and Paris the département).
"""

from __future__ import annotations

from kb.db import session
from kb.territories.lookup import fold, get_territory, search_territories, territory_label
from kb.territories.models import Territory


def resolve_territory(text: str | None) -> Territory | None:
    """The territory meant by ``text`` (a code, a label « Guéret (23) » or a unique name)."""
    text = (text or "").strip()
    if len(text) < 2:
        return None
    territory = get_territory(session, text)
    if territory is not None:
        return territory
    wanted = fold(text)
    candidates = search_territories(session, text)
    exact = [t for t in candidates if wanted in (fold(territory_label(t)), fold(t.name))]
    return exact[0] if len(exact) == 1 else None


def chosen_territory(code: str | None, search_text: str | None) -> Territory | None:
    """The territory of a form: its code input first, else the text of the autocomplete."""
    return resolve_territory(code) or resolve_territory(search_text)


def label_of(code: str | None) -> str:
    """The label shown in the autocomplete for a code, or an empty string."""
    territory = get_territory(session, code) if code else None
    return territory_label(territory) if territory is not None else ""
