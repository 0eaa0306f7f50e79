"""Exports for French spreadsheets (issue 15 point 14): ``/export.csv?separateur=point-virgule``
(the comma stays the default) and ``/export.xlsx``, from the web and from ``kb export``."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from kb.opendata.records import CSV_COLUMNS


def rows_of(text: str, delimiter: str) -> list[dict]:
    assert text.startswith("\ufeff"), "the BOM makes Excel read the accents right"
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=delimiter))


def test_semicolon_csv_opens_in_a_french_spreadsheet(client, corpus):
    response = client.get("/export.csv", query_string={"separateur": "point-virgule",
                                                       "departement": "23"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    header = text[1:].split("\r\n", 1)[0]
    assert header == ";".join(CSV_COLUMNS)
    rows = rows_of(text, ";")
    assert {row["title"] for row in rows} == {corpus["tablettes"].title, corpus["ent"].title}
    tablets = next(row for row in rows if row["title"] == corpus["tablettes"].title)
    assert tablets["themes"] == "equipement|formation" and tablets["budget_eur"] == "85000"
    assert tablets["territory_name"] == "Guéret"


def test_comma_stays_the_default(client, corpus):
    default = client.get("/export.csv").get_data(as_text=True)
    explicit = client.get("/export.csv?separateur=virgule").get_data(as_text=True)
    assert default == explicit
    assert default[1:].split("\r\n", 1)[0] == ",".join(CSV_COLUMNS)


def test_a_semicolon_inside_a_cell_is_quoted(client, corpus, db_session):
    corpus["robots"].summary = "Robots ; programmation ; CP"
    db_session.commit()
    rows = rows_of(client.get("/export.csv?separateur=point-virgule").get_data(as_text=True),
                   ";")
    assert "Robots ; programmation ; CP" in {row["summary"] for row in rows}


def test_an_unknown_separator_is_refused_in_french(client, corpus):
    response = client.get("/export.csv?separateur=tabulation")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "separateur" in text and "point-virgule" in text


def test_xlsx_export_has_the_csv_columns_typed(client, corpus):
    response = client.get("/export.xlsx", query_string={"departement": "23"})
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"experiences-{date.today().isoformat()}.xlsx"
    assert name in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == CSV_COLUMNS
    records = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [r["title"] for r in records] == [corpus["ent"].title, corpus["tablettes"].title]
    tablets = records[1]
    assert tablets["budget_eur"] == 85000 and tablets["population"] == 12955  # numbers
    assert tablets["themes"] == "equipement | formation"
    assert sheet.freeze_panes == "A2"


def test_xlsx_text_is_never_a_formula(client, corpus, db_session):
    corpus["robots"].summary = '=HYPERLINK("http://evil.example","clic")'
    corpus["robots"].context = "Caractère de contrôle \x07 retiré"
    db_session.commit()
    content = client.get("/export.xlsx?theme=programmation").get_data()
    sheet = load_workbook(io.BytesIO(content)).active
    summary = sheet.cell(row=2, column=CSV_COLUMNS.index("summary") + 1)
    assert summary.value == '=HYPERLINK("http://evil.example","clic")'
    assert summary.data_type == "s"
    assert sheet.cell(row=2, column=CSV_COLUMNS.index("context") + 1).value == (
        "Caractère de contrôle  retiré")


def test_xlsx_holds_published_write_ups_only_and_no_personal_data(client, corpus, secrets_of):
    content = client.get("/export.xlsx").get_data()
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert len(list(sheet.iter_rows())) == 1 + 3
    assert not any(secret in cell for secret in secrets_of for cell in cells)
    assert not any("Brouillon" in cell for cell in cells)


def test_xlsx_refuses_an_unknown_code(client, corpus):
    response = client.get("/export.xlsx?theme=inconnu")
    assert response.status_code == 400
    assert "Code inconnu" in response.get_data(as_text=True)


@pytest.mark.parametrize(("name", "separator"), [("tout.csv", ";"), ("tout.xlsx", None)])
def test_cli_exports_for_spreadsheets(runner, corpus, tmp_path, name, separator):
    target = tmp_path / name
    args = ["export", str(target), "--theme", "ent"]
    result = runner.invoke(args=args + (["--separateur", "point-virgule"] if separator else []))
    assert result.exit_code == 0, result.output
    assert "1 fiche exportée" in result.output
    if separator:
        rows = rows_of(target.read_text(encoding="utf-8"), separator)
        titles = [row["title"] for row in rows]
    else:
        sheet = load_workbook(target).active
        titles = [row[CSV_COLUMNS.index("title")] for row in sheet.iter_rows(min_row=2,
                                                                            values_only=True)]
    assert titles == [corpus["ent"].title]
    assert not list(tmp_path.glob("*.part"))


def test_the_data_page_and_the_search_page_offer_the_spreadsheet_exports(client, corpus,
                                                                          text_of):
    data_page = text_of(client.get("/donnees"))
    assert 'href="/export.csv?separateur=point-virgule"' in data_page
    assert 'href="/export.xlsx"' in data_page
    search = text_of(client.get("/recherche?theme=ent&q=collèges"))
    assert 'href="/export.csv?q=coll%C3%A8ges&theme=ent&separateur=point-virgule"' in search
    assert 'href="/export.xlsx?q=coll%C3%A8ges&theme=ent"' in search
    assert 'href="/export.csv?q=coll%C3%A8ges&theme=ent"' in search
