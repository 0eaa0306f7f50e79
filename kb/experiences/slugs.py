"""URL slugs of write-ups: ``/experiences/42-tablettes-dans-les-ecoles-de-gueret``."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_LENGTH = 80
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Lower-case ASCII words joined by hyphens, cut on a word boundary at ``max_length``.

    Accents are dropped (*Guéret* → ``gueret``), ligatures spelled out (*œuvre* → ``oeuvre``);
    a text with no letter or digit gives ``fiche``.
    """
    ascii_text = (
        unicodedata.normalize("NFKD", text.translate(_LIGATURES))
        .encode("ascii", "ignore")
        .decode("ascii")
        .lower()
    )
    slug = _NON_ALNUM.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:max_length]
        slug = slug[:max_length].strip("-")
    return slug or "fiche"
