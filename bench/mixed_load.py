"""Load test: simulated users against gunicorn, as the README runs it, on SQLite or PostgreSQL.

For ``--duration`` seconds, ``--users`` simulated users act at once: readers search (pages
and API, with and without facets), read write-ups, territory pages and comparable projects;
``--contributors`` of them sign in and, in a loop, file a write-up through the real form (GET
the form, read its ``csrf_token``, POST), submit it, and have a signed-in moderator publish it.
Afterwards every published write-up must be found by the search API, the index must agree with
the database (``kb index check``), and the report lists each failed request and the latency
percentiles per route.

    python bench/mixed_load.py --backend sqlite
    python bench/mixed_load.py --backend postgres                      # a throwaway cluster
    python bench/mixed_load.py --backend postgres --postgres-url URL   # an existing empty database
    python bench/mixed_load.py --backend postgres --synthetic 10000    # the demo + 10,000 more

gunicorn runs with the production settings (``--config python:kb.gunicorn_conf``: one sync
worker per core, preload, warm-up); ``--workers N`` overrides the count through
``KB_GUNICORN_WORKERS``, as an operator would.

Everything stays on this machine: the server is started on 127.0.0.1 and the client refuses
any other address. The run is bounded in time (``--duration``, at most 600 s) and in count
(``--max-requests``). ``make load`` runs it on both backends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "mot-de-passe-de-charge-2026"
QUERIES = [
    "tablettes", "ecole numerique", "robots", "formation des enseignants", "fibre",
    "ENT", "tableau interactif", "commune rurale", "inclusion", "maintenance",
    "tablettes Creuse", "TBI", "espace numérique de travail", "collège", "periscolaire",
]
FACETS = [
    {"theme": "equipement"}, {"niveau": "elementaire"}, {"territoire": "rural"},
    {"theme": ["formation", "ent"]}, {"organisation": "commune", "tri": "date"},
]
TERRITORIES = ["D23", "R75", "C23096", "R84", "D69", "R11"]


# --------------------------------------------------------------------------- measuring


@dataclass
class Stats:
    """Every request's route, latency and outcome; failures kept with their reason."""

    max_requests: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[tuple[str, str]] = field(default_factory=list)
    published: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + len(self.failures)

    def full(self) -> bool:
        return self.count >= self.max_requests


async def call(client: httpx.AsyncClient, stats: Stats, route: str, method: str, url: str,
               expect: int = 200, **kwargs) -> httpx.Response | None:
    """One request, timed and checked; ``None`` when it failed (recorded with its reason)."""
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        stats.failures.append((route, f"{type(error).__name__}: {error}"[:200]))
        return None
    elapsed = time.perf_counter() - started
    if response.status_code != expect:
        stats.failures.append((route, f"HTTP {response.status_code} (attendu {expect})"))
        return None
    stats.latencies[route].append(elapsed)
    return response


def csrf_of(response: httpx.Response | None, stats: Stats, route: str,
            prefix: str = "") -> str | None:
    """The form's ``csrf_token`` (``PREFIX-csrf_token`` for the write-up page's forms); a page
    without one counts as a failure."""
    if response is None:
        return None
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    match = re.search(rf'name="{name}" type="hidden" value="([^"]+)"', response.text)
    if match is None:
        stats.failures.append((route, "pas de csrf_token dans la page"))
        return None
    return match.group(1)


# --------------------------------------------------------------------------- simulated users


async def reader(client, stats: Stats, stop: float, rnd: random.Random, pages: list[str],
                 think: float) -> None:
    """Searches and reads, with a random pause between actions."""
    actions = [(search_page, 35), (api_search, 15), (read_page, 25), (home, 5),
               (territory, 8), (comparables, 7), (facet_search, 10)]
    choices, weights = zip(*actions, strict=True)
    while time.monotonic() < stop and not stats.full():
        action = rnd.choices(choices, weights)[0]
        await action(client, stats, rnd, pages)
        await asyncio.sleep(rnd.uniform(0, 2 * think))


async def search_page(client, stats, rnd, _pages):
    await call(client, stats, "GET /recherche", "GET", "/recherche",
               params={"q": rnd.choice(QUERIES)})


async def facet_search(client, stats, rnd, _pages):
    await call(client, stats, "GET /recherche (facettes)", "GET", "/recherche",
               params={"q": rnd.choice(["", *QUERIES[:5]]), **rnd.choice(FACETS)})


async def api_search(client, stats, rnd, _pages):
    await call(client, stats, "GET /api/v1/experiences", "GET", "/api/v1/experiences",
               params={"q": rnd.choice(QUERIES)})


async def read_page(client, stats, rnd, pages):
    await call(client, stats, "GET /experiences/<id>", "GET", rnd.choice(pages))


async def home(client, stats, _rnd, _pages):
    await call(client, stats, "GET /", "GET", "/")


async def territory(client, stats, rnd, _pages):
    await call(client, stats, "GET /territoires/<code>", "GET",
               f"/territoires/{rnd.choice(TERRITORIES)}")


async def comparables(client, stats, rnd, pages):
    await call(client, stats, "GET /experiences/<id>/comparables", "GET",
               rnd.choice(pages).split("-")[0] + "/comparables")


async def sign_in(client, stats: Stats, email: str) -> bool:
    form = await call(client, stats, "GET /connexion", "GET", "/connexion")
    token = csrf_of(form, stats, "GET /connexion")
    if token is None:
        return False
    signed = await call(client, stats, "POST /connexion", "POST", "/connexion", expect=303,
                        data={"csrf_token": token, "email": email, "password": PASSWORD})
    return signed is not None


async def contributor(author, moderator, stats: Stats, stop: float, rnd: random.Random,
                      number: int, pages: list[str], think: float) -> None:
    """Signs in (with a moderator beside), then files, submits and publishes in a loop,
    reading between two write-ups."""
    if not (await sign_in(author, stats, f"charge-contributeur-{number}@example.org")
            and await sign_in(moderator, stats, "charge-moderateur@example.org")):
        return
    sequence = 0
    while time.monotonic() < stop and not stats.full():
        sequence += 1
        await file_and_publish(author, moderator, stats, rnd, number, sequence)
        for _ in range(3):
            await search_page(author, stats, rnd, pages)
            await asyncio.sleep(rnd.uniform(0, 2 * think))


async def file_and_publish(author, moderator, stats, rnd, number: int, sequence: int) -> None:
    tag = "".join(rnd.choices(string.ascii_lowercase, k=12))  # a word found only in this one
    title = f"Essai de charge {tag} : tablettes pour les écoles ({number}-{sequence})"
    form = await call(author, stats, "GET /experiences/nouvelle", "GET", "/experiences/nouvelle")
    token = csrf_of(form, stats, "GET /experiences/nouvelle")
    if token is None:
        return
    saved = await call(author, stats, "POST /experiences/nouvelle", "POST",
                       "/experiences/nouvelle", expect=303, data=write_up(token, title))
    if saved is None:
        return
    page = saved.headers["location"]
    experience_id = int(page.rsplit("/", 1)[1].split("-")[0])
    for client, form, action in ((author, "submit", "soumettre"),
                                 (moderator, "publish", "publier")):
        shown = await call(client, stats, "GET /experiences/<id>", "GET", page)
        token = csrf_of(shown, stats, "GET /experiences/<id>", prefix=form)
        if token is None or await call(
                client, stats, f"POST /experiences/<id>/{action}", "POST",
                f"/experiences/{experience_id}/{action}", expect=303,
                data={f"{form}-csrf_token": token, f"{form}-comment": ""}) is None:
            return
    stats.published.append({"id": experience_id, "tag": tag, "at": time.monotonic()})


def write_up(token: str, title: str) -> dict:
    return {
        "csrf_token": token, "title": title,
        "summary": "Une fiche déposée pendant l'essai de charge, publiée aussitôt.",
        "context": "Contexte de l'essai.", "actions": "Achat de tablettes et formation.",
        "results": "Mesurés plus tard.", "lessons": "Prévoir la maintenance.",
        "territory_code": "C23096", "territory_types": ["rural"], "levels": ["elementaire"],
        "themes": ["equipement", "formation"], "equipment": ["tablettes"],
        "project_state": "en-cours", "start": "2024-09", "end": "", "budget_eur": "12000",
        "funders": ["État"], "other_funders": "", "schools": "2", "pupils": "150",
        "teachers": "8", "partners": "", "links": "", "evidence": "aucune",
        "contact_name": "", "contact_role": "", "contact_email": "",
    }


# --------------------------------------------------------------------------- the run


async def run_load(base_url: str, args) -> Stats:
    check_loopback(base_url)
    stats = Stats(max_requests=args.max_requests)
    rnd = random.Random(args.seed)
    timeout = httpx.Timeout(30.0)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as probe:
        found = (await probe.get("/api/v1/experiences", params={"per_page": 100})).json()
        pages = [httpx.URL(record["url"]).path for record in found["results"]]
    stop = time.monotonic() + args.duration
    clients = [httpx.AsyncClient(base_url=base_url, timeout=timeout)
               for _ in range(args.users + args.contributors)]
    try:
        readers = args.users - args.contributors
        tasks = [reader(clients[i], stats, stop, random.Random(rnd.random()), pages, args.think)
                 for i in range(readers)]
        tasks += [contributor(clients[readers + i], clients[args.users + i], stats, stop,
                              random.Random(rnd.random()), i, pages, args.think)
                  for i in range(args.contributors)]
        await asyncio.gather(*tasks)
        await verify_searchable(clients[0], stats)
    finally:
        for client in clients:
            await client.aclose()
    return stats


async def verify_searchable(client, stats: Stats) -> None:
    """Each published write-up must be found by its unique word through the API, on whichever
    worker answers (each catches up with the outbox before searching)."""
    for item in stats.published:
        deadline = time.monotonic() + 5.0
        while True:
            response = await client.get("/api/v1/experiences", params={"q": item["tag"]})
            ids = [r["id"] for r in response.json().get("results", [])] \
                if response.status_code == 200 else []
            if item["id"] in ids:
                item["searchable_after_end"] = True
                break
            if time.monotonic() > deadline:
                item["searchable_after_end"] = False
                break
            await asyncio.sleep(0.2)


def check_loopback(url: str) -> None:
    host = httpx.URL(url).host
    if not (host in ("localhost", "::1") or host.startswith("127.")):
        raise SystemExit(f"refusing to load {host}: loopback addresses only")


# --------------------------------------------------------------------------- server and data


def kb(env: dict, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([str(BIN / "kb"), *args], env=env, input=stdin, text=True,
                          capture_output=True, cwd=ROOT, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"kb {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def prepare(env: dict, contributors: int, synthetic: int = 0) -> None:
    """Schema, reference and demo data (and ``synthetic`` generated write-ups), load accounts,
    a fresh index."""
    kb(env, "init")
    kb(env, "demo")
    if synthetic:
        kb(env, "demo", "--synthetic", str(synthetic), "--seed", "1")
    for number in range(contributors):
        kb(env, "user", "create", f"charge-contributeur-{number}@example.org",
           "--role", "contributeur", "--org", "C23096", "--password-stdin", stdin=PASSWORD)
    kb(env, "user", "create", "charge-moderateur@example.org", "--role", "moderateur",
       "--password-stdin", stdin=PASSWORD)
    kb(env, "index", "rebuild", "--procs", str(min(2, os.cpu_count() or 1)))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int | None, log: Path) -> subprocess.Popen:
    """The README's production command on 127.0.0.1:``port``."""
    command = [str(BIN / "gunicorn"), "--config", "python:kb.gunicorn_conf",
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "kb:create_app()"]
    if workers:
        env = {**env, "KB_GUNICORN_WORKERS": str(workers)}
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log.open("w"),
                              stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.3)
    server.kill()
    raise SystemExit(f"gunicorn did not start; see {log}")


class Cluster:
    """A throwaway PostgreSQL cluster under a temporary directory (loopback, trust)."""

    def __init__(self, workspace: Path) -> None:
        if not (PG_BIN / "initdb").exists():
            raise SystemExit(f"PostgreSQL binaries not found in {PG_BIN}")
        self.data = workspace / "pg"
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            os.chmod(workspace, 0o755)
        self.port = free_port()
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self._pg("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.data / "server.log"),
                 "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1", "start")

    def _pg(self, binary: str, *args: str) -> None:
        command = [str(PG_BIN / binary), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


# --------------------------------------------------------------------------- report


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(stats: Stats, args, elapsed: float, checks: dict) -> dict:
    routes = {
        route: {"requests": len(values), "p50_ms": round(statistics.median(values) * 1000, 1),
                "p95_ms": round(percentile(values, 0.95) * 1000, 1),
                "max_ms": round(max(values) * 1000, 1)}
        for route, values in sorted(stats.latencies.items())
    }
    failures = Counter(stats.failures)
    return {
        "backend": args.backend, "workers": args.workers or os.cpu_count(),
        "config": "kb.gunicorn_conf", "corpus": {"demo": True, "synthetic": args.synthetic},
        "published_at_start": checks.pop("published_at_start", None), "users": args.users,
        "contributors": args.contributors, "duration_s": round(elapsed, 1),
        "requests": stats.count, "failed": len(stats.failures),
        "throughput_rps": round(stats.count / elapsed, 1),
        "published": len(stats.published),
        "published_searchable": sum(1 for p in stats.published if p.get("searchable_after_end")),
        "failures": [{"route": r, "reason": why, "count": n} for (r, why), n in failures.items()],
        "routes": routes, "machine_load_average": [round(x, 1) for x in os.getloadavg()],
        "cpus": os.cpu_count(), **checks,
    }


def print_report(result: dict) -> None:
    print(f"\n## Charge — {result['backend']}, gunicorn {result['workers']} workers, "
          f"{result['users']} utilisateurs dont {result['contributors']} contributeurs, "
          f"{result['duration_s']} s, {result['published_at_start']} fiches publiées au départ")
    print(f"\nrequêtes : {result['requests']} ({result['throughput_rps']}/s), "
          f"échecs : {result['failed']}, fiches publiées : {result['published']}, "
          f"trouvées ensuite par la recherche : {result['published_searchable']}")
    print(f"machine : {result['cpus']} cœurs, charge moyenne (1, 5, 15 min) "
          f"{result['machine_load_average']}")
    print(f"index : {result['index_check']} ; /healthz : {result['healthz']} ; "
          f"erreurs dans le journal gunicorn : {result['server_errors']}")
    print("\n| route | requêtes | p50 (ms) | p95 (ms) | max (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for route, row in result["routes"].items():
        print(f"| {route} | {row['requests']} | {row['p50_ms']} | {row['p95_ms']} | "
              f"{row['max_ms']} |")
    for failure in result["failures"]:
        print(f"- échec {failure['route']} × {failure['count']} : {failure['reason']}")


def final_checks(env: dict, base_url: str, log: Path) -> dict:
    healthz = [httpx.get(f"{base_url}/healthz", timeout=10).json() for _ in range(8)]
    index = {(h["index"].get("status"), h["index"].get("lag")) for h in healthz}
    check = subprocess.run([str(BIN / "kb"), "index", "check"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    text = log.read_text()
    return {
        "healthz": ", ".join(f"index {s}, retard {lag}" for s, lag in sorted(index, key=str)),
        "index_check": check.stdout.strip().splitlines()[-1] if check.stdout else check.stderr,
        "index_check_ok": check.returncode == 0,
        "server_errors": text.count("Traceback") + text.count("[ERROR]"),
    }


def main() -> int:
    args = parse_args()
    workspace = Path(tempfile.mkdtemp(prefix=f"kb-load-{args.backend}-"))
    cluster = None
    server = None
    try:
        if args.backend == "postgres" and not args.postgres_url:
            cluster = Cluster(workspace)
        url = args.postgres_url or (cluster.url if cluster else
                                    f"sqlite:///{workspace / 'kb.sqlite3'}")
        env = {**os.environ, "KB_DATABASE_URL": url, "KB_INDEX_DIR": str(workspace / "index"),
               "KB_INSTANCE_DIR": str(workspace / "instance"), "KB_ENV": "development",
               "KB_SECRET_KEY": "load-test-secret-key-not-for-production"}
        print(f"Préparation de la base ({args.backend}) dans {workspace}…", flush=True)
        prepare(env, args.contributors, args.synthetic)
        port = free_port()
        log = workspace / "gunicorn.log"
        server = start_gunicorn(env, port, args.workers, log)
        base_url = f"http://127.0.0.1:{port}"
        published_at_start = httpx.get(f"{base_url}/healthz", timeout=10).json()[
            "database"]["published"]
        print(f"Charge : {args.users} utilisateurs pendant {args.duration} s sur {base_url}…",
              flush=True)
        started = time.monotonic()
        stats = asyncio.run(run_load(base_url, args))
        elapsed = time.monotonic() - started
        checks = final_checks(env, base_url, log)
        checks["published_at_start"] = published_at_start
        result = report(stats, args, elapsed, checks)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        if cluster is not None:
            cluster.stop()
        if not args.keep:
            shutil.rmtree(workspace, ignore_errors=True)
    print_report(result)
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    held = (result["failed"] == 0 and result["index_check_ok"] and result["server_errors"] == 0
            and result["published"] == result["published_searchable"] > 0)
    return 0 if held else 1


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database (else a cluster of "
                                               "our own under a temporary directory)")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--contributors", type=int, default=4,
                        help="how many of the users file and publish write-ups")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: kb.gunicorn_conf's, one per core)")
    parser.add_argument("--synthetic", type=int, default=0,
                        help="generated write-ups added to the demo set (kb demo --synthetic)")
    parser.add_argument("--think", type=float, default=0.5,
                        help="mean pause between two actions of a user, in seconds")
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", help="write the figures as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not 0 < args.duration <= 600 or not 0 < args.contributors <= args.users <= 200:
        parser.error("duration in (0, 600] s, 0 < contributors <= users <= 200")
    return args


if __name__ == "__main__":
    sys.exit(main())
