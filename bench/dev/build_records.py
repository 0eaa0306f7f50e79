"""Build ``bench/dev/records.json`` (the ``kb import`` format) from the dev write-ups.

    python -m bench.dev.build_records

The held-out development set uses the block format of the realistic set (see
``bench/realistic/build_records.py``); this module only points that parser at this directory.
"""

from __future__ import annotations

from pathlib import Path

from bench.realistic import build_records as realistic

HERE = Path(__file__).resolve().parent
RECORDS_FILE = HERE / realistic.RECORDS_FILE.name


def build() -> list[dict]:
    """The records of ``bench/dev/writeups_*.txt``."""
    return realistic.build(HERE)


def main() -> None:
    realistic.main(HERE)


if __name__ == "__main__":
    main()
