"""Aggregate figures kept per process until the published write-ups change.

The dashboard and the territory pages count every published write-up by theme, région,
département and year: full scans that grow with the base (the dashboard took 300 ms at 10,000
write-ups). Their results are plain values (counts, medians), so each process keeps them,
keyed by the function, its arguments and the **data version**: the highest id of the search
outbox. Every change that can move a figure — publish, edit, unpublish, delete, import, merge,
label — writes an outbox row in its own transaction (the search index needs it too), so a new
row means new figures. Two transactions committing out of id order could leave one change
unseen until the next one; :data:`MAX_AGE_SECONDS` bounds that (and changes made outside the
application).

Only plain data is cached: never ORM objects, which belong to one request's session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from sqlalchemy import func, select

from kb.db import session
from kb.search.matching import LruCache
from kb.search.models import OutboxEntry

MAX_AGE_SECONDS = 300.0
MAX_ENTRIES = 512
T = TypeVar("T")


def data_version() -> int:
    """The highest outbox id (0 for an empty base): one lookup in the primary key's index."""
    return session.scalar(select(func.max(OutboxEntry.id))) or 0


def figures_cache() -> LruCache:
    """This application's cache: (name, arguments) → (data version, time, value)."""
    extensions = current_app.extensions
    if "kb_figures_cache" not in extensions:
        extensions["kb_figures_cache"] = LruCache(MAX_ENTRIES)
    return extensions["kb_figures_cache"]


def cached(name: str, compute: Callable[..., T], *args) -> T:
    """``compute(*args)``, or the value it gave for the same data version."""
    cache, version, key = figures_cache(), data_version(), (name, args)
    item = cache.get(key)
    if item is not None and item[0] == version and time.monotonic() - item[1] <= MAX_AGE_SECONDS:
        return item[2]
    value = compute(*args)
    cache.put(key, (version, time.monotonic(), value))
    return value
