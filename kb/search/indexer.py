"""Applies the search outbox to this process's index after each commit (filled in by the search
feature). Until then it is a no-op hook so the rest of the application can write outbox rows."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    return None


def index_health() -> dict:
    """State of this process's index (filled in by the search feature)."""
    return {"status": "absent", "message": "Le moteur de recherche n'est pas encore installé."}
