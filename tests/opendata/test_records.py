"""The open-data record (SPEC 7b): export shape, validation, CSV form, saving."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest
from sqlalchemy import func, select

from kb.accounts.models import Organisation
from kb.experiences.models import Experience, Label, Replication, Revision
from kb.experiences.slugs import slugify
from kb.experiences.snapshot import EDITABLE_FIELDS, experience_snapshot
from kb.opendata.records import (
    CSV_COLUMNS,
    RECORD_KEYS,
    RecordInvalid,
    experience_to_record,
    parse_record,
    record_errors,
    record_from_csv_row,
    record_to_csv_row,
    save_record,
)
from kb.search.models import OutboxEntry

FULL_RECORD = {
    "title": "Des tablettes dans les écoles de Guéret",
    "summary": "La ville a équipé ses six écoles élémentaires de classes mobiles de tablettes.",
    "context": "Un parc **vieillissant** et des enseignants demandeurs.",
    "actions": "- achat groupé\n- formation des référents",
    "results": "Usage hebdomadaire dans 80 % des classes.",
    "lessons": "Former avant de livrer le matériel.",
    "territory": {"code": "C23096"},
    "organisation": {"name": "Ville de Guéret", "kind": "commune"},
    "territory_types": ["rural"],
    "levels": ["elementaire", "maternelle"],
    "themes": ["equipement", "formation"],
    "equipment": ["tablettes"],
    "state": "termine",
    "start": "2019-09",
    "end": "2021-06",
    "budget_eur": 85000,
    "funders": ["État", "Commune"],
    "schools": 6,
    "pupils": 640,
    "teachers": 32,
    "evidence": "enquete",
    "partners": "Atelier Canopé de la Creuse",
    "links": ["https://www.ville-gueret.fr/tablettes"],
    "published_at": "2024-03-01T10:00:00Z",
}
CONTACT = {"name": "Claire Martin", "role": "Chargée de mission", "email": "c.martin@gueret.fr"}


def record(**changes) -> dict:
    data = copy.deepcopy(FULL_RECORD)
    data.update(changes)
    return data


def messages(data: dict, session) -> list[str]:
    return [error.message for error in record_errors(data, session)]


@pytest.fixture
def saved(db_session):
    """The full record saved as a published write-up, with a contact person."""
    parsed = parse_record(record(), db_session)
    experience = save_record(db_session, parsed, extras={"contact": CONTACT})
    db_session.commit()
    return experience


def test_record_has_the_documented_keys_in_order(saved):
    exported = experience_to_record(saved, "https://exemple.fr/experiences/1")
    assert list(exported) == list(RECORD_KEYS)
    assert RECORD_KEYS[:3] == ("id", "url", "title")
    assert exported["territory"] == {
        "code": "C23096", "name": "Guéret", "kind": "commune",
        "departement": "23", "region": "75", "population": exported["territory"]["population"],
    }
    assert exported["organisation"] == {"name": "Ville de Guéret", "kind": "commune"}
    assert exported["start"] == "2019-09" and exported["end"] == "2021-06"
    assert exported["published_at"] == "2024-03-01T10:00:00Z"
    assert exported["updated_at"].endswith("Z")
    assert exported["label"] is None and exported["replications"] == 0


def test_record_never_contains_personal_data(saved):
    exported = experience_to_record(saved, None)
    text = json.dumps(exported, ensure_ascii=False) + json.dumps(record_to_csv_row(exported))
    assert "contact" not in exported
    for personal in CONTACT.values():
        assert personal not in text
    assert "@" not in text


def test_export_import_round_trip_keeps_every_field(saved, db_session):
    first = experience_to_record(saved, None)
    copy_of = save_record(db_session, parse_record(first, db_session))
    db_session.flush()
    second = experience_to_record(copy_of, None)
    ignored = {"id", "url", "updated_at"}
    assert {k: v for k, v in first.items() if k not in ignored} == {
        k: v for k, v in second.items() if k not in ignored
    }
    for key in ("title", "themes", "levels", "links", "funders", "budget_eur", "evidence"):
        assert second[key] == FULL_RECORD[key]


def test_round_trip_through_a_csv_file(saved, db_session):
    exported = experience_to_record(saved, None)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerow(record_to_csv_row(exported))
    row = next(csv.DictReader(io.StringIO(buffer.getvalue())))
    parsed = parse_record(record_from_csv_row(row), db_session)
    again = experience_to_record(save_record(db_session, parsed), None)
    ignored = {"id", "url", "updated_at"}
    assert {k: v for k, v in again.items() if k not in ignored} == {
        k: v for k, v in exported.items() if k not in ignored
    }


def test_label_and_replications_appear_in_the_record(saved, db_session):
    other = save_record(db_session, parse_record(record(title="Une copie"), db_session))
    db_session.flush()
    db_session.add(Replication(source_id=saved.id, replica_id=other.id))
    db_session.add(Label(experience_id=saved.id, justification="Transposable partout."))
    db_session.commit()
    db_session.refresh(saved)
    exported = experience_to_record(saved, None)
    assert exported["label"] == "Transposable partout."
    assert exported["replications"] == 1
    assert experience_to_record(saved, None, replications=7)["replications"] == 7


@pytest.mark.parametrize(("changes", "message"), [
    ({"title": None}, "Le titre est obligatoire."),
    ({"title": "   "}, "Le titre est obligatoire."),
    ({"title": "x" * 201}, "Le titre dépasse 200 caractères."),
    ({"summary": "x" * 601}, "Le résumé dépasse 600 caractères."),
    ({"themes": []}, "Au moins un thème est obligatoire."),
    ({"themes": ["xyz"]}, "Le code de thème « xyz » est inconnu."),
    ({"equipment": ["laser"]}, "Le code d'équipement « laser » est inconnu."),
    ({"levels": ["cp"]}, "Le code de niveau « cp » est inconnu."),
    ({"territory_types": ["banlieue"]}, "Le code de type de territoire « banlieue » est inconnu."),
    ({"start": "2019/09"}, "La date de début doit être au format AAAA-MM."),
    ({"end": "2021-13"}, "La date de fin doit être au format AAAA-MM."),
    ({"start": "2021-09", "end": "2020-06"}, "La date de fin précède la date de début."),
    ({"budget_eur": -5}, "Le budget doit être un nombre positif ou nul."),
    ({"budget_eur": "beaucoup"}, "Le budget doit être un nombre positif ou nul."),
    ({"pupils": -1}, "Le nombre d'élèves doit être un entier positif ou nul."),
    ({"schools": 2.5}, "Le nombre d'écoles doit être un entier positif ou nul."),
    ({"teachers": True}, "Le nombre d'enseignants doit être un entier positif ou nul."),
    ({"state": "fini"}, "L'état du projet « fini » est inconnu."),
    ({"evidence": "sondage"}, "Le type d'évaluation « sondage » est inconnu."),
    ({"links": ["javascript:alert(1)"]}, "Lien non http(s) : javascript:alert(1)"),
    ({"links": ["ftp://exemple.fr/a"]}, "Lien non http(s) : ftp://exemple.fr/a"),
    ({"territory": {"code": "C99999"}}, "Territoire inconnu : C99999"),
    ({"territory": None}, "Le territoire est obligatoire."),
    ({"organisation": None}, "Le nom de l'organisation est obligatoire."),
    ({"organisation": {"name": "Mairie", "kind": "mairie"}},
     "Le type d'organisation « mairie » est inconnu."),
    ({"themes": "equipement"}, None),  # a single string is read as a one-item list
    ({"published_at": "hier"},
     "La date de publication doit être au format ISO 8601 (2024-03-01T10:00:00Z)."),
])
def test_invalid_record_is_refused_with_a_precise_message(db_session, changes, message):
    found = messages(record(**changes), db_session)
    assert found == ([message] if message else [])


def test_every_problem_of_a_record_is_reported_at_once(db_session):
    data = record(title="", themes=["xyz"], budget_eur=-1, territory={"code": "C99999"})
    with pytest.raises(RecordInvalid) as refused:
        parse_record(data, db_session)
    assert {error.field for error in refused.value.errors} == {
        "title", "themes", "budget_eur", "territory"
    }


def test_a_record_must_be_an_object(db_session):
    refused = messages(["pas", "un", "objet"], db_session)
    assert refused == ["L'enregistrement doit être un objet JSON."]


@pytest.mark.parametrize("dangerous", ["=1+1", "+33 5 55", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(dangerous):
    row = record_to_csv_row(record(title=dangerous, funders=[dangerous, "État"]))
    assert row["title"] == "'" + dangerous
    assert row["funders"] == "'" + dangerous + "|État"
    assert record_from_csv_row(row)["title"] == dangerous


def test_csv_row_has_the_flat_columns_and_joined_lists(saved):
    row = record_to_csv_row(experience_to_record(saved, "https://exemple.fr/x"))
    assert list(row) == list(CSV_COLUMNS)
    assert row["territory_code"] == "C23096" and row["organisation_name"] == "Ville de Guéret"
    assert row["departement"] == "23" and row["region"] == "75"
    assert row["themes"] == "equipement|formation"
    assert row["label"] == "" and row["budget_eur"] == "85000"
    assert all(isinstance(value, str) for value in row.values())


def test_csv_row_accepts_a_territory_column_and_empty_cells(db_session):
    row = {"title": "Fiche CSV", "territory": "d23",
           "organisation_name": "Département de la Creuse", "organisation_kind": "departement",
           "themes": "ent | formation", "budget_eur": "", "pupils": "1200", "links": ""}
    parsed = parse_record(record_from_csv_row(row), db_session)
    assert parsed.territory.code == "D23"
    assert parsed.terms["themes"] == ["ent", "formation"]
    assert parsed.budget_eur is None and parsed.pupils == 1200 and parsed.links == []


def test_save_record_writes_revision_outbox_slug_and_derived_area(saved, db_session):
    assert saved.slug == "des-tablettes-dans-les-ecoles-de-gueret"
    assert (saved.departement, saved.region, saved.state) == ("23", "75", "publiee")
    revision = db_session.scalars(select(Revision).where(Revision.experience_id == saved.id)).one()
    assert (revision.number, revision.action) == (1, "import")
    assert revision.data == experience_snapshot(saved)
    assert revision.data["contact_email"] == CONTACT["email"]
    outbox = db_session.scalars(select(OutboxEntry)).all()
    assert [(e.experience_id, e.operation) for e in outbox] == [(saved.id, "upsert")]


@pytest.mark.parametrize(("code", "area"), [
    ("C23096", ("23", "75")),
    ("E200000172", ("74", "84")),
    ("D23", ("23", "75")),
    ("R75", (None, "75")),
])
def test_departement_and_region_are_derived_from_the_territory(db_session, code, area):
    experience = save_record(db_session, parse_record(record(territory={"code": code}), db_session))
    assert (experience.departement, experience.region) == area


def test_draft_is_not_queued_for_the_index_and_organisation_is_reused(db_session):
    first = save_record(db_session, parse_record(record(), db_session), status="brouillon")
    second = save_record(db_session, parse_record(record(title="Autre"), db_session))
    db_session.flush()
    assert first.published_at is None and first.organisation is second.organisation
    assert first.organisation.territory_code == "C23096"
    assert db_session.scalar(select(func.count()).select_from(Organisation)) == 1
    queued = db_session.scalars(select(OutboxEntry.experience_id)).all()
    assert queued == [second.id]


def test_snapshot_holds_every_editable_field_as_json(saved):
    snapshot = experience_snapshot(saved)
    assert tuple(snapshot) == EDITABLE_FIELDS
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["themes"] == ["equipement", "formation"]
    assert (snapshot["start"], snapshot["end"]) == ("2019-09", "2021-06")


def test_extras_add_cofilers_and_follow_ups(db_session):
    extras = {
        "cofilers": [{"name": "CA du Grand Guéret", "kind": "epci", "territory": "E200034825",
                      "role": "Maintenance du parc"},
                     {"name": "Ville de Guéret", "kind": "commune"}],  # the filer itself: skipped
        "follow_ups": [{"date": "2023-06", "body": "Deux ans après, 90 % d'usage."}],
    }
    experience = save_record(db_session, parse_record(record(), db_session), extras=extras)
    db_session.commit()
    stored = db_session.get(Experience, experience.id)
    assert [(c.organisation.name, c.role) for c in stored.cofilers] == [
        ("CA du Grand Guéret", "Maintenance du parc")
    ]
    assert [f.entry_date.isoformat() for f in stored.follow_ups] == ["2023-06-01"]
    assert experience_snapshot(stored)["cofilers"][0]["name"] == "CA du Grand Guéret"


@pytest.mark.parametrize(("title", "slug"), [
    ("Tablettes à l'école de Guéret", "tablettes-a-l-ecole-de-gueret"),
    ("Œuvres numériques", "oeuvres-numeriques"),
    ("« ! »", "fiche"),
])
def test_slugify_gives_lower_ascii_words(title, slug):
    assert slugify(title) == slug


def test_slugify_cuts_long_titles_on_a_word_boundary():
    words = "un-tres-long-titre-de-fiche-" * 10
    slug = slugify("Un très long titre de fiche " * 10)
    assert len(slug) <= 80 and not slug.endswith("-")
    assert words.startswith(slug + "-")
