"""Loading the territories file into the database: complete, fast, idempotent."""

import csv
import gzip
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.db import Base, make_engine
from kb.territories.loader import sync_territories
from kb.territories.models import Territory

HEADER = "code,kind,insee,name,population,departement,region,epci_code,epci_type"


def _counts(session) -> dict[str, int]:
    query = select(Territory.kind, func.count()).group_by(Territory.kind)
    return dict(session.execute(query).all())


def _empty_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'territories.sqlite3'}")
    Base.metadata.create_all(engine, tables=[Territory.__table__])
    return engine


def _write(path, lines):
    with gzip.open(path, "wt", encoding="utf-8", newline="") as data:
        data.write("\n".join([HEADER, *lines]) + "\n")


def test_loaded_database_has_every_kind_of_territory(db_session):
    counts = _counts(db_session)
    assert counts["region"] == 18
    assert counts["com"] == 6
    assert counts["departement"] == 101
    assert 1_200 <= counts["epci"] <= 1_300
    assert 34_800 <= counts["commune"] <= 35_100


def test_corsica_and_overseas_departements_exist(db_session):
    for code in ("D2A", "D2B", "D971", "D972", "D973", "D974", "D976", "R84", "R94", "R06"):
        assert db_session.get(Territory, code) is not None, code
    # a collectivité d'outre-mer is filed under its R code only (it is région and département)
    assert db_session.get(Territory, "D975") is None
    assert db_session.get(Territory, "R975").kind == "com"


def test_gueret_has_population_epci_and_parents(db_session):
    gueret = db_session.get(Territory, "C23096")
    assert (gueret.name, gueret.kind, gueret.insee) == ("Guéret", "commune", "23096")
    assert gueret.population > 10_000
    assert (gueret.departement, gueret.region) == ("23", "75")
    assert gueret.epci_code == "E200034825"
    assert gueret.epci.name == "CA du Grand Guéret"
    assert gueret.search_name == "gueret"


def test_second_load_changes_nothing(db_session):
    before = _counts(db_session)
    report = sync_territories(db_session)
    assert (report.inserted, report.updated) == (0, 0)
    assert _counts(db_session) == before
    assert not db_session.dirty and not db_session.new


def test_full_load_into_an_empty_database_then_reload(tmp_path):
    engine = _empty_database(tmp_path)
    with Session(engine) as session:
        started = time.perf_counter()
        first = sync_territories(session)
        session.commit()
        elapsed = time.perf_counter() - started
        second = sync_territories(session)
    engine.dispose()
    print(f"territories loaded in {elapsed:.2f} s")  # measured, not asserted (SPEC 9)
    assert first.inserted == first.total > 36_000
    assert (second.inserted, second.updated, second.total) == (0, 0, first.total)


def test_reload_updates_changed_rows_inserts_new_ones_and_keeps_vanished_ones(tmp_path):
    engine = _empty_database(tmp_path)
    path = tmp_path / "territories.csv.gz"
    _write(path, ["D23,departement,23,Creuse,115000,23,75,,",
                  "C23096,commune,23096,Guéret,12955,23,75,,",
                  "C23001,commune,23001,Ajain,1000,23,75,,"])
    with Session(engine) as session:
        sync_territories(session, path)
        _write(path, ["D23,departement,23,Creuse,115527,23,75,,",
                      "E200034825,epci,200034825,CA du Grand Guéret,28583,23,75,,CA",
                      "C23096,commune,23096,Guéret,12955,23,75,E200034825,"])
        report = sync_territories(session, path)
        assert (report.inserted, report.updated, report.total) == (1, 2, 4)
        assert session.get(Territory, "C23096").epci_code == "E200034825"
        assert session.get(Territory, "C23001") is not None
    engine.dispose()


def test_loader_reads_the_columns_the_build_script_writes():
    from kb.territories.build_data import COLUMNS
    from kb.territories.loader import DATA_FILE

    with gzip.open(DATA_FILE, "rt", encoding="utf-8", newline="") as data:
        assert tuple(next(csv.reader(data))) == COLUMNS
