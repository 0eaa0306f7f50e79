"""Regenerate ``kb/territories/data/territories.csv.gz`` from the Etalab package.

Run from the project root, after ``npm install``::

    .venv/bin/python -m kb.territories.build_data

It reads the JSON files of the npm package ``@etalab/decoupage-administratif`` (the *Code
officiel géographique* of INSEE packaged by Etalab, with the DGCL's EPCI membership and INSEE's
legal populations) and writes one compact, sorted, byte-for-byte reproducible CSV file that
:mod:`kb.territories.loader` loads into the ``territory`` table. The app never reads
``node_modules`` at run time: the derived file is committed, so ``kb init`` works offline.

What is kept, and why (see ``data/README.md``):

* régions and départements of metropolitan France and the five DROM (Guadeloupe, Martinique,
  Guyane, La Réunion, Mayotte);
* the six inhabited *collectivités d'outre-mer* of the COG — 975 Saint-Pierre-et-Miquelon,
  977 Saint-Barthélemy, 978 Saint-Martin, 986 Wallis et Futuna, 987 Polynésie française,
  988 Nouvelle-Calédonie — as kind ``com``, coded ``R`` + COG code (``R978``), with their 88
  communes; the package files them both as a région and as a département of the same code,
  so one ``com`` row stands for both. The uninhabited 984 (Terres australes et antarctiques
  françaises) and 989 (Clipperton) are left out: no population, no school, no local authority;
* current communes (``commune-actuelle``; no *communes déléguées/associées*, no Paris, Lyon,
  Marseille *arrondissements*), with their INSEE legal municipal population and their EPCI
  (communes of a COM belong to none);
* EPCI à fiscalité propre (CC, CA, CU, métropoles), coded ``E`` + SIREN.

Populations: a commune's is the INSEE *population municipale* of the package; a département's,
a région's and an EPCI's are the sums of their communes' populations, so that every level uses
the same census vintage (the DGCL figures in ``epci.json`` are of another date and differ by a
fraction of a per cent). An EPCI straddling départements is given the département (and région)
holding the largest share of its population; ties go to the smallest code.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "@etalab/decoupage-administratif"
SOURCE_DIR = ROOT / "node_modules" / PACKAGE
OUTPUT = Path(__file__).resolve().parent / "data" / "territories.csv.gz"
COLUMNS = (
    "code", "kind", "insee", "name", "population", "departement", "region", "epci_code",
    "epci_type",
)
KIND_ORDER = ("region", "com", "departement", "epci", "commune")
KEPT_ZONES = ("metro", "drom")  # régions and départements
#: The inhabited collectivités d'outre-mer (984 TAAF and 989 Clipperton have no population).
COLLECTIVITES = ("975", "977", "978", "986", "987", "988")


def read_source(name: str, source_dir: Path = SOURCE_DIR) -> list[dict]:
    """One of the package's ``data/*.json`` files."""
    return json.loads((source_dir / "data" / f"{name}.json").read_text(encoding="utf-8"))


def package_version(source_dir: Path = SOURCE_DIR) -> str:
    """The installed package version, recorded in the data README."""
    return json.loads((source_dir / "package.json").read_text(encoding="utf-8"))["version"]


def current_communes(communes: Iterable[dict]) -> list[dict]:
    """Communes that exist today, in metropolitan France, the DROM and the inhabited COM."""
    return [c for c in communes if c["type"] == "commune-actuelle" and _kept(c)]


def _kept(place: dict) -> bool:
    """In metropolitan France or a DROM, or one of :data:`COLLECTIVITES` (``region`` is the
    COM's code for a COM and its communes)."""
    return place["zone"] in KEPT_ZONES or (place["zone"] == "com"
                                           and place.get("region") in COLLECTIVITES)


def epci_of_communes(epcis: Iterable[dict]) -> dict[str, str]:
    """Map a commune's INSEE code to its EPCI's SIREN, from the EPCI ``membres`` lists."""
    return {member["code"]: epci["code"] for epci in epcis for member in epci["membres"]}


def commune_rows(communes: list[dict], epci_by_commune: dict[str, str]) -> list[dict]:
    rows = []
    for c in communes:
        siren = epci_by_commune.get(c["code"])
        rows.append({
            "code": f"C{c['code']}", "kind": "commune", "insee": c["code"], "name": c["nom"],
            "population": c.get("population"), "departement": c["departement"],
            "region": c["region"], "epci_code": f"E{siren}" if siren else None,
        })
    return rows


def _majority(weights: Counter) -> str:
    """The key with the largest weight; the smallest key on a tie (deterministic)."""
    return min(weights, key=lambda key: (-weights[key], key))


def epci_rows(epcis: list[dict], communes_by_code: dict[str, dict]) -> list[dict]:
    rows = []
    for epci in epcis:
        members = [communes_by_code[m["code"]] for m in epci["membres"]]
        departements: Counter = Counter()
        for member in members:
            departements[member["departement"]] += member.get("population") or 0
        departement = _majority(departements)
        region = next(m["region"] for m in members if m["departement"] == departement)
        rows.append({
            "code": f"E{epci['code']}", "kind": "epci", "insee": epci["code"],
            "name": epci["nom"], "population": sum(m.get("population") or 0 for m in members),
            "departement": departement, "region": region, "epci_type": epci["type"],
        })
    return rows


def departement_rows(departements: list[dict], communes: list[dict]) -> list[dict]:
    population: defaultdict[str, int] = defaultdict(int)
    for c in communes:
        population[c["departement"]] += c.get("population") or 0
    return [
        {
            "code": f"D{d['code']}", "kind": "departement", "insee": d["code"], "name": d["nom"],
            "population": population[d["code"]], "departement": d["code"], "region": d["region"],
        }
        for d in departements if d["zone"] in KEPT_ZONES
    ]


def collectivite_rows(regions: list[dict], communes: list[dict]) -> list[dict]:
    """One ``com`` row per inhabited collectivité d'outre-mer: its own région and département."""
    population: defaultdict[str, int] = defaultdict(int)
    for c in communes:
        population[c["region"]] += c.get("population") or 0
    return [
        {
            "code": f"R{r['code']}", "kind": "com", "insee": r["code"], "name": r["nom"],
            "population": population[r["code"]], "departement": r["code"], "region": r["code"],
        }
        for r in regions if r["zone"] == "com" and r["code"] in COLLECTIVITES
    ]


def region_rows(regions: list[dict], communes: list[dict]) -> list[dict]:
    population: defaultdict[str, int] = defaultdict(int)
    for c in communes:
        population[c["region"]] += c.get("population") or 0
    return [
        {
            "code": f"R{r['code']}", "kind": "region", "insee": r["code"], "name": r["nom"],
            "population": population[r["code"]], "region": r["code"],
        }
        for r in regions if r["zone"] in KEPT_ZONES
    ]


def build_rows(source_dir: Path = SOURCE_DIR) -> list[dict]:
    """Every territory row, sorted by kind (régions first) then code."""
    communes = current_communes(read_source("communes", source_dir))
    communes_by_code = {c["code"]: c for c in communes}
    epcis = read_source("epci", source_dir)
    regions = read_source("regions", source_dir)
    rows = (
        region_rows(regions, communes)
        + collectivite_rows(regions, communes)
        + departement_rows(read_source("departements", source_dir), communes)
        + epci_rows(epcis, communes_by_code)
        + commune_rows(communes, epci_of_communes(epcis))
    )
    return sorted(rows, key=lambda row: (KIND_ORDER.index(row["kind"]), row["code"]))


def write_rows(rows: list[dict], output: Path = OUTPUT) -> None:
    """Write a gzip'd CSV that is identical byte for byte for identical input (mtime 0)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as raw, gzip.GzipFile(
        filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9
    ) as gz:
        gz.write(text.getvalue().encode("utf-8"))


def main() -> None:
    rows = build_rows()
    write_rows(rows)
    counts = Counter(row["kind"] for row in rows)
    summary = ", ".join(f"{counts[kind]} {kind}" for kind in KIND_ORDER)
    print(f"{OUTPUT.relative_to(ROOT)} ({PACKAGE} {package_version()}): {summary}")


if __name__ == "__main__":
    main()
