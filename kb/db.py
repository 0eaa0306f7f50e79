"""Declarative base, one session per application context, one commit per request.

Views never commit: :func:`commit_request` runs once at the end of a successful request (status
below 400), then the after-commit hooks (such as applying the search outbox) run. Anything else
is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: The largest id a row can have (PostgreSQL ``integer``): a larger one cannot exist.
MAX_ROW_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def import_models() -> None:
    """Import every model module so that ``Base.metadata`` knows every table."""
    from kb.accounts import models as _accounts  # noqa: F401
    from kb.alerts import models as _alerts  # noqa: F401
    from kb.attachments import models as _attachments  # noqa: F401
    from kb.experiences import models as _experiences  # noqa: F401
    from kb.mail import models as _mail  # noqa: F401
    from kb.search import models as _search  # noqa: F401
    from kb.territories import models as _territories  # noqa: F401


#: How long a SQLite statement waits for a lock held by another connection before failing
#: (seconds). Short, so that a locked database gives a 503 page quickly, not a hung worker.
DEFAULT_BUSY_TIMEOUT = 5.0


def make_engine(url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """Create the engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _sqlite_pragmas(busy_timeout: float):
    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def init_app(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, float(app.config.get("DB_BUSY_TIMEOUT", DEFAULT_BUSY_TIMEOUT)))
    app.extensions["kb.engine"] = engine
    app.extensions["kb.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.extensions.setdefault("kb.after_commit", [])
    app.after_request(_commit_after_request)
    app.teardown_appcontext(_close_session)


def row_id(raw) -> int | None:
    """A submitted id (``"42"``) as an ``int`` a query can take; ``None`` for anything else —
    ``"²"`` passes ``str.isdigit`` but not ``int``, and a huge number overflows the column."""
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_ROW_ID else None


def get_engine() -> Engine:
    return current_app.extensions["kb.engine"]


def get_session() -> Session:
    """The session of the current application context, created on first use."""
    if "kb_session" not in g:
        g.kb_session = current_app.extensions["kb.sessionmaker"]()
    return g.kb_session


session: Session = LocalProxy(get_session)  # type: ignore[assignment]


def on_after_commit(app: Flask, hook: Callable[[Session], None]) -> None:
    """Register ``hook(session)`` to run after each successful commit of :func:`commit`."""
    app.extensions.setdefault("kb.after_commit", []).append(hook)


def commit() -> None:
    """Commit the current session, then run the after-commit hooks."""
    db = get_session()
    db.commit()
    for hook in current_app.extensions.get("kb.after_commit", []):
        hook(db)


def _commit_after_request(response):
    if "kb_session" not in g:
        return response
    if response.status_code < 400:
        commit()
    else:
        g.kb_session.rollback()
    return response


def _close_session(_exc: BaseException | None) -> None:
    db = g.pop("kb_session", None)
    if db is not None:
        db.rollback()
        db.close()
