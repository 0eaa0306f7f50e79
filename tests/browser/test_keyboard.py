"""Keyboard only, in Chromium with the Content-Security-Policy on: sign in, file a write-up
(its error summary, the territory combobox, a theme box), then run a filtered search and open a
result — every control reached with Tab, operated with Enter, Space or the arrow keys, each with
a visible focus. Also: the skip link, the display settings modal (no keyboard trap, Escape gives
the focus back) and the facets folded behind a button on a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

PASSWORD = "une phrase de passe pour le clavier"

FOCUS_SHOWN = """() => {
  const element = document.activeElement;
  const drawn = (style) => style && style.outlineStyle !== "none" && style.outlineWidth !== "0px";
  // The element, its ::before (DSFR cards: the link's ::before covers the whole card), or the
  // ::before of its label (DSFR check boxes and radio buttons draw the box there).
  if (drawn(getComputedStyle(element)) || drawn(getComputedStyle(element, "::before"))) return true;
  const label = element.id && document.querySelector(`label[for="${element.id}"]`);
  return Boolean(label) && drawn(getComputedStyle(label, "::before"));
}"""


@pytest.fixture
def watched(page: Page) -> list[str]:
    """Script errors and Content-Security-Policy violations seen by the page (a refused form's
    422 status, logged by Chromium, is expected)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "status of 422" not in message.text else None)
    page.set_default_timeout(10_000)
    return problems


def focused(page: Page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


def tab_to(page: Page, selector: str, limit: int = 150, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``selector`` has the focus, which must be visible."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if focused(page, selector):
            assert page.evaluate(FOCUS_SHOWN), f"focus not visible on {selector}"
            return
    raise AssertionError(f"{selector} cannot be reached with the keyboard")


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/connexion")
    tab_to(page, "#email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert focused(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"^Bienvenue, "))).to_be_visible()


def test_file_a_write_up_with_the_keyboard_only(page: Page, live_server, watched,
                                                create_user, create_organisation):
    base = live_server
    organisation = create_organisation(name="Ville de Guéret", territory_code="C23096")
    create_user(email="clavier@gueret.example.fr", password=PASSWORD, organisation=organisation)
    sign_in(page, base, "clavier@gueret.example.fr")

    tab_to(page, "header a[href='/experiences/nouvelle']")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Déposer une fiche d'expérience")

    tab_to(page, "main form.kb-experience-form button[type=submit]")
    page.keyboard.press("Enter")  # sent empty: the summary gets the focus
    expect(page.locator("#erreurs")).to_be_focused()
    assert page.title().startswith("Erreur")
    page.keyboard.press("Tab")
    assert focused(page, "#erreurs a[href='#title']")
    page.keyboard.press("Enter")  # the summary's link puts the focus in its field
    expect(page.locator("#title")).to_be_focused()
    assert page.locator("#title").get_attribute("aria-invalid") == "true"

    page.keyboard.type("Des tablettes dans les écoles de la Creuse")
    page.keyboard.press("Tab")
    page.keyboard.type("Classes mobiles de tablettes dans vingt écoles rurales.")
    tab_to(page, "[role=combobox]")
    page.keyboard.press("Control+A")
    page.keyboard.type("Creu")
    expect(page.get_by_role("option", name=re.compile(r"^Creuse \(23\)"))).to_be_visible()
    page.keyboard.press("ArrowDown")
    combobox = page.get_by_role("combobox", name=re.compile("Territoire du projet"))
    expect(combobox).to_have_attribute("aria-activedescendant", re.compile(r"-liste-0$"))
    page.keyboard.press("Enter")
    expect(combobox).to_have_value("Creuse (23)")
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(page.locator("input[type=hidden][name=territory_code]")).to_have_value("D23")

    tab_to(page, "#themes-0")  # Équipement des écoles et établissements
    page.keyboard.press("Space")
    expect(page.locator("#themes-0")).to_be_checked()
    tab_to(page, "#start")
    page.keyboard.type("2023-09")
    tab_to(page, "main form.kb-experience-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Cette fiche est un brouillon")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Des tablettes dans les écoles de la Creuse")

    tab_to(page, "main form[action$='/soumettre'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Cette fiche attend la relecture d'un modérateur")).to_be_visible()
    assert watched == []


def test_run_a_filtered_search_with_the_keyboard_only(page: Page, live_server, watched,
                                                      create_experience):
    for number in range(3):
        create_experience(title=f"Tablettes à l'école {number}", slug=f"ecole-{number}",
                          themes=("equipement",))
    create_experience(title="Tablettes et formation", slug="formation", themes=("formation",))
    base = live_server
    page.goto(f"{base}/")

    page.keyboard.press("Tab")  # the first stop is the skip link to the content
    assert focused(page, ".fr-skiplinks a[href='#contenu']")
    tab_to(page, "#q-accueil")
    page.keyboard.type("tablettes")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="4 fiches trouvées")).to_be_visible()
    assert page.title().startswith("Recherche\u00a0: tablettes — 4 résultats — ")

    tab_to(page, "#f-theme-equipement")
    page.keyboard.press("Space")
    tab_to(page, "#appliquer-filtres")
    page.keyboard.press("Enter")  # applied in place: the count is announced, the focus stays
    expect(page.locator("#annonce-resultats")).to_have_text(re.compile(r"^3 fiches trouvées"))
    expect(page).to_have_url(re.compile(r"q=tablettes&theme=equipement$"))
    expect(page).to_have_title(re.compile(r"^Recherche\u00a0: tablettes, 1 filtre — 3 résultats"))
    expect(page.locator("#appliquer-filtres")).to_be_focused()
    expect(page.locator("#f-theme-equipement")).to_be_checked()

    tab_to(page, ".kb-results .fr-card__title a")
    title = page.evaluate("document.activeElement.textContent.trim()")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(title)
    assert watched == []


def test_skip_link_and_display_settings_with_the_keyboard(page: Page, live_server, watched):
    page.goto(f"{live_server}/accessibilite")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()

    tab_to(page, "footer button[aria-controls='fr-theme-modal']")
    page.keyboard.press("Enter")
    dialog = page.locator("#fr-theme-modal")
    expect(dialog).to_have_class(re.compile("fr-modal--opened"))
    tab_to(page, "input[name='fr-radios-theme']", limit=5)
    expect(page.locator("#fr-radios-theme-system")).to_be_focused()  # the current choice
    page.keyboard.press("ArrowUp")  # the arrow keys move within the radio group
    expect(page.locator("#fr-radios-theme-dark")).to_be_checked()
    expect(page.locator("html")).to_have_attribute("data-fr-theme", "dark")
    for _ in range(4):  # the focus stays in the modal while it is open…
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('#fr-theme-modal') !== null")
    # …and Escape closes it and gives the focus back (the DSFR leaves Escape to a focused form
    # field, so it is pressed on the « Fermer » button).
    tab_to(page, "#fr-theme-modal .fr-btn--close", limit=5)
    page.keyboard.press("Escape")
    expect(dialog).not_to_have_class(re.compile("fr-modal--opened"))
    expect(page.locator("footer button[aria-controls='fr-theme-modal']")).to_be_focused()

    page.reload()  # the choice is kept
    expect(page.locator("html")).to_have_attribute("data-fr-theme", "dark")
    assert watched == []


def test_facets_fold_behind_a_button_on_a_phone(browser, live_server, create_experience):
    create_experience(title="Tablettes à l'école", themes=("equipement",))
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(f"{live_server}/recherche?q=tablettes")
    toggle = page.get_by_role("button", name="Filtrer les résultats")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#f-theme-equipement")).to_be_hidden()
    tab_to(page, "button.kb-facets__toggle")
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    tab_to(page, "#f-theme-equipement")
    page.keyboard.press("Space")
    tab_to(page, "#appliquer-filtres")
    page.keyboard.press("Enter")
    expect(page.locator("#annonce-resultats")).to_have_text(re.compile(r"^1 fiche trouvée"))
    expect(page.locator("#resultats")).to_be_focused()  # the panel folded again
    expect(page.get_by_role("button", name="Filtrer les résultats (1 filtre actif)")
           ).to_be_visible()
    context.close()
