"""The XSS suite in a real Chromium: every vector of ``tests/security/xss_vectors.txt`` is put
into every text field (write-up, follow-up, moderation comments, report, label, organisation,
account names, registration request) through the forms, with CSRF on as in production, and
through ``kb import``; then every page that shows them is loaded as each role that sees it.

A hook installed before any page script records every call to ``alert``, ``confirm``,
``prompt``, ``print`` and ``window.__kbxss`` (which the vectors call), and every dialog; after
each load the live DOM is searched for event-handler attributes, ``javascript:``/``data:``
addresses and foreign scripts. The pages are loaded with the Content-Security-Policy bypassed,
so what is proven is the sanitising and escaping alone (the CSP is a second wall, tested in
``tests/security/test_headers.py``). Nothing may be recorded.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HOOK = """
(() => {
  const calls = [];
  Object.defineProperty(window, "__xss", {value: calls, writable: false});
  const record = (name) => function (...args) {
    calls.push(`${name}(${String(args[0]).slice(0, 60)})`);
  };
  for (const name of ["alert", "confirm", "prompt", "print", "__kbxss"]) {
    Object.defineProperty(window, name, {value: record(name), writable: false});
  }
})();
"""

DOM_AUDIT = """
async () => {
  await new Promise((resolve) => setTimeout(resolve, 60));  // toggle, focus, load handlers
  const urlAttributes = new Set(["href", "src", "action", "formaction", "xlink:href", "data",
    "poster", "background", "srcset", "values", "to", "from", "by"]);
  const own = [location.origin + "/static/", location.origin + "/dsfr/"];
  const found = [];
  for (const element of document.querySelectorAll("*")) {
    const tag = element.localName;
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\s\\u0000-\\u001f]+/g, "").toLowerCase();
      if (name.startsWith("on") || name === "srcdoc" || name === "formaction") {
        found.push(`<${tag} ${name}>`);
      } else if (urlAttributes.has(name) && /^(javascript|vbscript|data):/.test(value)) {
        found.push(`<${tag} ${name}=${value.slice(0, 40)}>`);
      }
    }
    if (["iframe", "frame", "object", "embed", "base", "math"].includes(tag)) {
      found.push(`<${tag}>`);
    }
  }
  for (const script of document.querySelectorAll("script")) {
    const inHead = script.parentElement && script.parentElement.localName === "head";
    const allowed = own.some((prefix) => script.src.startsWith(prefix)) || (inHead && script.nonce);
    if (!allowed) found.push(`<script ${script.src || script.textContent.slice(0, 40)}>`);
  }
  const text = document.documentElement ? document.documentElement.textContent : "";
  if (text.includes("49kbtpl")) found.push("template evaluated");
  return {calls: Array.from(window.__xss || ["hook missing"]), found};
}
"""


def _hostile_module():
    path = Path(__file__).parents[1] / "security" / "hostile_content.py"
    spec = importlib.util.spec_from_file_location("kb_security_hostile_content", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


hostile = _hostile_module()


@pytest.fixture
def world(csrf_app, create_organisation, create_user, tmp_path):
    seeded = hostile.seed_through_forms(csrf_app, create_organisation, create_user)
    hostile.seed_through_import(csrf_app.test_cli_runner(), tmp_path, seeded.vectors)
    seeded.imported = hostile.imported_ids(csrf_app)
    return seeded


def _context(browser, base: str, app, user):
    """A browser context with the hook, signed in as ``user`` (a session cookie signed by the
    application, as its sign-in would set), the CSP bypassed."""
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    context.add_init_script(HOOK)
    if user is not None:
        serializer = app.session_interface.get_signing_serializer(app)
        cookie = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
        context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie,
                              "url": base}])
    return context


def test_no_vector_runs_on_any_page_in_chromium(browser, live_server, csrf_app, world):
    dialogs: list[str] = []
    incidents: list[tuple[str, str, object]] = []
    loaded = 0
    for role, urls in world.pages().items():
        context = _context(browser, live_server, csrf_app, world.users.get(role))
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for url in urls:
            response = page.goto(live_server + url, wait_until="load")
            assert response is not None and response.status == 200, (role, url)
            outcome = page.evaluate(DOM_AUDIT)
            if outcome["calls"] or outcome["found"]:
                incidents.append((role, url, outcome))
            loaded += 1
        context.close()
    assert incidents == [] and dialogs == []
    assert loaded == world.page_count() >= 100
    assert len(world.vectors) >= 100 and len(world.imported) >= 20


def test_the_hook_sees_a_vector_that_runs(browser, live_server, csrf_app):
    """The hook is not blind: a page where script does run (a ``data:`` document, outside the
    application) is recorded."""
    context = _context(browser, live_server, csrf_app, None)
    page = context.new_page()
    page.goto("data:text/html,<img src=x onerror=alert(1)><script>window.__kbxss(2)</script>")
    outcome = page.evaluate(DOM_AUDIT)
    context.close()
    assert sorted(outcome["calls"]) == ["__kbxss(2)", "alert(1)"]
    assert "<img onerror>" in outcome["found"]
