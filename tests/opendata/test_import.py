"""``kb import FILE``: JSON or CSV in the export format, every record checked, a report naming
line, field and reason, nothing written when a record is refused (unless ``--skip-invalid``),
unknown organisations created, and the round trip export → empty database → import."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from kb.accounts.models import Organisation
from kb.db import Base, import_models
from kb.experiences.models import Experience, Label
from kb.opendata.importer import ImportFileError, read_json
from kb.opendata.records import CSV_COLUMNS, RecordInvalid, parse_record
from kb.search.models import OutboxEntry

REFERENCE_TABLES = {"territory", "vocabulary_term"}
VALID = {
    "title": "Un fablab au collège de Guéret",
    "summary": "Imprimantes 3D et robots pour les élèves de 4e.",
    "territory": {"code": "C23096"},
    "organisation": {"name": "Collège Jules-Marouzeau", "kind": "autre"},
    "themes": ["programmation"], "equipment": ["imprimantes-3d"], "levels": ["college"],
    "state": "en-cours", "start": "2023-09", "budget_eur": 12000,
    "published_at": "2024-02-01T08:00:00Z",
}


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def write_json(tmp_path, records, name="fiches.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path)


def write_csv(tmp_path, rows: list[dict], name="fiches.csv", columns=CSV_COLUMNS):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return str(path)


def empty_database(app, db_session) -> None:
    """Every table but the reference data emptied, as on a fresh installation."""
    import_models()
    db_session.rollback()
    with app.extensions["kb.engine"].begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                connection.execute(delete(table))
    db_session.expunge_all()


def comparable(records: list[dict]) -> list[dict]:
    """Records without what a new database changes (ids, addresses, modification dates)."""
    kept = [{k: v for k, v in r.items() if k not in ("id", "url", "updated_at")}
            for r in records]
    return sorted(kept, key=lambda r: (r["published_at"], r["title"]))


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("extension", ["json", "csv"])
def test_round_trip_reproduces_the_published_content(app, runner, db_session, tmp_path,
                                                     extension):
    from kb.demo.loader import load_demo

    load_demo(session=db_session)
    first = db_session.scalars(select(Experience).where(Experience.state == "publiee")).first()
    db_session.add(Label(experience_id=first.id, justification="À essaimer : « simple »."))
    db_session.commit()
    exported = tmp_path / f"export.{extension}"
    assert runner.invoke(args=["export", str(exported)]).exit_code == 0
    before = comparable(json_export(runner, tmp_path / "before.json"))
    assert len(before) == 56 and sum(1 for r in before if r["label"]) == 1

    empty_database(app, db_session)
    result = runner.invoke(args=["import", str(exported)])
    assert result.exit_code == 0, result.output
    assert "56 fiches importées (publiées) sur 56." in result.output
    after = comparable(json_export(runner, tmp_path / "after.json"))
    assert after == before
    assert count(db_session, OutboxEntry) == 56  # each one queued for the index


def json_export(runner, path) -> list[dict]:
    result = runner.invoke(args=["export", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


def test_imported_write_ups_are_searchable(client, runner, tmp_path):
    result = runner.invoke(args=["import", write_json(tmp_path, [VALID])])
    assert result.exit_code == 0, result.output
    found = client.get("/api/v1/experiences?q=fablab").get_json()
    assert [r["title"] for r in found["results"]] == [VALID["title"]]


def test_import_creates_unknown_organisations_once(runner, db_session, tmp_path):
    second = {**VALID, "title": "Un second projet du même collège"}
    result = runner.invoke(args=["import", write_json(tmp_path, [VALID, second])])
    assert result.exit_code == 0, result.output
    organisations = db_session.scalars(
        select(Organisation).where(Organisation.name == "Collège Jules-Marouzeau")
    ).all()
    assert len(organisations) == 1 and organisations[0].kind == "autre"
    experiences = db_session.scalars(select(Experience)).all()
    assert {e.organisation_id for e in experiences} == {organisations[0].id}
    assert all(e.state == "publiee" and e.published_at for e in experiences)


def test_status_brouillon_imports_drafts(client, runner, db_session, tmp_path):
    result = runner.invoke(args=["import", write_json(tmp_path, [VALID]), "--status",
                                 "brouillon"])
    assert result.exit_code == 0, result.output
    assert "1 fiche importée (en brouillon)" in result.output
    (experience,) = db_session.scalars(select(Experience)).all()
    assert experience.state == "brouillon" and experience.published_at is None
    assert count(db_session, OutboxEntry) == 0
    assert client.get("/export.json").get_json() == []


# --------------------------------------------------------------------------- refusals


INVALID = [
    VALID,
    {**VALID, "themes": [], "territory": {"code": "C99999"}},
    "pas un objet",
    {**VALID, "budget_eur": -5, "links": ["javascript:alert(1)"], "label": 3},
]


def test_invalid_json_records_are_all_reported_and_nothing_is_written(runner, db_session,
                                                                      tmp_path):
    result = runner.invoke(args=["import", write_json(tmp_path, INVALID)])
    assert result.exit_code == 1
    output = result.output
    assert "Aucune fiche importée : 3 enregistrements refusés sur 4." in output
    line = [n + 1 for n, text in enumerate(json.dumps(INVALID, indent=2).splitlines())
            if text in ("  {", '  "pas un objet",')]  # where each record starts
    assert len(line) == 4
    assert f"Ligne {line[1]} (enregistrement n° 2) — themes : Au moins un thème est " \
           "obligatoire." in output
    assert f"Ligne {line[1]} (enregistrement n° 2) — territory : Territoire inconnu : C99999" \
        in output
    assert f"Ligne {line[2]} (enregistrement n° 3) — record : L'enregistrement doit être un " \
           "objet JSON." in output
    assert "budget_eur : Le budget doit être un nombre positif ou nul." in output
    assert "links : Lien non http(s) : javascript:alert(1)" in output
    assert "label : Le label doit être un texte" in output
    assert count(db_session, Experience) == 0
    assert count(db_session, Organisation) == 0


def test_skip_invalid_imports_the_valid_records(runner, db_session, tmp_path):
    result = runner.invoke(args=["import", write_json(tmp_path, INVALID), "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "1 fiche importée (publiées) sur 4. 3 enregistrements refusés" \
        in result.output
    assert "themes : Au moins un thème est obligatoire." in result.output
    assert count(db_session, Experience) == 1


def test_csv_refusals_name_the_line_where_the_row_starts(runner, db_session, tmp_path):
    good = {"title": "Fiche valide", "territory_code": "C23096", "themes": "ent|formation",
            "organisation_name": "Ville de Guéret", "organisation_kind": "commune",
            "context": "Sur\ndeux lignes"}
    bad = {**good, "title": "", "themes": "ent|licornes", "pupils": "beaucoup"}
    path = write_csv(tmp_path, [good, bad])
    result = runner.invoke(args=["import", path])
    assert result.exit_code == 1
    assert "Ligne 4 — title : Le titre est obligatoire." in result.output  # row 1 spans 2–3
    assert "Ligne 4 — themes : Le code de thème « licornes » est inconnu." in result.output
    assert "Ligne 4 — pupils : Le nombre d'élèves doit être un entier positif ou nul." \
        in result.output
    assert count(db_session, Experience) == 0


def test_csv_with_semicolons_and_neutralised_cells_is_read(runner, db_session, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("\ufefftitle;territory_code;themes;organisation_name;summary\r\n"
                    "'=Formule;C23096;ent;Ville de Guéret;'+33\r\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    (experience,) = db_session.scalars(select(Experience)).all()
    assert (experience.title, experience.summary) == ("=Formule", "+33")


def test_csv_row_with_too_many_cells_is_refused(runner, db_session, tmp_path):
    path = tmp_path / "decale.csv"
    path.write_text("title,territory_code,themes,organisation_name\n"
                    "Fiche,C23096,ent,Ville,en trop\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "Ligne 2 — ligne : La ligne compte 5 cellules pour 4 colonnes." in result.output


@pytest.mark.parametrize(("name", "content", "message"), [
    ("casse.json", '[\n  {"title": "a",}\n]', "JSON mal formé, ligne 2, colonne 17 : nom de "
                                                "propriété entre guillemets doubles attendu."),
    ("virgule.json", '[{"title": "a"},]', "JSON mal formé, ligne 1, colonne 17 : valeur "
                                          "attendue."),
    ("coupe.json", '[{"title": "a"}', "fin de fichier inattendue"),
    ("suite.json", '[{"title": "a"}] [', "contenu inattendu après le tableau"),
    ("objet.json", '{"title": "a"}', "Le fichier JSON doit contenir un tableau"),
    ("vide.csv", "", "Le fichier CSV est vide"),
    ("entete.csv", "titre,commune\nA,B\n", "colonnes manquantes « title », "
                                           "« organisation_name », « themes », "
                                           "« territory_code »"),
    ("guillemet.csv", 'title,territory_code,themes,organisation_name\n"a\x00', "caractères nuls"),
])
def test_malformed_files_get_a_french_error_and_nothing_is_written(
    runner, db_session, tmp_path, name, content, message
):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "Import impossible" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert count(db_session, Experience) == 0


def test_file_not_in_utf8_is_refused(runner, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("title,territory_code,themes,organisation_name\nÉcole,C23096,ent,V\n"
                     .encode("latin-1"))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "n'est pas encodé en UTF-8" in result.output


def test_empty_json_array_imports_nothing(runner, tmp_path):
    result = runner.invoke(args=["import", write_json(tmp_path, [])])
    assert result.exit_code == 0
    assert "0 fiche importée" in result.output


def test_json_lines_point_at_each_record():
    text = '[\n{"a": 1},\n\n  {"b": "x\\ny"}, {"c": 3}\n]'
    assert [(r.line, r.position) for r in read_json(text)] == [(2, 1), (4, 2), (4, 3)]
    with pytest.raises(ImportFileError, match="imbrication trop profonde"):
        read_json("[" + "[" * 100_000 + "]" * 100_000 + "]")


# --------------------------------------------------------------------------- robustness

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)
FIELDS = ["title", "summary", "territory", "organisation", "themes", "levels", "equipment",
          "territory_types", "state", "start", "end", "budget_eur", "funders", "schools",
          "pupils", "teachers", "evidence", "links", "published_at", "label", "partners"]


def test_any_json_record_is_either_valid_or_refused_with_reasons(db_session):
    """Whatever a file holds, the check answers with reasons — it never crashes."""

    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.fixed_dictionaries({}, optional={name: JSON_VALUES for name in FIELDS})
           .map(lambda changes: {**VALID, **changes}))
    def check(data):
        try:
            parse_record(data, db_session)
        except RecordInvalid as invalid:
            assert invalid.errors and all(error.message for error in invalid.errors)

    check()
