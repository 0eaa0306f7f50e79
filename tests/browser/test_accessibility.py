"""Every page type, with the demo data set, audited by axe-core in Chromium (RGAA / WCAG 2.1 AA).

The test fails on any axe violation of impact « serious » or « critical » and prints every
violation (moderate and minor ones too, as warnings to read). It also checks what axe does not:
one ``h1`` per page, a heading outline that never skips a level, a page title naming the page,
and no horizontal scrolling at 320 px (RGAA 10.11, reflow).

axe-core comes from the npm package (``node_modules/axe-core``) and is injected by Playwright
as an inline ``<script>``. The application's Content-Security-Policy allows scripts from 'self'
plus a per-request nonce, so it rightly blocks that injected script: this test's browser
context alone uses Playwright's ``bypass_csp=True``. The other browser tests keep the policy
and fail on any CSP violation, so the pages are still proven to work under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
PASSWORD = "une phrase de passe pour les tests"
SERVICE = "Base d'expériences du numérique éducatif"

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))
  }));
}"""

# The heading outline, leaving out the modals (dialogs with their own outline) and the headings
# the authors of a write-up typed in its Markdown text (.kb-prose: declared in the statement).
OUTLINE = """() => [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
  .filter(h => !h.closest("dialog, .fr-modal, .kb-prose"))
  .map(h => [Number(h.tagName[1]), h.textContent.trim().slice(0, 60)])"""


@dataclass
class Audit:
    """What the audit found, page by page."""

    blocking: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    structure: list[str] = field(default_factory=list)
    pages: int = 0

    def report(self) -> str:
        parts = [f"{self.pages} pages auditées."]
        for title, lines in (("Violations sérieuses ou critiques", self.blocking),
                             ("Structure", self.structure),
                             ("Violations modérées ou mineures", self.warnings)):
            if lines:
                parts.append(f"{title} :\n" + "\n".join(lines))
        return "\n\n".join(parts)


@pytest.fixture
def demo(db_session, create_user):
    """The demo data set, plus what it lacks for some page states: a labelled practice, a
    replication, an open report, one account per role with a known password."""
    from kb.accounts.models import Organisation
    from kb.demo.loader import load_demo
    from kb.experiences.models import Experience, Label, Replication, Report

    load_demo(session=db_session)
    published = db_session.scalars(
        select(Experience).where(Experience.state == "publiee").order_by(Experience.id)
    ).all()
    practice, replica = published[0], published[1]
    db_session.add(Label(experience_id=practice.id,
                         justification="Un prêt de classes mobiles évalué par une enquête."))
    db_session.add(Replication(source_id=practice.id, replica_id=replica.id))
    db_session.add(Report(experience_id=replica.id, kind="obsolete",
                          comment="Le budget a changé en 2024."))
    db_session.commit()

    def first(state):
        return db_session.scalars(select(Experience).where(Experience.state == state)
                                  .order_by(Experience.id)).first()

    organisation = practice.organisation
    other = db_session.scalars(select(Organisation).where(Organisation.id != organisation.id)
                               .order_by(Organisation.id)).first()
    people = {role: create_user(role=role, password=PASSWORD, email=f"{role}@a11y.example.org",
                                organisation=organisation if role == "contributeur" else None)
              for role in ("contributeur", "moderateur", "analyste", "admin")}
    people["autre"] = create_user(password=PASSWORD, email="autre@a11y.example.org",
                                  organisation=other)
    return {
        "practice": practice, "replica": replica, "organisation": organisation,
        "submitted": first("soumise"), "draft": first("brouillon"), "people": people,
    }


def new_page(browser, width: int = 1280, height: int = 900) -> Page:
    # bypass_csp: see the module docstring (axe-core is injected as an inline script).
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height},
                                  bypass_csp=True)
    return context.new_page()


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main form:has(input[name=password]) [type=submit]").click()
    expect(page.get_by_text(re.compile(r"^Bienvenue, "))).to_be_visible()


def audit_current(page: Page, name: str, audit: Audit) -> None:
    """Run axe-core on the page as it is, and check its outline and title."""
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE_SCRIPT))
    audit.pages += 1
    for violation in page.evaluate(RUN_AXE):
        targets = "; ".join(node["target"] for node in violation["nodes"][:5])
        line = (f"- {name} : [{violation['impact']}] {violation['id']} — {violation['help']} "
                f"({len(violation['nodes'])} élément(s) : {targets})")
        (audit.blocking if violation["impact"] in BLOCKING else audit.warnings).append(line)
    audit.structure += [f"- {name} : {problem}" for problem in structure_problems(page)]


def structure_problems(page: Page) -> list[str]:
    problems = []
    headings = page.evaluate(OUTLINE)
    ones = [text for level, text in headings if level == 1]
    if len(ones) != 1:
        problems.append(f"{len(ones)} titres h1 ({ones})")
    previous = 0
    for level, text in headings:
        if level > previous + 1:
            problems.append(f"saut de niveau h{previous} → h{level} (« {text} »)")
        previous = level
    title = page.title()
    if not title.endswith(SERVICE) or title == SERVICE:
        problems.append(f"titre de page « {title} »")
    if page.evaluate("document.documentElement.lang") != "fr":
        problems.append("langue de la page absente")
    return problems


def visit(page: Page, base: str, path: str, audit: Audit, name: str | None = None) -> int:
    response = page.goto(f"{base}{path}")
    assert response is not None
    audit_current(page, name or path, audit)
    return response.status


def audit_anonymous(browser, base: str, demo: dict, audit: Audit) -> None:
    practice = demo["practice"]
    page = new_page(browser)
    for path in (
        "/",
        "/recherche",
        "/recherche?q=tablettes",
        "/recherche?q=tablettes&theme=equipement&niveau=college",
        "/recherche?q=tabletes",  # spelling suggestion
        "/recherche?q=hologrammes+sous-marins",  # no result
        f"/experiences/{practice.id}-{practice.slug}",
        f"/experiences/{demo['replica'].id}-{demo['replica'].slug}",
        f"/experiences/{practice.id}/comparables",
        "/comparables",
        "/comparables?territoire=D23&themes=equipement",
        "/tableau-de-bord",
        "/tableau-de-bord?theme=inclusion",
        "/territoires/R75",
        "/territoires/D23",
        "/territoires/C23096",
        f"/organisations/{demo['organisation'].id}",
        "/connexion",
        "/inscription",
        "/donnees",
        "/accessibilite",
        "/mentions-legales",
        "/donnees-personnelles",
    ):
        assert visit(page, base, path, audit) == 200, path
    assert visit(page, base, "/cette-page-n-existe-pas", audit, "page introuvable (404)") == 404
    page.goto(f"{base}/connexion")
    page.get_by_label("Adresse électronique").fill("personne@example.org")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.locator("main form:has(input[name=password]) [type=submit]").click()
    audit_current(page, "/connexion (erreur)", audit)
    page.goto(f"{base}/inscription")
    page.get_by_role("button", name="Envoyer la demande").click()
    audit_current(page, "/inscription (erreurs)", audit)
    page.context.close()


def audit_contributor(browser, base: str, demo: dict, audit: Audit) -> None:
    practice, replica = demo["practice"], demo["replica"]
    page = new_page(browser)
    sign_in(page, base, demo["people"]["contributeur"].email)
    for path in ("/experiences/nouvelle", "/compte",
                 f"/experiences/{practice.id}/modifier",
                 f"/experiences/{practice.id}/pieces-jointes",
                 f"/experiences/{practice.id}/historique",
                 f"/experiences/{practice.id}-{practice.slug}"):
        visit(page, base, path, audit, f"{path} (contributeur)")
    page.goto(f"{base}/experiences/nouvelle")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    audit_current(page, "/experiences/nouvelle (erreurs)", audit)
    page.context.close()

    page = new_page(browser)
    sign_in(page, base, demo["people"]["autre"].email)
    for path in (f"/experiences/{replica.id}/signaler",
                 f"/experiences/{replica.id}/nous-l-avons-fait-aussi"):
        visit(page, base, path, audit, f"{path} (autre contributeur)")
    forbidden = f"/experiences/{practice.id}/modifier"  # another organisation's write-up
    assert visit(page, base, forbidden, audit, "accès refusé (403)") == 403
    page.context.close()


def audit_staff(browser, base: str, demo: dict, audit: Audit) -> None:
    submitted, practice = demo["submitted"], demo["practice"]
    page = new_page(browser)
    sign_in(page, base, demo["people"]["moderateur"].email)
    for path in ("/moderation", f"/experiences/{submitted.id}-{submitted.slug}",
                 f"/experiences/{submitted.id}/historique"):
        visit(page, base, path, audit, f"{path} (modérateur)")
    page.context.close()

    page = new_page(browser)
    sign_in(page, base, demo["people"]["analyste"].email)
    for path in ("/tableau-de-bord", f"/experiences/{practice.id}/label",
                 f"/experiences/{practice.id}-{practice.slug}"):
        visit(page, base, path, audit, f"{path} (analyste)")
    page.context.close()

    page = new_page(browser)
    sign_in(page, base, demo["people"]["admin"].email)
    organisation = demo["organisation"]
    for path in ("/admin/", "/admin/comptes",
                 f"/admin/comptes/{demo['people']['contributeur'].id}",
                 "/admin/organisations", f"/admin/organisations/{organisation.id}",
                 "/admin/organisations/nouvelle", "/admin/vocabulaires"):
        visit(page, base, path, audit, f"{path} (administrateur)")
    page.context.close()


def test_every_page_type_passes_axe(live_server, browser, demo):
    audit = Audit()
    audit_anonymous(browser, live_server, demo, audit)
    audit_contributor(browser, live_server, demo, audit)
    audit_staff(browser, live_server, demo, audit)
    print(audit.report())
    assert not audit.blocking, audit.report()
    assert not audit.structure, audit.report()


def test_main_pages_on_a_320_px_screen(live_server, browser, demo):
    """No horizontal scrolling at 320 px (RGAA 10.11), and axe-core on the phone layout (the
    folded facets, the header's menu button)."""
    practice, audit, overflowing = demo["practice"], Audit(), []
    page = new_page(browser, width=320, height=640)
    for path in ("/", "/recherche?q=tablettes&theme=equipement",
                 "/recherche?q=hologrammes+sous-marins&departement=23",
                 f"/experiences/{practice.id}-{practice.slug}", "/tableau-de-bord",
                 "/territoires/D23", "/connexion", "/donnees", "/accessibilite"):
        page.goto(f"{live_server}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            overflowing.append(f"{path} déborde de {overflow} px")
        audit_current(page, f"{path} (320 px)", audit)
    page.context.close()
    print(audit.report())
    assert not overflowing, overflowing
    assert not audit.blocking, audit.report()
