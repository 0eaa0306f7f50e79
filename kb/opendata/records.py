"""The open-data record of SPEC 7b, both ways: write-up → record (export, API) and record →
write-up (``kb import``, the demo data set).

One shape for JSON and CSV: the CSV has the same columns, flattened (``territory_code``,
``organisation_name``…), lists joined with ``|``. A record never holds personal data: no contact
person, no account.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from kb.accounts.models import Organisation, User, utcnow
from kb.experiences.models import (
    CoFiler,
    Experience,
    ExperienceTerm,
    FollowUp,
    Replication,
    Revision,
)
from kb.experiences.slugs import slugify
from kb.experiences.snapshot import VOCABULARY_FIELDS, experience_snapshot, month_string
from kb.experiences.vocabularies import (
    BY_NAME,
    EVIDENCE_CODES,
    ORGANISATION,
    PROJECT_STATE_CODES,
    STATE_CODES,
)
from kb.search.models import enqueue
from kb.territories.models import Territory

RECORD_KEYS: tuple[str, ...] = (
    "id", "url", "title", "summary", "context", "actions", "results", "lessons",
    "territory", "organisation", "territory_types", "levels", "themes", "equipment", "state",
    "start", "end", "budget_eur", "funders", "schools", "pupils", "teachers", "evidence",
    "partners", "links", "label", "replications", "published_at", "updated_at", "attachments",
)
TERRITORY_KEYS = ("code", "name", "kind", "departement", "region", "population")
TEXT_FIELDS = ("context", "actions", "results", "lessons", "partners")
LIST_FIELDS = ("territory_types", "levels", "themes", "equipment", "funders", "links")
COUNT_FIELDS = {
    "schools": "Le nombre d'écoles",
    "pupils": "Le nombre d'élèves",
    "teachers": "Le nombre d'enseignants",
}
VOCABULARY_NOUNS = {
    "themes": "de thème",
    "equipment": "d'équipement",
    "levels": "de niveau",
    "territory_types": "de type de territoire",
}
TITLE_MAX, SUMMARY_MAX, LINK_MAX, FUNDER_MAX = 200, 600, 500, 200
COUNT_MAX, BUDGET_MAX = 2**31 - 1, 10**15  # what the database columns hold, with room to spare

CSV_COLUMNS: tuple[str, ...] = (
    "id", "url", "title", "summary", "context", "actions", "results", "lessons",
    "territory_code", "territory_name", "territory_kind", "departement", "region", "population",
    "organisation_name", "organisation_kind",
    *RECORD_KEYS[RECORD_KEYS.index("territory_types"):],
)
CSV_LIST_SEPARATOR = "|"
#: First characters that make a spreadsheet read a cell as a formula (or hide what follows).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------- write-up → record


def iso_utc(value: datetime | None) -> str | None:
    """A naive UTC datetime as ``2024-03-01T10:00:00Z``."""
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def experience_to_record(
    experience: Experience, url: str | None = None, *, replications: int | None = None
) -> dict:
    """The SPEC 7b record of a write-up, keys in the documented order, without personal data.

    ``replications`` can be given when the caller counted them for many write-ups at once.
    """
    if replications is None:
        replications = count_replications(experience)
    label = experience.label
    values = {
        "id": experience.id,
        "url": url,
        **{name: getattr(experience, name) for name in ("title", "summary", *TEXT_FIELDS)},
        "territory": territory_record(experience),
        "organisation": {"name": experience.organisation.name,
                         "kind": experience.organisation.kind},
        **{name: experience.codes(vocab) for name, vocab in VOCABULARY_FIELDS.items()},
        "state": experience.project_state,
        "start": month_string(experience.start_month),
        "end": month_string(experience.end_month),
        **{name: getattr(experience, name)
           for name in ("budget_eur", "schools", "pupils", "teachers", "evidence")},
        "funders": list(experience.funders or []),
        "links": list(experience.links or []),
        "label": label.justification if label is not None else None,
        "replications": replications,
        "published_at": iso_utc(experience.published_at),
        "updated_at": iso_utc(experience.updated_at),
        "attachments": attachment_records(experience, url),
    }
    return {key: values[key] for key in RECORD_KEYS}


def attachment_records(experience: Experience, url: str | None) -> list[dict]:
    """The write-up's live attachments as open data (issue 13): what they are and where to get
    them, under the data's licence; never who sent them. URLs are absolute when the record's
    own ``url`` is."""
    from kb.attachments.models import ATTACHMENT_LICENCE
    from kb.attachments.views import download_name

    base = url.split("/experiences/", 1)[0] if url and "/experiences/" in url else ""
    return [{
        "title": a.title, "description": a.description, "type": a.kind,
        "media_type": a.media_type, "size_bytes": a.size_bytes,
        "url": f"{base}/experiences/{experience.id}/pieces-jointes/{a.id}/{download_name(a)}",
        "licence": ATTACHMENT_LICENCE,
    } for a in experience.attachments if a.is_live]


def territory_record(experience: Experience) -> dict:
    """The territory part of a record; département and région are the write-up's derived ones."""
    territory = experience.territory
    return {
        "code": territory.code,
        "name": territory.name,
        "kind": territory.kind,
        "departement": experience.departement,
        "region": experience.region,
        "population": territory.population,
    }


def count_replications(experience: Experience) -> int:
    """How many write-ups declared *nous l'avons fait aussi* for this one."""
    session = object_session(experience)
    if session is None or experience.id is None:
        return 0
    query = select(func.count()).select_from(Replication).where(
        Replication.source_id == experience.id
    )
    return session.scalar(query) or 0


# --------------------------------------------------------------------------- CSV shape


def neutralise_cell(value: str) -> str:
    """Defuse spreadsheet formulas: a cell starting with ``= + - @``, tab or CR gets a leading
    ``'``. A cell already starting with ``'`` gets one too, so that :func:`restore_cell` gives
    back exactly what was exported."""
    if value.startswith(FORMULA_TRIGGERS) or value.startswith("'"):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """Undo :func:`neutralise_cell` on import."""
    if value.startswith("'") and value[1:].startswith((*FORMULA_TRIGGERS, "'")):
        return value[1:]
    return value


def flatten_record(record: dict) -> dict:
    """A record as the flat columns of :data:`CSV_COLUMNS`, values left as they are (lists,
    numbers, ``None``): territory and organisation spread over their own columns."""
    territory = record.get("territory") or {}
    organisation = record.get("organisation") or {}
    flat = dict(record)
    flat.update({f"territory_{key}": territory.get(key) for key in ("code", "name", "kind")})
    flat.update({key: territory.get(key) for key in ("departement", "region", "population")})
    flat.update(organisation_name=organisation.get("name"),
                organisation_kind=organisation.get("kind"))
    flat["attachments"] = [item["url"] for item in record.get("attachments") or []]
    return {column: flat.get(column) for column in CSV_COLUMNS}


def record_to_csv_row(record: dict) -> dict[str, str]:
    """Flatten a record into :data:`CSV_COLUMNS`: lists joined with ``|``, ``None`` as an empty
    cell, every cell defused against formula injection."""
    return {column: neutralise_cell(_cell_text(value))
            for column, value in flatten_record(record).items()}


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return CSV_LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)


def record_from_csv_row(row: dict) -> dict:
    """Turn a CSV row (every value a string) back into a nested record for :func:`parse_record`.

    Lists are split on ``|``, empty cells become ``None``; numbers stay strings (the parser checks
    them). The territory comes from ``territory_code`` (or a ``territory`` column).
    """
    cells = {key: _csv_value(value) for key, value in row.items() if key is not None}
    record = {key: cells.get(key) for key in RECORD_KEYS}
    for name in LIST_FIELDS:
        record[name] = _split_list(cells.get(name))
    record["territory"] = {"code": cells.get("territory_code") or cells.get("territory")}
    record["organisation"] = {
        "name": cells.get("organisation_name"),
        "kind": cells.get("organisation_kind"),
        "territory": cells.get("organisation_territory"),
    }
    return record


def _csv_value(value) -> str | None:
    if value is None:
        return None
    text = restore_cell(str(value))
    return text if text.strip() else None


def _split_list(value: str | None) -> list[str]:
    if not value:
        return []
    return [item.strip() for item in value.split(CSV_LIST_SEPARATOR) if item.strip()]


# --------------------------------------------------------------------------- record → write-up


@dataclass(frozen=True)
class RecordError:
    """One reason a record is refused: the field at fault and a French message."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field} : {self.message}"


class RecordInvalid(ValueError):
    """Raised by :func:`parse_record` with every :class:`RecordError` found."""

    def __init__(self, errors: list[RecordError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


@dataclass
class ParsedRecord:
    """A validated record, ready for :func:`save_record`."""

    title: str
    territory: Territory
    organisation_name: str
    organisation_kind: str
    organisation_territory: Territory | None = None
    summary: str = ""
    context: str = ""
    actions: str = ""
    results: str = ""
    lessons: str = ""
    partners: str = ""
    terms: dict[str, list[str]] = field(default_factory=dict)  # form field → codes
    project_state: str | None = None
    start: date | None = None
    end: date | None = None
    budget_eur: int | None = None
    funders: list[str] = field(default_factory=list)
    schools: int | None = None
    pupils: int | None = None
    teachers: int | None = None
    evidence: str = "aucune"
    links: list[str] = field(default_factory=list)
    published_at: datetime | None = None


class _Checker:
    """Collects :class:`RecordError` while reading one record, so all of them are reported."""

    def __init__(self, data: dict, session: Session) -> None:
        self.data = data
        self.session = session
        self.errors: list[RecordError] = []

    def fail(self, field_name: str, message: str) -> None:
        self.errors.append(RecordError(field_name, message))

    def text(self, name: str, label: str, limit: int | None = None) -> str:
        value = self.data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(name, f"{label} doit être un texte.")
            return ""
        value = value.strip()
        if limit is not None and len(value) > limit:
            self.fail(name, f"{label} dépasse {limit} caractères.")
        return value

    def strings(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if isinstance(value, str):
            value = _split_list(value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(name, f"Le champ « {name} » doit être une liste de textes.")
            return []
        return list(dict.fromkeys(v.strip() for v in value if v.strip()))

    def codes(self, name: str) -> list[str]:
        vocabulary = BY_NAME[VOCABULARY_FIELDS[name]]
        codes = self.strings(name)
        for code in codes:
            if code not in vocabulary.codes:
                self.fail(name, f"Le code {VOCABULARY_NOUNS[name]} « {code} » est inconnu.")
        return [code for code in codes if code in vocabulary.codes]

    def choice(self, name: str, allowed: tuple[str, ...], message: str, default=None):
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if value not in allowed:
            self.fail(name, message.format(value=value))
            return default
        return value

    def count(self, name: str, message: str, maximum: int = COUNT_MAX) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        number = _as_number(value)
        if number is None or number < 0 or number != int(number) or number > maximum:
            self.fail(name, message)
            return None
        return int(number)

    def month(self, name: str, label: str) -> date | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        parsed = parse_month(value) if isinstance(value, str) else None
        if parsed is None:
            self.fail(name, f"{label} doit être au format AAAA-MM.")
        return parsed

    def territory(self, name: str, value, label: str = "Territoire") -> Territory | None:
        code = _territory_code(value)
        if not code:
            return None
        territory = self.session.get(Territory, code.strip().upper())
        if territory is None:
            self.fail(name, f"{label} inconnu : {code}")
        return territory


def _as_number(value) -> float | None:
    """A finite number from a JSON number or a text (French spaces allowed), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _territory_code(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("code")
    return value if isinstance(value, str) and value.strip() else None


def parse_month(value: str) -> date | None:
    """``"2019-09"`` → ``date(2019, 9, 1)``; anything else → ``None``."""
    value = value.strip()
    if len(value) != 7 or value[4] != "-" or not (value[:4] + value[5:]).isdigit():
        return None
    year, month = int(value[:4]), int(value[5:])
    return date(year, month, 1) if 1 <= month <= 12 and year >= 1900 else None


def parse_timestamp(value: str) -> datetime | None:
    """An ISO 8601 timestamp (``…Z`` or with an offset) as a naive UTC datetime."""
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # OverflowError: year 1 with a positive offset…
        return None
    return moment


def parse_record(data: dict, session: Session | None = None) -> ParsedRecord:
    """Validate one record (JSON shape, or CSV once through :func:`record_from_csv_row`).

    Raises :class:`RecordInvalid` listing every problem with a French message. Unknown keys and
    the computed ones (``id``, ``url``, ``label``, ``replications``, ``updated_at``) are ignored.
    """
    if not isinstance(data, dict):
        raise RecordInvalid([RecordError("record", "L'enregistrement doit être un objet JSON.")])
    if session is None:
        from kb.db import get_session

        session = get_session()
    check = _Checker(data, session)
    values = _read_texts(check) | _read_terms(check) | _read_project(check)
    values |= _read_places(check)
    if check.errors:
        raise RecordInvalid(check.errors)
    return ParsedRecord(**values)


def record_errors(data: dict, session: Session | None = None) -> list[RecordError]:
    """The errors :func:`parse_record` would raise, or an empty list for a valid record."""
    try:
        parse_record(data, session)
    except RecordInvalid as invalid:
        return invalid.errors
    return []


def _read_texts(check: _Checker) -> dict:
    title = check.text("title", "Le titre", TITLE_MAX)
    if not title and not any(e.field == "title" for e in check.errors):
        check.fail("title", "Le titre est obligatoire.")
    values = {"title": title, "summary": check.text("summary", "Le résumé", SUMMARY_MAX)}
    labels = {"context": "Le contexte", "actions": "La description des actions",
              "results": "Le champ des résultats", "lessons": "Le champ des enseignements",
              "partners": "Le champ des partenaires"}
    values.update({name: check.text(name, label) for name, label in labels.items()})
    return values


def _read_terms(check: _Checker) -> dict:
    terms = {name: check.codes(name) for name in VOCABULARY_FIELDS}
    if not terms["themes"] and not any(e.field == "themes" for e in check.errors):
        check.fail("themes", "Au moins un thème est obligatoire.")
    return {"terms": terms}


def _read_project(check: _Checker) -> dict:
    values = {
        "project_state": check.choice("state", PROJECT_STATE_CODES,
                                      "L'état du projet « {value} » est inconnu."),
        "evidence": check.choice("evidence", EVIDENCE_CODES,
                                 "Le type d'évaluation « {value} » est inconnu.", "aucune"),
        "start": check.month("start", "La date de début"),
        "end": check.month("end", "La date de fin"),
        "budget_eur": check.count("budget_eur", "Le budget doit être un nombre positif ou nul.",
                                  BUDGET_MAX),
        "funders": _read_funders(check),
        "links": _read_links(check),
        "published_at": _read_published_at(check),
    }
    for name, label in COUNT_FIELDS.items():
        values[name] = check.count(name, f"{label} doit être un entier positif ou nul.")
    if values["start"] and values["end"] and values["end"] < values["start"]:
        check.fail("end", "La date de fin précède la date de début.")
    return values


def _read_funders(check: _Checker) -> list[str]:
    funders = check.strings("funders")
    for funder in funders:
        if len(funder) > FUNDER_MAX:
            check.fail("funders", f"Un financeur dépasse {FUNDER_MAX} caractères.")
    return funders


def _read_links(check: _Checker) -> list[str]:
    links = check.strings("links")
    for link in links:
        try:
            parts = urlsplit(link)
        except ValueError:  # « http://[::1 » and the like
            parts = urlsplit("")
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            check.fail("links", f"Lien non http(s) : {link}")
        elif len(link) > LINK_MAX:
            check.fail("links", f"Un lien dépasse {LINK_MAX} caractères.")
    return links


def _read_published_at(check: _Checker) -> datetime | None:
    value = check.data.get("published_at")
    if value is None or value == "":
        return None
    moment = parse_timestamp(value) if isinstance(value, str) else None
    if moment is None:
        check.fail("published_at",
                   "La date de publication doit être au format ISO 8601 (2024-03-01T10:00:00Z).")
    return moment


def _read_places(check: _Checker) -> dict:
    territory = check.territory("territory", check.data.get("territory"))
    if territory is None and not any(e.field == "territory" for e in check.errors):
        check.fail("territory", "Le territoire est obligatoire.")
    organisation = check.data.get("organisation")
    if not isinstance(organisation, dict):
        organisation = {"name": organisation} if isinstance(organisation, str) else {}
    name = organisation.get("name")
    if not isinstance(name, str) or not name.strip():
        check.fail("organisation", "Le nom de l'organisation est obligatoire.")
        name = ""
    kind = organisation.get("kind") or "autre"
    if kind not in ORGANISATION.codes:
        check.fail("organisation", f"Le type d'organisation « {kind} » est inconnu.")
    own = check.territory("organisation", organisation.get("territory"),
                          "Territoire de l'organisation")
    return {"territory": territory, "organisation_name": name.strip()[:TITLE_MAX],
            "organisation_kind": kind, "organisation_territory": own}


# --------------------------------------------------------------------------- saving


def territory_area(territory: Territory) -> tuple[str | None, str | None]:
    """The (département, région) codes a write-up on ``territory`` is counted in.

    A commune or EPCI gives its département and région, a département itself and its région, a
    région only itself.
    """
    if territory.kind == "region":
        return None, territory.region or territory.insee
    if territory.kind == "departement":
        return territory.departement or territory.insee, territory.region
    return territory.departement, territory.region


def find_or_create_organisation(
    session: Session, name: str, kind: str, territory: Territory | None = None
) -> Organisation:
    """The organisation called ``name`` of that ``kind``, created (with its territory) if new."""
    query = select(Organisation).where(Organisation.name == name, Organisation.kind == kind)
    organisation = session.scalars(query.limit(1)).first()
    if organisation is None:
        organisation = Organisation(name=name, kind=kind, territory=territory)
        session.add(organisation)
    elif organisation.territory_code is None and territory is not None:
        organisation.territory = territory
    return organisation


def record_organisation(session: Session, parsed: ParsedRecord) -> Organisation:
    """The record's organisation, created if unknown; its territory is the one given, else the
    write-up's when the organisation is an authority of that same kind."""
    territory = parsed.organisation_territory
    if territory is None and parsed.organisation_kind == parsed.territory.kind:
        territory = parsed.territory
    return find_or_create_organisation(
        session, parsed.organisation_name, parsed.organisation_kind, territory
    )


def save_record(
    session: Session,
    parsed: ParsedRecord,
    *,
    status: str = "publiee",
    user: User | None = None,
    extras: dict | None = None,
    publisher: User | None = None,
) -> Experience:
    """Create the write-up of a validated record, with its first revision (``import``) and, when
    published, its search outbox entry. Flushes; the caller commits.

    ``user`` is the author (and, unless ``publisher`` is given, the publisher). ``extras`` (demo
    data set only) may hold ``contact``, ``cofilers`` and ``follow_ups``.
    """
    if status not in STATE_CODES:
        raise ValueError(f"unknown workflow state {status!r}")
    organisation = record_organisation(session, parsed)
    experience = _new_experience(parsed, organisation, status, user)
    if experience.published_at is not None:
        experience.published_by = publisher or user
    _apply_extras(session, experience, extras or {}, user)
    session.add(experience)
    session.flush()
    session.add(Revision(experience_id=experience.id, number=1, author=user, action="import",
                         data=experience_snapshot(experience), created_at=experience.created_at))
    if status == "publiee":
        enqueue(session, experience.id, "upsert")
    return experience


def _new_experience(
    parsed: ParsedRecord, organisation: Organisation, status: str, user: User | None
) -> Experience:
    departement, region = territory_area(parsed.territory)
    now = utcnow()
    created = min(parsed.published_at, now) if parsed.published_at else now
    experience = Experience(
        title=parsed.title, slug=slugify(parsed.title), organisation=organisation,
        territory=parsed.territory, departement=departement, region=region, state=status,
        created_by=user, created_at=created, updated_at=created,
        **{name: getattr(parsed, name) for name in _COPIED_FIELDS},
        start_month=parsed.start, end_month=parsed.end,
        terms=_terms(parsed.terms),
    )
    _set_workflow_dates(experience, parsed, status, now)
    return experience


_COPIED_FIELDS = (
    "summary", "context", "actions", "results", "lessons", "partners", "project_state",
    "budget_eur", "funders", "schools", "pupils", "teachers", "evidence", "links",
)


def _terms(terms: dict[str, list[str]]) -> list[ExperienceTerm]:
    return [
        ExperienceTerm(vocabulary=VOCABULARY_FIELDS[name], code=code, position=position)
        for name, codes in terms.items()
        for position, code in enumerate(codes)
    ]


def _set_workflow_dates(
    experience: Experience, parsed: ParsedRecord, status: str, now: datetime
) -> None:
    """Publication date from the record when given (an import keeps its history), else now."""
    if status in ("soumise", "publiee", "archivee"):
        experience.submitted_at = experience.created_at
    if status in ("publiee", "archivee"):
        experience.published_at = parsed.published_at or now
    if status == "archivee":
        experience.archived_at = now


def _apply_extras(session: Session, experience: Experience, extras: dict, user) -> None:
    """Contact person, co-filing organisations and follow-ups of the demo data set."""
    contact = extras.get("contact") or {}
    experience.contact_name = (contact.get("name") or "")[:200]
    experience.contact_role = (contact.get("role") or "")[:200]
    experience.contact_email = (contact.get("email") or "")[:254]
    for cofiler in extras.get("cofilers") or []:
        _add_cofiler(session, experience, cofiler)
    for entry in extras.get("follow_ups") or []:
        experience.follow_ups.append(FollowUp(
            entry_date=_entry_date(entry.get("date")), title=(entry.get("title") or "")[:200],
            body=entry.get("body") or "", author=user,
        ))


def _add_cofiler(session: Session, experience: Experience, data: dict) -> None:
    name, kind = (data.get("name") or "").strip(), data.get("kind") or "autre"
    if not name or kind not in ORGANISATION.codes:
        return
    code = _territory_code(data.get("territory"))
    territory = session.get(Territory, code.upper()) if code else None
    organisation = find_or_create_organisation(session, name[:TITLE_MAX], kind, territory)
    known = {id(c.organisation) for c in experience.cofilers} | {id(experience.organisation)}
    if id(organisation) not in known:
        experience.cofilers.append(
            CoFiler(organisation=organisation, role=(data.get("role") or "")[:200])
        )


def _entry_date(value) -> date:
    """A follow-up date: ``YYYY-MM-DD`` or ``YYYY-MM`` (first of the month); today otherwise."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            month = parse_month(value)
            if month is not None:
                return month
    return utcnow().date()
