"""Saved searches: saved from /recherche, listed and deleted on /compte, and ``kb alerts send``
mailing only the new published write-ups that match, once."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from kb.accounts.models import utcnow
from kb.alerts.models import SavedSearch
from tests.mail.conftest import text_of


def _save(client, query="q=tablettes&theme=equipement", name="Tablettes", frequency="quotidienne"):
    return client.post("/recherche/enregistrer",
                       data={"query": query, "name": name, "frequency": frequency})


def test_a_search_is_saved_listed_and_deleted(client, login_as, db_session, text_of):
    login_as("contributeur")
    assert "Enregistrer cette recherche" in text_of(client.get("/recherche?q=tablettes"))
    assert _save(client).status_code == 303
    [saved] = db_session.scalars(select(SavedSearch)).all()
    assert saved.query == "q=tablettes&theme=equipement"
    page = text_of(client.get("/compte"))
    assert "Tablettes" in page and "chaque jour" in page
    assert client.post(f"/compte/recherches/{saved.id}/supprimer").status_code == 303
    db_session.expire_all()
    assert db_session.scalars(select(SavedSearch)).all() == []


def test_only_its_owner_deletes_a_saved_search(client, login_as, create_user, db_session):
    owner = create_user()
    db_session.add(SavedSearch(user_id=owner.id, name="À moi", query="", frequency="quotidienne"))
    db_session.commit()
    saved = db_session.scalars(select(SavedSearch)).one()
    login_as("contributeur")
    assert client.post(f"/compte/recherches/{saved.id}/supprimer").status_code == 404
    assert _save(client, name="").status_code == 303  # refused with a message, nothing saved
    assert db_session.scalars(select(SavedSearch)).all() == [saved]


def test_alerts_list_new_matching_write_ups_once(app, client, login_as, create_experience,
                                                 db_session, mailbox, runner, sync_index):
    from kb.alerts.operations import send_alerts

    old = create_experience(title="Des tablettes depuis longtemps")
    user = login_as("contributeur")
    _save(client, query="q=tablettes", name="Tablettes")
    saved = db_session.scalars(select(SavedSearch)).one()
    saved.since = utcnow() - timedelta(days=2)
    old.published_at = utcnow() - timedelta(days=3)
    db_session.commit()
    new = create_experience(title="Des tablettes pour le collège")
    other = create_experience(title="La fibre dans les écoles", equipment=("thd",),
                              summary="Le très haut débit.")
    sync_index()
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0 and "1 alerte mise en file" in result.output, result.output
    runner.invoke(args=["mail", "send"])
    [message] = mailbox.to(user.email)
    body = text_of(message)
    assert new.title in body and f"/experiences/{new.id}-" in body
    assert old.title not in body and other.title not in body
    assert message["List-Unsubscribe"]
    mailbox.clear()
    with app.app_context():
        from kb import db

        report = send_alerts(db.session, now=utcnow() + timedelta(days=2))
        db.commit()
    assert report == {"checked": 1, "sent": 0}
    assert mailbox.messages == []
    # the alert's own unsubscribe link deletes the saved search
    path = re.search(r"<http://kb\.test(/desabonnement/[^>]+)>",
                     message["List-Unsubscribe"]).group(1)
    assert client.post(path).status_code == 200
    db_session.expire_all()
    assert db_session.scalars(select(SavedSearch)).all() == []


def test_a_weekly_search_is_not_due_every_day(db_session, create_user):
    from kb.alerts.operations import due_searches

    user = create_user()
    now = utcnow()
    db_session.add(SavedSearch(user_id=user.id, name="Hebdo", query="", frequency="hebdomadaire",
                               since=now - timedelta(days=2)))
    db_session.commit()
    assert due_searches(db_session, now) == []
    assert len(due_searches(db_session, now + timedelta(days=5))) == 1
