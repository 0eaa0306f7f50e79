"""Browser fixtures: the application served on a local port, driven by Debian's Chromium.

Browser tests run where ``/usr/bin/chromium`` exists (``.ci/run`` installs it) and fail loudly
if Playwright cannot start it; they are marked ``browser``.
"""

from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(csrf_app):
    """Serve the application (CSRF on, as in production) in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, csrf_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


#: The password of the :func:`people` accounts.
PASSWORD = "une phrase de passe assez longue"


@pytest.fixture
def people(create_user, create_organisation):
    """A contributor of the Ville de Guéret and a moderator, who sign in with PASSWORD."""
    organisation = create_organisation(name="Ville de Guéret", territory_code="C23096")
    return {
        "contributor": create_user(email="marie@gueret.example.fr", password=PASSWORD,
                                   organisation=organisation),
        "moderator": create_user(role="moderateur", email="moderation@example.org",
                                 password=PASSWORD),
    }


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll a JavaScript expression until it is truthy. Not Playwright's ``wait_for_function``:
    when the first check fails, it polls through ``eval`` in the page, which the application's
    Content Security Policy (no ``unsafe-eval``) refuses; ``evaluate`` goes through the
    DevTools protocol."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)
