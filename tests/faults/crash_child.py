"""A process that saves a write-up through the operations and is SIGKILLed at a chosen point
(run by ``test_fault_crash.py``; nothing in the application knows about it).

    python tests/faults/crash_child.py DATABASE_URL INDEX_DIR ACTION POINT AUTHOR MODERATOR [ID]

ACTION: ``create`` (file, submit and publish a new write-up in one transaction, as a moderator
filing and publishing would) or ``edit`` (a moderator changes the title of published write-up ID).

POINT, in the order a save goes through them:

``after-first-flush``  the write-up's row is sent to the database, its revision not yet;
``before-commit``      every row of the save is sent, the transaction not committed;
``after-commit``       committed, the after-commit indexing not started;
``mid-index-commit``   Whoosh has written the new segment, not its table of contents;
``before-cursor``      Whoosh has committed, the index's outbox cursor is not written.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

CREATE_TITLE = "Fiche sauvée au moment de la panne"
EDIT_TITLE = "Titre modifié au moment de la panne"


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str, app) -> None:
    """Install the SIGKILL at ``point`` (by patching or hooking, in this process only)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if point == "after-first-flush":
        event.listen(Session, "after_flush", lambda *_args: die())
    elif point == "after-commit":
        app.extensions["kb.after_commit"].insert(0, lambda _session: die())
    elif point == "mid-index-commit":
        from whoosh.writing import SegmentWriter

        SegmentWriter._commit_toc = lambda *_args, **_kwargs: die()
    elif point == "before-cursor":
        from kb.search.store import IndexStore

        original = IndexStore.write_cursor

        def write_cursor(self, generation, cursor):
            if cursor.last_applied:  # not the empty cursor of a generation being created
                die()
            original(self, generation, cursor)

        IndexStore.write_cursor = write_cursor


def save(action: str, author, moderator, experience_id: int | None):
    from kb.db import get_session
    from kb.experiences import operations as ops
    from kb.experiences.models import Experience
    from kb.experiences.snapshot import experience_snapshot

    if action == "create":
        experience = ops.create_experience(author, _data())
        ops.submit_experience(experience, author)
        ops.publish_experience(experience, moderator)
        return experience
    experience = get_session().get(Experience, experience_id)
    data = {**experience_snapshot(experience), "title": EDIT_TITLE}
    # A moderator's edit of a published write-up is direct (an author's waits for review as a
    # pending revision, docs/moderation.md): the one that writes the write-up and its outbox row.
    return ops.update_experience(experience, moderator, data, experience.version)


def _data() -> dict:
    return {
        "title": CREATE_TITLE,
        "summary": "Une fiche complète, enregistrée en une transaction.",
        "context": "Contexte.", "actions": "Actions.", "results": "Résultats.",
        "lessons": "Conseils.", "territory_code": "C23096", "territory_types": ["rural"],
        "levels": ["elementaire"], "themes": ["equipement", "formation"],
        "equipment": ["tablettes"], "project_state": "termine", "start": "2019-09",
        "end": "2021-06", "budget_eur": 85000, "funders": ["État"], "schools": 6,
        "pupils": 640, "teachers": 32, "partners": "", "cofilers": [], "links": [],
        "evidence": "enquete", "contact_name": "", "contact_role": "", "contact_email": "",
    }


def main(database_url, index_dir, action, point, author_id, moderator_id, experience_id=None):
    from config import TestingConfig
    from kb import create_app
    from kb.accounts.models import User
    from kb.db import commit, get_session

    app = create_app(TestingConfig(database_url, index_dir).as_dict())
    with app.app_context():
        session = get_session()
        author, moderator = session.get(User, int(author_id)), session.get(User, int(moderator_id))
        arm(point, app)
        save(action, author, moderator, int(experience_id) if experience_id else None)
        session.flush()
        if point == "before-commit":
            die()
        commit()  # kb.db.commit: the commit, then the after-commit hooks (indexing)
    app.extensions["kb.engine"].dispose()


if __name__ == "__main__":
    main(*sys.argv[1:])
