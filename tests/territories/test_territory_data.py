"""The derived territories file and the script that builds it."""

import gzip
from collections import Counter

import pytest

from kb.territories import build_data
from kb.territories.loader import DATA_FILE, read_territories

needs_package = pytest.mark.skipif(
    not build_data.SOURCE_DIR.exists(), reason="npm package not installed (run npm install)"
)


@needs_package
def test_committed_file_is_what_the_script_builds_from_the_installed_package(tmp_path):
    rebuilt = tmp_path / "territories.csv.gz"
    build_data.write_rows(build_data.build_rows(), rebuilt)
    assert gzip.decompress(rebuilt.read_bytes()) == gzip.decompress(DATA_FILE.read_bytes())


@needs_package
def test_build_is_byte_for_byte_reproducible(tmp_path):
    rows = build_data.build_rows()
    build_data.write_rows(rows, tmp_path / "a.csv.gz")
    build_data.write_rows(rows, tmp_path / "b.csv.gz")
    assert (tmp_path / "a.csv.gz").read_bytes() == (tmp_path / "b.csv.gz").read_bytes()


def test_file_holds_metropolitan_drom_and_inhabited_com_territories():
    rows = read_territories()
    counts = Counter(row["kind"] for row in rows)
    assert counts["region"] == 18
    assert counts["com"] == 6
    assert counts["departement"] == 101
    assert 1_200 <= counts["epci"] <= 1_300
    assert 34_800 + 88 <= counts["commune"] <= 35_000 + 88
    departements = {row["departement"] for row in rows if row["kind"] == "commune"}
    assert {"975", "977", "978", "986", "987", "988"} <= departements
    assert {"984", "989"}.isdisjoint(departements)  # TAAF and Clipperton: nobody lives there


def test_every_commune_parent_exists_in_the_file():
    rows = read_territories()
    codes = {row["code"] for row in rows}
    collectivites = {row["region"] for row in rows if row["kind"] == "com"}
    communes = [row for row in rows if row["kind"] == "commune"]
    assert all(f"R{c['region']}" in codes for c in communes)
    assert all(f"D{c['departement']}" in codes for c in communes
               if c["region"] not in collectivites)
    assert all(c["epci_code"] in codes for c in communes if c["epci_code"])
    without_epci = {c["name"] for c in communes
                    if not c["epci_code"] and c["region"] not in collectivites}
    assert without_epci == {"Île-de-Bréhat", "Île-de-Sein", "Ouessant", "L'Île-d'Yeu"}


def test_parent_populations_are_sums_of_their_communes():
    rows = read_territories()
    by_code = {row["code"]: row for row in rows}
    creuse = sum(r["population"] for r in rows if r["kind"] == "commune"
                 and r["departement"] == "23")
    grand_gueret = sum(r["population"] for r in rows if r["epci_code"] == "E200034825")
    assert by_code["D23"]["population"] == creuse
    assert by_code["E200034825"]["population"] == grand_gueret


def test_epci_across_departements_takes_the_most_populated_one():
    communes = {
        "1": {"code": "1", "departement": "01", "region": "84", "population": 100},
        "2": {"code": "2", "departement": "71", "region": "27", "population": 900},
        "3": {"code": "3", "departement": "01", "region": "84", "population": 200},
    }
    epci = {"code": "200000001", "nom": "CC Test", "type": "CC",
            "membres": [{"code": code} for code in communes]}
    [row] = build_data.epci_rows([epci], communes)
    assert (row["departement"], row["region"], row["population"]) == ("71", "27", 1200)
