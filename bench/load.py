"""``/recherche`` under concurrent load through gunicorn (loopback only).

NOTE: reconstructed after this file was accidentally overwritten (the reliability load test
now lives in ``bench/mixed_load.py``); it keeps the interface ``bench/run.py`` calls and the
figures ``bench/report.py`` reads. Its author may replace it with the original.

:func:`run_load` starts gunicorn with ``workers`` workers on the run's database and index, lets
``clients`` threads request ``/recherche`` with the benchmark's searches for ``seconds``
seconds, and reports throughput, latency percentiles, errors and the workers' peak memory.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import corpus
from bench.stats import summary

ROOT = Path(__file__).resolve().parent.parent


def run_load(directory: Path, searches, workers: int = 4, clients: int = 16,
             seconds: float = 30.0) -> dict:
    port = _free_port()
    server = _start(directory, port, workers)
    try:
        latencies, errors = _drive(f"http://127.0.0.1:{port}", searches, clients, seconds)
        rss = [_peak_rss_mb(pid) for pid in _children(server.pid)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    elapsed = seconds
    return {
        "seconds": round(elapsed, 1), "requests": len(latencies) + errors, "errors": errors,
        "throughput_rps": round(len(latencies) / elapsed, 1), **summary(latencies),
        "workers": workers, "clients": clients,
        "worker_peak_rss_mb": max(rss) if rss else None, "worker_rss_mb": rss,
    }


def _drive(base: str, searches, clients: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        position = offset
        while time.monotonic() < stop:
            search = searches[position % len(searches)]
            position += clients
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{base}/recherche?{search.query_string}",
                                            timeout=60) as response:
                    response.read()
                    ok = response.status == 200
            except (urllib.error.URLError, OSError):
                ok = False
            with lock:
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def _start(directory: Path, port: int, workers: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "kb:create_app()"],
        env={**os.environ, **corpus.environment(directory)}, cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
