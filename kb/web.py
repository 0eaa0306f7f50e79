"""What every template can use: service name, vocabularies, French formatting, DSFR assets."""

from __future__ import annotations

import math
from datetime import date, datetime

from flask import Flask, abort, send_from_directory
from markupsafe import Markup

from kb import ROOT, french, html
from kb.experiences import vocabularies

DSFR_DIST = ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist"

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)
NNBSP = "\u202f"  # narrow no-break space, the French thousands separator


def format_number(value: int | float | None, decimals: int = 0) -> str:
    """``12500`` → « 12 500 », ``3.5`` → « 3,5 » (French grouping and decimal comma)."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}".replace(",", NNBSP).replace(".", ",")
    return text


#: Decimals of every derived figure (a rate per 100 000 inhabitants, a cost per pupil, a
#: median): one, everywhere, so that figures side by side read alike.
DERIVED_DECIMALS = 1


def format_euros(value: int | float | None, decimals: int | None = None) -> str:
    """An amount: « 85 000 € » (whole euros by default, ``decimals`` when asked)."""
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(value).is_integer() or value >= 100 else 2
    return f"{format_number(value, decimals)}\u00a0€"


def format_ratio(value: int | float | None) -> str:
    """A derived figure with :data:`DERIVED_DECIMALS` decimals: ``0.3456`` → « 0,3 ». A value
    that is not zero but would read « 0,0 » (32 write-ups for the whole of France are 0.047 per
    100,000 inhabitants) keeps two significant digits instead: « 0,047 »."""
    if value and abs(value) < 0.5 * 10 ** -DERIVED_DECIMALS:
        decimals = 1 - math.floor(math.log10(abs(value)))
        return format_number(value, decimals)
    return format_number(value, DERIVED_DECIMALS)


def format_euros_ratio(value: int | float | None) -> str:
    """A derived amount (cost per pupil, median): « 132,8 € »."""
    return format_euros(value, DERIVED_DECIMALS)


def format_month(value: date | None) -> str:
    """``date(2024, 3, 1)`` → « mars 2024 »."""
    if value is None:
        return ""
    return f"{MONTHS[value.month - 1]} {value.year}"


def format_date(value: date | datetime | None) -> str:
    """« 2 mars 2024 »."""
    if value is None:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def broader_place(filters: dict[str, tuple[str, ...]]) -> dict | None:
    """For a search filtered on départements of one région that finds nothing, the same search
    on the whole région: ``{"name": "Nouvelle-Aquitaine", "filters": {…}}``, else None."""
    codes = filters.get("departement") or ()
    if not codes or filters.get("region"):
        return None
    from kb.db import session
    from kb.territories.lookup import get_territory

    departements = [get_territory(session, f"D{code}") for code in codes]
    regions = {d.region for d in departements if d is not None and d.region}
    region = get_territory(session, f"R{regions.pop()}") if len(regions) == 1 else None
    if region is None:
        return None
    return {"name": region.name,
            "filters": {**filters, "departement": (), "region": (region.code[1:],)}}


def init_app(app: Flask) -> None:
    html.init_app(app)
    app.jinja_env.filters.update(
        number=format_number, euros=format_euros, month=format_month, date_fr=format_date,
        compte=french.compte, ratio=format_ratio, euros_ratio=format_euros_ratio,
    )
    from kb.experiences.terms import term_label, terms_of

    app.jinja_env.globals.update(
        vocabularies=vocabularies,
        term_label=term_label,
        terms_of=terms_of,
        service_name=app.config.get("SERVICE_NAME", "Base d'expériences du numérique éducatif"),
        nbsp=Markup("&nbsp;"),
        broader_place=broader_place,
        pluriel=french.pluriel,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.route("/dsfr/<path:filename>")
    def dsfr_asset(filename: str):
        """Serve the design system from the installed npm package (never copied in the repo)."""
        if not DSFR_DIST.is_dir():
            abort(404)
        return send_from_directory(DSFR_DIST, filename, max_age=86400)
