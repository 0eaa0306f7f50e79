"""The private database and index of a benchmark run, under ``bench/work/``.

The ``kb`` commands run as subprocesses with the environment of :func:`environment`, exactly as
an operator would run them: ``kb init``, ``kb demo --synthetic N --seed S``; the index is
rebuilt in process by :func:`kb.search.sync.rebuild_index` so that its report (documents,
seconds) is read directly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

WORK_DIR = Path(__file__).resolve().parent / "work"


def environment(directory: Path) -> dict[str, str]:
    """Variables that point the application at this run's database, index and instance."""
    return {
        "KB_DATABASE_URL": f"sqlite:///{directory / 'kb.sqlite3'}",
        "KB_INDEX_DIR": str(directory / "index"),
        "KB_INSTANCE_DIR": str(directory / "instance"),
        "KB_SECRET_KEY": "benchmark-only",
        "KB_ENV": "development",
    }


def kb_command(directory: Path, *arguments: str) -> tuple[str, float]:
    """Run ``kb …`` on this run's database; its output and wall time."""
    executable = Path(sys.executable).with_name("kb")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "kb.cli"]
    started = time.perf_counter()
    result = subprocess.run(
        [*command, *arguments], env={**os.environ, **environment(directory)},
        capture_output=True, text=True, check=False,
    )
    if result.returncode:
        raise RuntimeError(f"kb {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip(), time.perf_counter() - started


def fresh_directory(name: str) -> Path:
    directory = WORK_DIR / name
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def generate(directory: Path, n: int, seed: int) -> dict:
    """``kb init`` then ``kb demo --synthetic N --seed S`` into an empty database."""
    _out, init_seconds = kb_command(directory, "init")
    output, seconds = kb_command(directory, "demo", "--synthetic", str(n), "--seed", str(seed))
    return {"n": n, "seed": seed, "init_seconds": init_seconds, "generate_seconds": seconds,
            "generate_output": output}


def load_demo(directory: Path) -> str:
    """``kb init`` then ``kb demo``: the 66 demo write-ups (for the relevance judgements)."""
    kb_command(directory, "init")
    output, _seconds = kb_command(directory, "demo")
    return output


def load_records(directory: Path, records: Path) -> str:
    """``kb init`` then ``kb import FILE``: write-ups of a records file, published."""
    kb_command(directory, "init")
    output, _seconds = kb_command(directory, "import", str(records))
    return output
