"""In Chromium at 1024 and 1280 px: no part of the header is cut off for any role (issue 15
point 3: « RÉPU… / FRAN… » and « Se déconnecter » were clipped on the admin's header)."""

from __future__ import annotations

import pytest

PASSWORD = "Un-en-tete-qui-tient-en-largeur-2024"
LONG_NAME = "Marie-Christine Dupont-Lefèvre de La Roche-Guyon"

# Every box of the header that shows text: nothing inside may be wider than the box, the box
# may not stick out of the header's container, and two of them may not overlap.
MEASURE = """() => {
  const header = document.querySelector('header.fr-header');
  const container = header.querySelector('.fr-header__body .fr-container').getBoundingClientRect();
  const boxes = [...header.querySelectorAll(
      '.fr-logo, .fr-header__service-title, .fr-header__service-tagline, '
      + '.fr-header__tools-links .fr-btn, .fr-nav__link')]
    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden');
  const problems = [];
  const label = el => (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
  for (const el of boxes) {
    const r = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`cut: ${label(el)}`);
    if (r.left < container.left - 1 || r.right > container.right + 1)
      problems.push(`outside: ${label(el)}`);
    if (r.right > document.documentElement.clientWidth) problems.push(`off screen: ${label(el)}`);
  }
  const tools = [...header.querySelectorAll('.fr-header__tools-links .fr-btn')]
    .filter(el => el.getClientRects().length);
  const brand = header.querySelector('.fr-header__brand').getBoundingClientRect();
  for (const el of tools) {
    const r = el.getBoundingClientRect();
    if (r.left < brand.right - 1 && r.top < brand.bottom && r.bottom > brand.top)
      problems.push(`over the brand: ${label(el)}`);
  }
  const logo = header.querySelector('.fr-logo');
  const words = logo.innerText.split(/\\s+/).filter(Boolean);
  if (words.join(' ').toUpperCase() !== 'RÉPUBLIQUE FRANÇAISE')
    problems.push(`logo text: ${logo.innerText}`);
  return problems;
}"""


@pytest.fixture
def create_person(create_user, db_session):
    """A user of ``role`` who signs in with :data:`PASSWORD` and has a long name."""

    def create(role: str):
        user = create_user(role=role, email=f"{role}@test.example.org", password=PASSWORD)
        user.name = LONG_NAME
        db_session.commit()
        return user

    return create


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/connexion")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form:has(input[name="password"]) [type="submit"]').click()
    page.wait_for_load_state()
    assert "/connexion" not in page.url, "sign-in failed"


@pytest.mark.parametrize("role", ["admin", "moderateur", "contributeur", None])
def test_no_header_element_overflows_at_desktop_widths(live_server, browser, create_person, role):
    if role:
        create_person(role)
    for width in (1024, 1100, 1280):
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 800})
        page = context.new_page()
        if role:
            sign_in(page, live_server, f"{role}@test.example.org")
        page.goto(f"{live_server}/admin/" if role == "admin" else f"{live_server}/")
        assert page.evaluate(MEASURE) == [], (role, width)
        logout = page.locator("header .fr-header__tools-links").get_by_role(
            "button", name="Se déconnecter")
        if role:
            assert logout.is_visible()
            box = logout.bounding_box()
            assert box["x"] + box["width"] <= width
        context.close()


def test_moderation_and_administration_are_in_the_main_navigation(live_server, page,
                                                                   create_person):
    create_person("admin")
    sign_in(page, live_server, "admin@test.example.org")
    page.goto(f"{live_server}/admin/")
    nav = page.get_by_role("navigation", name="Menu principal")
    assert nav.get_by_role("link", name="Administration").get_attribute("aria-current") == "page"
    nav.get_by_role("link", name="Modération").click()
    page.wait_for_url(f"{live_server}/moderation")
    nav = page.get_by_role("navigation", name="Menu principal")
    assert nav.get_by_role("link", name="Modération").get_attribute("aria-current") == "page"
    tools = page.locator("header .fr-header__tools-links")
    assert tools.get_by_role("link", name="Modération").count() == 0
    assert tools.get_by_role("link", name="Administration").count() == 0


def test_on_a_phone_the_menu_holds_the_account_and_the_sign_out(live_server, browser,
                                                                 create_person):
    create_person("admin")
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, "admin@test.example.org")
    page.get_by_role("button", name="Menu").click()
    menu = page.locator("#modal-menu")
    assert menu.get_by_role("button", name="Se déconnecter").is_visible()
    assert menu.get_by_role("link", name="Administration").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
