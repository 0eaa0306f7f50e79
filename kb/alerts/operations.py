"""Saved searches: save, list, delete, and the alerts that mail their new matches.

An alert runs the saved ``/recherche`` through the search itself (:func:`run_search`, sorted by
date) and keeps the write-ups published after the search's ``since`` mark; the mark then moves
to the moment of the run, so each write-up is announced once. A daily search is due 23 hours
after its last run, a weekly one after 6 days and 23 hours (a run at a fixed hour each day or
week stays on schedule).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from kb.accounts.models import User, utcnow
from kb.alerts.models import FREQUENCY_CODES, SavedSearch
from kb.experiences.models import Experience
from kb.mail.links import absolute_url, serializer
from kb.mail.outbox import queue_mail
from kb.mail.preferences import unsubscribe_headers
from kb.search.labels import known_codes
from kb.search.params import SearchParams, parse_search_args

PERIODS = {"quotidienne": timedelta(hours=23), "hebdomadaire": timedelta(days=6, hours=23)}
MAX_SAVED = 50  # per person
PAGE_SIZE = 50
MAX_PAGES = 4  # at most 200 new write-ups in one alert
MAX_LISTED = 30


class SavedSearchInvalid(ValueError):
    """Refused; ``errors`` maps each faulty field to a French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def search_params(query: str) -> SearchParams:
    """The search a saved query string stands for (unknown codes dropped, as on the page)."""
    return parse_search_args(MultiDict(parse_qsl(query or "")), known_codes)


def normalised_query(raw: str) -> str:
    """The query string as the search page itself would write it (no page number)."""
    return urlencode(search_params(raw).pairs(with_page=False))


def create_saved_search(session, user: User, name: str, query: str, frequency: str) -> SavedSearch:
    """Save ``/recherche?<query>`` for ``user``; new write-ups from now on are announced."""
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 120:
        errors["name"] = "Donnez un nom à cette recherche (120 caractères au plus)."
    if frequency not in FREQUENCY_CODES:
        errors["frequency"] = "Choisissez la fréquence des alertes."
    if len(saved_searches_of(session, user)) >= MAX_SAVED:
        errors["name"] = f"Vous avez déjà {MAX_SAVED} recherches enregistrées : supprimez-en une."
    if errors:
        raise SavedSearchInvalid(errors)
    saved = SavedSearch(user_id=user.id, name=name, query=normalised_query(query)[:2000],
                        frequency=frequency, since=utcnow())
    session.add(saved)
    session.flush()
    return saved


def saved_searches_of(session, user: User) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)
                                .order_by(SavedSearch.created_at, SavedSearch.id)))


def delete_saved_search(session, saved: SavedSearch, user: User) -> None:
    """Only its owner deletes a saved search (anyone else: 404, as if it did not exist)."""
    from flask import abort

    if saved is None or saved.user_id != user.id:
        abort(404)
    session.delete(saved)


def delete_saved_search_by_token(session, data: dict) -> str | None:
    """The unsubscribe link of an alert deletes its saved search."""
    saved = session.get(SavedSearch, data["s"]) if isinstance(data.get("s"), int) else None
    if saved is None or saved.user_id != data.get("u"):
        return None
    name = saved.name
    session.delete(saved)
    return f"les alertes de la recherche « {name} » (elle est supprimée)"


def search_link(saved: SavedSearch) -> str:
    base = absolute_url("search.search")
    return f"{base}?{saved.query}" if saved.query else base


# --------------------------------------------------------------------------- alerts


def new_matches(saved: SavedSearch) -> list[Experience]:
    """Published write-ups matching the saved search, published after its mark, newest first."""
    from kb.search.queries import run_search

    params = replace(search_params(saved.query), sort="date", per_page=PAGE_SIZE)
    found: list[Experience] = []
    for page in range(1, MAX_PAGES + 1):
        outcome = run_search(replace(params, page=page))
        fresh = [e for e in outcome.experiences
                 if e.published_at is not None and e.published_at > saved.since]
        found += fresh
        if not fresh or page >= outcome.pages:
            break
    return sorted(found, key=lambda e: e.published_at, reverse=True)


def due_searches(session, now: datetime) -> list[SavedSearch]:
    saved = session.scalars(select(SavedSearch).join(User, User.id == SavedSearch.user_id)
                            .where(User.active.is_(True), User.approved.is_(True))
                            .order_by(SavedSearch.id)).all()
    return [s for s in saved if now - s.since >= PERIODS[s.frequency]]


def send_alerts(session, now: datetime | None = None, force: bool = False) -> dict[str, int]:
    """Mail every due saved search that has new matches; move each mark to ``now``."""
    now = now or utcnow()
    report = {"checked": 0, "sent": 0}
    searches = (session.scalars(select(SavedSearch).order_by(SavedSearch.id)).all() if force
                else due_searches(session, now))
    for saved in searches:
        report["checked"] += 1
        matches = [e for e in new_matches(saved) if e.published_at <= now]
        if matches:
            _queue_alert(session, saved, matches)
            saved.last_sent_at = now
            report["sent"] += 1
        saved.since = now
    return report


def _queue_alert(session, saved: SavedSearch, matches: list[Experience]) -> None:
    user = session.get(User, saved.user_id)
    token = serializer("unsubscribe").dumps({"u": user.id, "s": saved.id})
    link = absolute_url("mail.unsubscribe", token=token)
    count = len(matches)
    subject = (f"{count} nouvelle fiche pour « {saved.name} »" if count == 1
               else f"{count} nouvelles fiches pour « {saved.name} »")
    entries = [{"experience": e, "link": absolute_url("experiences.show", experience_id=e.id,
                                                       slug=e.slug)} for e in matches[:MAX_LISTED]]
    queue_mail(session, user.email, subject, "saved_search_alert", "alertes",
               headers=unsubscribe_headers(link), user=user, saved=saved, entries=entries,
               more=count - len(entries), search_link=search_link(saved),
               account_link=absolute_url("accounts.account") + "#alertes",
               unsubscribe_link=link)
