"""``kb demo``: the demonstration data set (write-ups, organisations, one account per role).

The write-ups come from ``kb/demo/data/experiences_*.json`` (records of SPEC 7b plus the demo
extras: workflow ``status``, contact person, co-filers, follow-ups). Loading is idempotent: a
write-up is identified by its title and organisation name, an account by its email, so a second
run creates nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.accounts.models import Organisation, User, utcnow
from kb.experiences.models import Experience
from kb.experiences.vocabularies import ROLES
from kb.opendata.records import (
    RecordError,
    RecordInvalid,
    parse_record,
    record_organisation,
    save_record,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "demo-numerique-2026"
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("contributeur@demo.example.org", "contributeur", "Camille Lefèvre"),
    ("moderateur@demo.example.org", "moderateur", "Dominique Garnier"),
    ("analyste@demo.example.org", "analyste", "Sacha Bertrand"),
    ("admin@demo.example.org", "admin", "Alex Moreau"),
)
ROLE_LABELS = dict(ROLES)


@dataclass
class DemoRecord:
    """One write-up of a demo file, with where it comes from (for error messages)."""

    source: str
    index: int
    data: dict


@dataclass
class DemoReport:
    """What :func:`load_demo` did, printed by ``kb demo`` and ``make run``."""

    experiences_created: int = 0
    experiences_present: int = 0
    organisations_created: int = 0
    accounts_created: int = 0
    skipped: bool = False
    refused: list[tuple[str, int, list[RecordError]]] = field(default_factory=list)
    accounts: list[tuple[str, str, str | None]] = field(default_factory=list)

    def summary(self) -> str:
        """French text: counts, refused records, and the demo accounts with their password."""
        if self.skipped:
            lines = ["La base contient déjà des fiches : jeu de démonstration non chargé."]
        else:
            lines = [
                f"Jeu de démonstration : {_count_of(self.experiences_created, 'fiche créée')} "
                f"({_count_of(self.experiences_present, 'déjà présente', 'déjà présentes')}), "
                f"{_count_of(self.organisations_created, 'organisation créée')}, "
                f"{_count_of(self.accounts_created, 'compte créé')}."
            ]
        lines += [f"Fiche refusée ({source}, n° {index + 1}) : {error}"
                  for source, index, errors in self.refused for error in errors]
        if self.accounts:
            lines.append(f"Comptes de démonstration (mot de passe « {DEMO_PASSWORD} ») :")
            lines += [f"  {email} — {ROLE_LABELS.get(role, role)}"
                      + (f" ({organisation})" if organisation else "")
                      for email, role, organisation in self.accounts]
        return "\n".join(lines)


def _count_of(number: int, singular: str, plural: str | None = None) -> str:
    """« 0 fiche créée », « 1 fiche créée », « 2 fiches créées » (French: singular below 2)."""
    if plural is None:
        plural = " ".join(word + "s" for word in singular.split())
    return f"{number} {singular if number < 2 else plural}"


def read_demo_records(data_dir: Path | None = None) -> list[DemoRecord]:
    """Every record of ``experiences_*.json``, files in name order, records in file order."""
    records = []
    for path in sorted((data_dir or DATA_DIR).glob("experiences_*.json")):
        items = json.loads(path.read_text(encoding="utf-8"))
        records += [DemoRecord(path.name, index, item) for index, item in enumerate(items)]
    return records


def load_demo(
    only_if_empty: bool = False, session: Session | None = None, data_dir: Path | None = None
) -> DemoReport:
    """Load the demo data set and commit; with ``only_if_empty``, do nothing if any write-up
    exists (``make run`` on a database already in use). ``data_dir`` is for tests."""
    from kb.db import get_session
    from kb.reference import load_vocabularies

    session = session or get_session()
    load_vocabularies(session)
    report = DemoReport()
    if only_if_empty and session.scalar(select(func.count()).select_from(Experience)):
        report.skipped = True
    else:
        _load_everything(session, report, read_demo_records(data_dir))
    session.commit()
    report.accounts = _account_lines(session)
    return report


def _load_everything(session: Session, report: DemoReport, records: list[DemoRecord]) -> None:
    organisations_before = _count(session, Organisation)
    accounts = _ensure_accounts(session, records, report)
    present = _existing_keys(session)
    for record in records:
        key = _record_key(record.data)
        if key in present:
            report.experiences_present += 1
            continue
        if _save_demo_record(session, record, accounts, report):
            present.add(key)
            report.experiences_created += 1
    session.flush()
    report.organisations_created = _count(session, Organisation) - organisations_before


def _save_demo_record(
    session: Session, record: DemoRecord, accounts: dict[str, User], report: DemoReport
) -> bool:
    """Validate and save one demo write-up; a refused one is reported, not fatal."""
    try:
        parsed = parse_record(record.data, session)
    except RecordInvalid as invalid:
        report.refused.append((record.source, record.index, invalid.errors))
        return False
    contributor = accounts["contributeur"]
    organisation = record_organisation(session, parsed)
    author = contributor if contributor.organisation is organisation else None
    extras = {name: record.data.get(name) for name in ("contact", "cofilers", "follow_ups")}
    save_record(session, parsed, status=record.data.get("status") or "publiee", user=author,
                extras=extras, publisher=accounts["moderateur"])
    return True


def _record_key(data: dict) -> tuple[str, str]:
    """What identifies a demo write-up across runs: its title and organisation name."""
    organisation = data.get("organisation") or {}
    return (str(data.get("title") or "").strip(), str(organisation.get("name") or "").strip())


def _existing_keys(session: Session) -> set[tuple[str, str]]:
    query = select(Experience.title, Organisation.name).join(Experience.organisation)
    return {(title, name) for title, name in session.execute(query)}


def _count(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _ensure_accounts(
    session: Session, records: list[DemoRecord], report: DemoReport
) -> dict[str, User]:
    """One approved, active account per role; existing ones are left as they are."""
    from kb.accounts.auth import hash_password

    accounts = {}
    for email, role, name in DEMO_ACCOUNTS:
        user = session.scalars(select(User).where(User.email == email)).first()
        if user is None:
            user = User(email=email, name=name, role=role, password_hash=hash_password(
                DEMO_PASSWORD), active=True, approved=True, approved_at=utcnow())
            if role == "contributeur":
                user.organisation = _contributor_organisation(session, records)
            session.add(user)
            report.accounts_created += 1
        accounts[role] = user
    session.flush()
    return accounts


def _contributor_organisation(session: Session, records: list[DemoRecord]) -> Organisation | None:
    """The organisation of the first commune write-up in the Creuse (else any commune, else the
    first write-up), so the contributor account has write-ups to edit."""
    parsed = []
    for record in records:
        try:
            parsed.append(parse_record(record.data, session))
        except RecordInvalid:
            continue
    communes = [p for p in parsed if p.organisation_kind == "commune"]
    creuse = [p for p in communes if p.territory.departement == "23"]
    for candidates in (creuse, communes, parsed):
        if candidates:
            return record_organisation(session, candidates[0])
    return None


def _account_lines(session: Session) -> list[tuple[str, str, str | None]]:
    emails = [email for email, _, _ in DEMO_ACCOUNTS]
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))}
    return [
        (email, users[email].role,
         users[email].organisation.name if users[email].organisation else None)
        for email in emails if email in users
    ]


def load_synthetic(n: int, seed: int = 1, session: Session | None = None) -> int:
    """Add ``n`` generated write-ups (for benchmarks); same seed, same write-ups. Commits."""
    from kb.db import get_session
    from kb.demo.synthetic import insert_synthetic
    from kb.reference import load_vocabularies

    session = session or get_session()
    load_vocabularies(session)
    count = insert_synthetic(session, n, seed)
    session.commit()
    return count
