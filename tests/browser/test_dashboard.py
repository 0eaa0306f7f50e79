"""In Chromium: an analyst labels a practice, the dashboard map shows it, and a click on a
département lands on the filtered search."""

from __future__ import annotations

import re

from tests.browser.conftest import wait_until

PASSWORD = "Essaimer-les-bonnes-pratiques-2024"


def sign_in(page, base_url: str, email: str) -> None:
    """Sign in through ``/connexion`` (fields ``email`` and ``password``)."""
    page.goto(f"{base_url}/connexion")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form:has(input[name="password"]) [type="submit"]').click()
    page.wait_for_load_state()
    assert "/connexion" not in page.url, "sign-in failed"


def test_analyst_labels_a_practice_seen_on_the_dashboard_map(
    live_server, page, create_user, create_experience
):
    practice = create_experience(title="Classes mobiles dans les écoles creusoises",
                                 territory_code="C23096", slug="classes-mobiles")
    create_experience(title="Tablettes à Tulle", territory_code="C19272", slug="tablettes-tulle")
    create_user(role="analyste", email="analyste@test.example.org", password=PASSWORD)
    csp_violations: list[str] = []
    page.on("console", lambda message: csp_violations.append(message.text)
            if "Content Security Policy" in message.text else None)

    sign_in(page, live_server, "analyste@test.example.org")
    page.goto(f"{live_server}/experiences/{practice.id}-{practice.slug}")
    page.get_by_role("link", name="Labelliser « Pratique à essaimer »").click()
    page.get_by_label("Pourquoi cette pratique mérite d'être essaimée").fill(
        "Un prêt de classes mobiles entre écoles, évalué par une enquête auprès des enseignants."
    )
    page.get_by_role("button", name="Labelliser").click()
    page.wait_for_url(re.compile(rf"/experiences/{practice.id}-"))
    assert page.get_by_text("Un prêt de classes mobiles entre écoles").first.is_visible()

    page.goto(f"{live_server}/tableau-de-bord")
    marker = page.locator('circle[data-marker="23"]')
    assert marker.count() == 1
    title = page.locator('a[data-departement="23"] > title').text_content()
    assert "Classes mobiles dans les écoles creusoises" in title
    creuse = page.locator('a[data-departement="23"] path')
    assert "kb-map__area--4" in creuse.get_attribute("class")
    practices = page.locator('section[aria-labelledby="pratiques"]')
    assert practices.get_by_text("Classes mobiles dans les écoles").is_visible()

    page.locator('a[data-departement="19"] path').click()
    page.wait_for_url(re.compile(r"/recherche\?departement=19$"))
    assert csp_violations == []


def test_a_click_on_the_marker_reaches_its_departement(live_server, page, db_session,
                                                       create_experience):
    """The marker of a labelled practice sits on its département: a click right on it lands
    on the département's search, as anywhere else on the département (issue 15 point 12)."""
    from kb.experiences.models import Label

    practice = create_experience(title="Classes mobiles creusoises", territory_code="C23096",
                                 slug="classes-mobiles")
    db_session.add(Label(experience_id=practice.id, justification="À essaimer."))
    db_session.commit()
    page.goto(f"{live_server}/tableau-de-bord")
    page.locator('a[data-departement="23"]').scroll_into_view_if_needed()
    box = page.locator('circle[data-marker="23"]').bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hit = page.evaluate("([x, y]) => { const el = document.elementFromPoint(x, y); "
                        "const link = el && el.closest('a'); "
                        "return link ? link.getAttribute('data-departement') : null; }",
                        list(centre))
    assert hit == "23"
    page.mouse.click(*centre)
    page.wait_for_url(re.compile(r"/recherche\?departement=23$"))


def test_the_theme_region_table_reads_at_375_px(live_server, browser, create_experience):
    for code in ("C23096", "C29019", "C75056", "D974"):
        create_experience(territory_code=code, slug=f"f-{code}")
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server}/tableau-de-bord")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    region = page.get_by_role("region", name=re.compile("^Nombre de fiches publiées par thème"))
    assert region.count() == 1
    assert page.locator("#aide-themes-regions").is_visible()
    # the keyboard reaches the region and scrolls it
    region.focus()
    assert page.evaluate("document.activeElement.id") == "defilement-themes-regions"
    for _ in range(15):
        page.keyboard.press("ArrowRight")
    wait_until(page, "document.getElementById('defilement-themes-regions').scrollLeft > 100")
    # scrolled to the far right, each row still shows its theme, whole, inside the region
    page.evaluate("() => { const r = document.getElementById('defilement-themes-regions'); "
                  "r.scrollLeft = r.scrollWidth; }")
    problems = page.evaluate("""() => {
      const region = document.getElementById('defilement-themes-regions');
      const box = region.getBoundingClientRect();
      return [...region.querySelectorAll('tbody th[scope="row"]')].flatMap(th => {
        const r = th.getBoundingClientRect();
        const issues = [];
        if (r.left < box.left - 1 || r.right > box.right + 1)
          issues.push('hidden: ' + th.textContent);
        if (th.scrollWidth > th.clientWidth + 1) issues.push('cut: ' + th.textContent);
        if (r.width > box.width / 2) issues.push('too wide: ' + th.textContent);
        return issues;
      });
    }""")
    assert problems == []
    last = page.locator("#defilement-themes-regions thead th").last
    assert last.text_content().strip() == "France" and last.is_visible()
    context.close()
