"""``/recherche`` served through gunicorn on 127.0.0.1, the way users meet it.

    python -m bench.served --dir bench/work/n100000 [--workers 2] [--threads 4] [--seconds 60]

On a corpus prepared by :mod:`bench.run` (its database and index), gunicorn is started with
the repository's configuration (``kb/gunicorn_conf.py``), then:

1. **first request after a worker restart** — the workers are restarted (``SIGHUP`` to the
   master), the bench waits until every new worker answers ``/healthz`` as ready, and times
   one ``/recherche`` (three rounds, three different queries);
2. for 8 then 16 concurrent clients: a **cold pass** (workers restarted just before, each of
   the 246 queries once) then **warm**: the clients send the query list for ``--seconds``
   seconds; requests/s, p50, p95, errors (anything but HTTP 200, or a time-out);
3. **publish-to-searchable under load** — while 8 clients keep searching, a published
   write-up gets a new word (its outbox row in the same commit, applied after the commit as
   the application does) and the bench polls the search API until *every* worker (told apart
   by the ``X-KB-Worker`` header the benchmark asks for) has found it;
4. **memory** — each worker's peak RSS (``VmHWM``) and, from ``/proc/PID/smaps_rollup``, its
   RSS, PSS (shared pages divided among the processes that map them) and USS (private pages).

The client is a thread pool in this process (one request at a time per client, bounded in
time and count); everything stays on the loopback interface.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench import corpus
from bench.stats import summary
from bench.workload import Search, read_searches

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "kb" / "gunicorn_conf.py"
TIMEOUT = 60.0
MAX_REQUESTS = 200_000


def log(message: str) -> None:
    print(f"[served {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------- HTTP client


class Client:
    """One keep-alive-less HTTP/1.1 client to 127.0.0.1 (as a browser behind a proxy)."""

    def __init__(self, port: int) -> None:
        self.port = port

    def get(self, path: str, timeout: float = TIMEOUT) -> tuple[int, bytes, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Connection": "close"})
            response = connection.getresponse()
            body = response.read()
            return response.status, body, {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()


def search_path(search: Search) -> str:
    return f"/recherche?{search.query_string}"


def timed_get(client: Client, path: str) -> tuple[float, bool, dict]:
    started = time.perf_counter()
    try:
        status, _body, headers = client.get(path)
        ok = status == 200
    except (OSError, http.client.HTTPException):
        ok, headers = False, {}
    return time.perf_counter() - started, ok, headers


def drive(client: Client, paths: list[str], clients: int, seconds: float | None) -> dict:
    """``clients`` threads sending ``paths`` in turn: once each (``seconds`` is ``None``, a
    pass), or round and round for ``seconds``."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    cursor = [0]
    stop = None if seconds is None else time.monotonic() + seconds

    def next_path() -> str | None:
        with lock:
            index = cursor[0]
            cursor[0] += 1
        if stop is None:
            return paths[index] if index < len(paths) else None
        if time.monotonic() >= stop or index >= MAX_REQUESTS:
            return None
        return paths[index % len(paths)]

    def worker() -> None:
        while (path := next_path()) is not None:
            elapsed, ok, _headers = timed_get(client, path)
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"clients": clients, "seconds": round(elapsed, 1),
            "requests": len(latencies) + errors[0], "errors": errors[0],
            "throughput_rps": round(len(latencies) / elapsed, 1), **summary(latencies),
            "load_average": [round(v, 2) for v in os.getloadavg()]}


# --------------------------------------------------------------------------- the server


class Server:
    """gunicorn on a free loopback port with the repository's configuration."""

    def __init__(self, directory: Path, workers: int, threads: int, preload: bool,
                 log_path: Path) -> None:
        self.port = _free_port()
        self.workers = workers
        self.directory = directory
        environment = {
            **os.environ, **corpus.environment(directory),
            "KB_GUNICORN_WORKERS": str(workers), "KB_GUNICORN_THREADS": str(threads),
            "KB_GUNICORN_PRELOAD": "1" if preload else "0",
            "KB_WORKER_HEADER": "1",  # X-KB-Worker: which worker answered (benchmark only)
        }
        command = [str(Path(sys.executable).with_name("gunicorn"))]
        if CONFIG.exists():
            command += ["--config", str(CONFIG)]
        else:  # the code before issue 14: no configuration file
            command += ["--workers", str(workers), "--threads", str(threads)]
            if preload:
                command.append("--preload")
        command += ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
                    "kb:create_app()"]
        self.log = open(log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(command, env=environment, cwd=ROOT,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.client = Client(self.port)

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def wait_ready(self, previous: set[int] = frozenset(), limit: float = 300.0) -> float:
        """Seconds until ``workers`` new workers run and every one of them answers
        ``/healthz`` as ready (not warming)."""
        started = time.perf_counter()
        deadline = time.monotonic() + limit
        ready: set[int] = set()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited")
            pids = set(self.worker_pids())
            if len(pids) == self.workers and not pids & previous:
                try:
                    status, body, headers = self.client.get("/healthz", timeout=5)
                except (OSError, http.client.HTTPException):
                    status = 0
                if status == 200:
                    worker = headers.get("x-kb-worker")
                    state = json.loads(body).get("index", {}).get("warm", {}).get("state")
                    if worker is None:  # code without the header: one answer is all we get
                        return time.perf_counter() - started
                    if state in (None, "ready"):
                        ready.add(int(worker))
                    if pids <= ready:
                        return time.perf_counter() - started
            time.sleep(0.05)
        raise RuntimeError("gunicorn workers did not become ready")

    def restart_workers(self) -> float:
        """``SIGHUP``: gunicorn replaces every worker; seconds until all new ones are ready."""
        previous = set(self.worker_pids())
        self.process.send_signal(signal.SIGHUP)
        return self.wait_ready(previous)

    def memory(self) -> dict:
        workers = [_memory_of(pid) for pid in self.worker_pids()]
        master = _memory_of(self.process.pid)
        workers = [w for w in workers if w]
        result = {"workers": workers, "master": master}
        if workers:
            result.update(
                worker_peak_rss_mb=max(w["peak_rss_mb"] for w in workers),
                worker_rss_mb=max(w["rss_mb"] for w in workers),
                worker_pss_mb=max(w["pss_mb"] for w in workers),
                worker_uss_mb=max(w["uss_mb"] for w in workers),
                shared_mb=max(w["shared_mb"] for w in workers),
                total_pss_mb=round(sum(w["pss_mb"] for w in workers)
                                   + (master or {}).get("pss_mb", 0), 1),
            )
        return result

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _memory_of(pid: int) -> dict | None:
    """RSS, PSS, USS and shared memory of a process (MB), and its peak RSS."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kb = {}
    for line in rollup.splitlines()[1:]:
        name, _colon, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            kb[name.strip()] = int(parts[0])
    peak = next((int(line.split()[1]) for line in status.splitlines()
                 if line.startswith("VmHWM:")), 0)
    mb = lambda value: round(value / 1024, 1)  # noqa: E731
    return {
        "pid": pid, "peak_rss_mb": mb(peak), "rss_mb": mb(kb.get("Rss", 0)),
        "pss_mb": mb(kb.get("Pss", 0)),
        "uss_mb": mb(kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)),
        "shared_mb": mb(kb.get("Shared_Clean", 0) + kb.get("Shared_Dirty", 0)),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------------------- measurements


def first_requests(server: Server, searches: list[Search], rounds: int = 3) -> dict:
    """After each restart of the workers, the first ``/recherche`` (a different query each
    round), and how long the new workers took to be ready."""
    firsts, readies = [], []
    for number in range(rounds):
        readies.append(server.restart_workers())
        search = searches[(number * 37) % len(searches)]
        elapsed, ok, _headers = timed_get(server.client, search_path(search))
        firsts.append(round(elapsed * 1000, 1) if ok else None)
    return {"first_ms": firsts, "max_ms": max((f for f in firsts if f is not None),
                                               default=None),
            "restart_to_ready_s": [round(r, 2) for r in readies]}


def publish_under_load(server: Server, directory: Path, searches, clients: int = 8,
                       rounds: int = 3) -> dict:
    """Seconds from the commit of an edit until every worker finds it, with ``clients``
    clients searching meanwhile."""
    paths = [search_path(s) for s in searches]
    background: dict = {}
    thread = threading.Thread(target=lambda: background.update(
        drive(server.client, paths, clients, 10.0 + rounds * 6.0)))
    thread.start()
    try:
        time.sleep(2.0)
        delays = [_publish_once(server, directory, number) for number in range(rounds)]
    finally:
        thread.join()
    finite = [d for d in delays if d is not None]
    return {"rounds": rounds, "clients": clients, "delays_s": delays,
            "max_s": max(finite) if len(finite) == len(delays) else None,
            "background_load": background}


def _publish_once(server: Server, directory: Path, number: int, limit: float = 30.0):
    word = f"zorglub{number}q{int(time.time())}"
    script = (
        "import sys, time\n"
        "from sqlalchemy import select\n"
        "from kb import create_app, db\n"
        "from kb.experiences.models import Experience\n"
        "from kb.search.models import enqueue\n"
        "app = create_app()\n"
        "with app.test_request_context('/'):\n"
        "    e = db.session.scalars(select(Experience).where(Experience.state == 'publiee')"
        f".order_by(Experience.id).offset({97 * number + 11}).limit(1)).first()\n"
        f"    e.title = e.title + ' {word}'\n"
        "    enqueue(db.session, e.id)\n"
        "    print(time.time(), flush=True)\n"
        "    db.commit()\n"
    )
    environment = {**os.environ, **corpus.environment(directory)}
    process = subprocess.Popen([sys.executable, "-c", script], env=environment, cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    committed_at = float(process.stdout.readline())
    path = "/api/v1/experiences?" + urlencode({"q": word})
    found: set[int] = set()
    anonymous_hits = 0
    delay = None
    while time.time() - committed_at < limit:
        try:
            status, body, headers = server.client.get(path, timeout=10)
        except (OSError, http.client.HTTPException):
            continue
        if status == 200 and json.loads(body).get("total", 0) > 0:
            worker = headers.get("x-kb-worker")
            if worker is None:
                anonymous_hits += 1  # no header: ask for 4 hits per worker in a row
                done = anonymous_hits >= 4 * server.workers
            else:
                found.add(int(worker))
                done = set(server.worker_pids()) <= found
            if done:
                delay = round(time.time() - committed_at, 3)
                break
        else:
            found.clear()
            anonymous_hits = 0
        time.sleep(0.01)
    process.wait(timeout=60)
    return delay


def run_served(directory: Path, searches: list[Search], *, workers: int, threads: int,
               preload: bool, seconds: float, client_counts=(8, 16)) -> dict:
    """Every served figure, on one gunicorn."""
    log_path = directory / "gunicorn-bench.log"
    server = Server(directory, workers, threads, preload, log_path)
    results: dict = {"workers": workers, "threads": threads, "preload": preload,
                     "config": CONFIG.exists(), "uptime_start": _uptime()}
    try:
        results["start_to_ready_s"] = round(server.wait_ready(), 2)
        log("first request after a worker restart")
        results["first_request"] = first_requests(server, searches)
        paths = [search_path(s) for s in searches]
        for clients in client_counts:
            log(f"{clients} clients: restart, cold pass, warm {seconds:.0f} s")
            server.restart_workers()
            cold = drive(server.client, paths, clients, None)
            warm = drive(server.client, paths, clients, seconds)
            results[f"c{clients}"] = {"cold": cold, "warm": warm}
        log("publish-to-searchable under load")
        results["publish"] = publish_under_load(server, directory, searches)
        results["memory"] = server.memory()
    finally:
        server.stop()
    results["uptime_end"] = _uptime()
    return results


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def in_process_figures(run: dict) -> dict:
    """The in-process figures and FTS5 ratios of the :mod:`bench.run` results, to read the
    served figures beside them."""
    keys = ("n", "date", "machine", "first_search_ms", "operation", "operation_warm", "page",
            "page_cached", "fts_operation", "ratios", "publish", "rebuild")
    return {key: run[key] for key in keys if key in run}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--preload", action="store_true")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", default="8,16")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--in-process", type=Path,
                        help="results of bench.run on the same corpus, copied beside")
    args = parser.parse_args(argv)
    results = run_served(args.dir.resolve(), read_searches(), workers=args.workers,
                         threads=args.threads,
                         preload=args.preload, seconds=args.seconds,
                         client_counts=tuple(int(c) for c in args.clients.split(",")))
    if args.in_process and args.in_process.exists():
        results["in_process"] = in_process_figures(json.loads(args.in_process.read_text()))
    text = json.dumps(results, ensure_ascii=False, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return results


if __name__ == "__main__":
    main()
