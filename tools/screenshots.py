"""Screenshots of the main pages at 375 px (phone) and 1280 px (desktop) wide: ``make screenshots``.

Builds a throwaway SQLite database and search index in a temporary directory, loads the
territories, vocabularies and the demo data set, serves the application on a free local port
and drives Debian's Chromium (``/usr/bin/chromium``, or ``KB_CHROMIUM``) through Playwright.
Each PNG is one viewport high (not the full page), which keeps the files small; they go to
``docs/screenshots/<name>-<width>.png``. Nothing outside the temporary directory and
``docs/screenshots/`` is touched.

    .venv/bin/python tools/screenshots.py [--only NAME …] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
WIDTHS = {375: 812, 1280: 860}  # width: viewport height


def pages(ids: dict) -> list[tuple[str, str, str | None]]:
    """(file name, path, account role or None) of every page shot."""
    write_up = ids["write_up"]
    return [
        ("accueil", "/", None),
        ("accueil-theme-sombre", "/#sombre", None),
        ("recherche", "/recherche?q=tablettes", None),
        ("recherche-filtres", "/recherche?q=tablettes&theme=equipement&niveau=elementaire#filtres",
         None),
        ("recherche-sans-resultat", "/recherche?q=hologrammes+sous-marins&departement=23", None),
        ("fiche", write_up, None),
        ("comparables", f"/experiences/{ids['write_up_id']}/comparables", None),
        ("tableau-de-bord", "/tableau-de-bord", None),
        ("territoire", "/territoires/D23", None),
        ("connexion", "/connexion", None),
        ("formulaire", "/experiences/nouvelle", "contributeur"),
        ("formulaire-erreurs", "/experiences/nouvelle#envoyer", "contributeur"),
        ("moderation", "/moderation", "moderateur"),
        ("accessibilite", "/accessibilite", None),
        ("page-introuvable", "/page-inexistante", None),
    ]


def prepare(workdir: Path):
    """An application on a fresh database with the demo data set and a built index."""
    os.environ.setdefault("KB_SECRET_KEY", "screenshots-only-secret")
    os.environ["KB_DATABASE_URL"] = f"sqlite:///{workdir / 'kb.sqlite3'}"
    os.environ["KB_INDEX_DIR"] = str(workdir / "index")
    from sqlalchemy import select

    from kb import create_app
    from kb.demo.loader import load_demo
    from kb.experiences.models import Experience
    from kb.reference import initialise
    from kb.search.indexer import extension
    from kb.search.sync import rebuild_index

    app = create_app()
    with app.app_context():
        from kb.db import get_session

        initialise()
        load_demo()
        ext = extension()
        rebuild_index(ext.store, ext.make_session)
        session = get_session()
        first = session.scalars(select(Experience).where(Experience.state == "publiee")
                                .order_by(Experience.id)).first()
        ids = {"write_up": f"/experiences/{first.id}-{first.slug}", "write_up_id": first.id}
    return app, ids


def serve(app) -> tuple[str, object]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def sign_in(page, base: str, role: str) -> None:
    from kb.demo.loader import DEMO_PASSWORD

    page.goto(f"{base}/connexion")
    page.fill("input[name=email]", f"{role}@demo.example.org")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()


def act(page, action: str) -> None:
    """What to do on the page before the shot (the part of its path after ``#``)."""
    if action == "envoyer":  # the form sent empty: its error summary
        page.locator("main form [type=submit]").first.click()
        page.wait_for_load_state()
    elif action == "filtres":  # on a phone, the facets unfolded
        toggle = page.locator(".kb-facets__toggle")
        if toggle.is_visible():
            toggle.click()
    elif action == "sombre":  # the dark theme chosen in « Paramètres d'affichage »
        page.evaluate("localStorage.setItem('scheme', 'dark')")
        page.reload()
        page.evaluate("localStorage.removeItem('scheme')")


def shoot(browser, base: str, out: Path, shots, width: int) -> list[Path]:
    written = []
    contexts: dict[str | None, object] = {}
    for name, path, role in shots:
        if role not in contexts:
            context = browser.new_context(locale="fr-FR", viewport={
                "width": width, "height": WIDTHS[width]}, device_scale_factor=1)
            contexts[role] = context.new_page()
            if role:
                sign_in(contexts[role], base, role)
        page = contexts[role]
        address, _, action = path.partition("#")
        page.goto(f"{base}{address}")
        act(page, action)
        page.wait_for_timeout(200)  # the DSFR's scripts settle (collapses, modals)
        target = out / f"{name}-{width}.png"
        page.screenshot(path=str(target), full_page=False, animations="disabled")
        written.append(target)
    for page in contexts.values():
        page.context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", help="noms des pages à capturer (par défaut : toutes)")
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian chromium.")
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kb-screenshots-") as tmp:
        app, ids = prepare(Path(tmp))
        shots = [s for s in pages(ids) if not args.only or s[0] in args.only]
        base, server = serve(app)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                written = [p for width in WIDTHS for p in shoot(browser, base, args.out, shots,
                                                                 width)]
                browser.close()
        finally:
            server.shutdown()
            app.extensions["kb.engine"].dispose()
    total = sum(p.stat().st_size for p in written)
    print(f"{len(written)} captures dans {args.out} ({total / 1024:.0f} Kio).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
