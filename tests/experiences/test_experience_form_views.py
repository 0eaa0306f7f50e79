"""The filing and editing form: every field of SPEC section 5, French messages next to the
fields and in a summary, what was typed kept, the territory autocomplete's fallback, the
Markdown preview."""

from __future__ import annotations

import re

from sqlalchemy import select

from kb.experiences.models import Experience


def _new_experience(db_session) -> Experience:
    db_session.expire_all()
    return db_session.scalars(select(Experience)).one()


def test_the_form_has_every_field_grouped_in_sections(client, login_as, text_of):
    login_as("contributeur")
    page = text_of(client.get("/experiences/nouvelle"))
    for name in ("title", "summary", "context", "actions", "results", "lessons",
                 "territory_code", "territory_types", "levels", "themes", "equipment",
                 "project_state", "start", "end", "budget_eur", "funders", "other_funders",
                 "schools", "pupils", "teachers", "partners", "cofilers-0-organisation_id",
                 "cofilers-0-role", "links", "evidence", "contact_name", "contact_role",
                 "contact_email"):
        assert f'name="{name}"' in page, name
    assert page.count('<fieldset class="fr-fieldset" aria-labelledby="section-') == 9
    assert 'type="month"' in page
    main = page[page.index("<main"):page.index("</main>")]
    assert main.count("<h1") == 1
    assert "<title>Déposer une fiche — Base d'expériences du numérique éducatif</title>" in page


def test_the_territory_defaults_to_the_organisation_s(client, login_as, text_of):
    login_as("contributeur")  # the fixture's organisations are in Guéret (C23096)
    page = text_of(client.get("/experiences/nouvelle"))
    assert 'data-label="Guéret (23)"' in page
    assert re.search(r'id="territory_code"[^>]*value="C23096"', page)


def test_a_refused_form_keeps_everything_typed_and_lists_the_errors(
        client, login_as, db_session, experience_data, encode_form, text_of):
    login_as("contributeur")
    data = encode_form(experience_data(title="", themes=[], start="2022-05", end="2021-09"),
                       links="https://ok.example.org\njavascript:alert(1)",
                       context="Mon long **contexte** à garder.", budget_eur="douze mille")
    response = client.post("/experiences/nouvelle", data=data)
    assert response.status_code == 422
    page = text_of(response)
    summary = page[page.index('id="erreurs"'):page.index("</div>", page.index('id="erreurs"'))]
    for anchor in ("#title", "#themes-0", "#end", "#links", "#budget_eur"):
        assert f'href="{anchor}"' in summary, anchor
    assert "Le formulaire contient 5 erreurs" in summary
    assert "Indiquez le titre de la fiche." in page
    assert "La date de fin ne peut pas précéder la date de début." in page
    assert "Indiquez un nombre entier, sans virgule ni lettre (par exemple 85000)." in page
    assert "Mon long **contexte** à garder." in page
    assert 'value="douze mille"' in page
    assert "javascript:alert(1)" in page  # kept in the text area (escaped), not as a link
    assert re.search(r'value="elementaire" checked|checked[^>]*value="elementaire"', page)
    assert db_session.scalars(select(Experience)).all() == []


def test_numbers_and_months_are_read_as_people_type_them(
        client, login_as, db_session, experience_data, encode_form):
    login_as("contributeur")
    data = encode_form(experience_data(), budget_eur="85 000 €", pupils="1\u202f240",
                       start="09/2019", end="2021-6")
    assert client.post("/experiences/nouvelle", data=data).status_code == 303
    experience = _new_experience(db_session)
    assert (experience.budget_eur, experience.pupils) == (85000, 1240)
    assert (experience.start_month.isoformat(), experience.end_month.isoformat()) == (
        "2019-09-01", "2021-06-01")


def test_funders_cofilers_links_and_contact_are_saved(
        client, login_as, create_organisation, db_session, experience_data, encode_form):
    login_as("contributeur")
    partner = create_organisation(name="CA du Grand Guéret", kind="epci",
                                  territory_code="E200034825")
    data = encode_form(experience_data(
        funders=["État", "Région", "Fondation Orange"],
        cofilers=[{"organisation_id": partner.id, "role": "Maintenance du parc"}],
        links=["https://www.gueret.fr/ecoles", "http://example.org/rapport.pdf"],
    ))
    assert client.post("/experiences/nouvelle", data=data).status_code == 303
    experience = _new_experience(db_session)
    assert experience.funders == ["État", "Région", "Fondation Orange"]
    assert [(c.organisation_id, c.role) for c in experience.cofilers] == [
        (partner.id, "Maintenance du parc")]
    assert experience.links == ["https://www.gueret.fr/ecoles", "http://example.org/rapport.pdf"]
    assert experience.contact_email == "marie.durand@gueret.example.fr"


def test_without_javascript_a_territory_is_typed_as_a_code_or_a_label(
        client, login_as, db_session, experience_data, encode_form):
    login_as("contributeur")
    data = encode_form(experience_data(), territory_code="d23")
    assert client.post("/experiences/nouvelle", data=data).status_code == 303
    assert _new_experience(db_session).territory_code == "D23"


def test_the_autocomplete_text_is_used_when_no_code_was_chosen(
        client, login_as, db_session, experience_data, encode_form):
    login_as("contributeur")
    data = encode_form(experience_data(), territory_code="",
                       territory_code_search="Creuse (23)")
    assert client.post("/experiences/nouvelle", data=data).status_code == 303
    experience = _new_experience(db_session)
    assert (experience.territory_code, experience.departement) == ("D23", "23")


def test_an_ambiguous_territory_name_is_refused_with_a_hint(
        client, login_as, experience_data, encode_form, text_of):
    login_as("contributeur")
    data = encode_form(experience_data(), territory_code="", territory_code_search="Paris (75)")
    response = client.post("/experiences/nouvelle", data=data)
    assert response.status_code == 422
    assert "« Paris (75) » ne désigne pas un territoire unique" in text_of(response)
    assert 'data-label="Paris (75)"' in text_of(response)


def test_moderators_choose_the_filing_organisation(
        client, login_as, create_organisation, db_session, experience_data, encode_form,
        text_of):
    login_as("moderateur")
    organisation = create_organisation(name="Département de la Creuse", kind="departement",
                                       territory_code="D23")
    refused = client.post("/experiences/nouvelle", data=encode_form(experience_data()))
    assert refused.status_code == 422
    assert "Choisissez l'organisation qui dépose la fiche." in text_of(refused)
    accepted = client.post("/experiences/nouvelle", data=encode_form(
        experience_data(), organisation_id=str(organisation.id)))
    assert accepted.status_code == 303
    assert _new_experience(db_session).organisation_id == organisation.id


def test_the_edit_form_is_filled_with_the_write_up_and_its_version(
        client, login_as, file_experience, text_of):
    author = login_as("contributeur")
    experience = file_experience(author, funders=["État", "Mécénat local"],
                                 links=["https://a.example.org", "https://b.example.org"])
    page = text_of(client.get(f"/experiences/{experience.id}/modifier"))
    assert 'value="Des tablettes dans les écoles de Guéret"' in page
    version = experience.version
    assert re.search(rf'name="version"[^>]*value="{version}"|value="{version}"[^>]*name="version"',
                     page)
    assert "Mécénat local" in page
    assert "https://a.example.org\nhttps://b.example.org" in page
    assert re.search(r'id="start"[^>]*value="2019-09"', page)
    assert re.search(r'checked[^>]*value="État"|value="État"[^>]*checked', page)


def test_saving_an_edit_comes_back_to_the_page_with_a_message(
        client, login_as, file_experience, encode_form, experience_data, text_of):
    author = login_as("contributeur")
    experience = file_experience(author)
    data = encode_form(experience_data(title="Titre revu"), version=experience.version,
                       base_revision=1)
    response = client.post(f"/experiences/{experience.id}/modifier", data=data,
                           follow_redirects=True)
    assert "Vos modifications sont enregistrées." in text_of(response)
    assert "<h1 id=\"titre-fiche\">Titre revu</h1>" in text_of(response)
    unchanged = client.post(f"/experiences/{experience.id}/modifier", data=data | {
        "version": experience.version}, follow_redirects=True)
    assert "Aucune modification à enregistrer" in text_of(unchanged)


def test_the_preview_renders_sanitised_markdown(client, login_as):
    login_as("contributeur")
    response = client.post("/experiences/apercu", data={
        "text": "**Gras** <script>alert(1)</script> [lien](javascript:alert(2))\n\n# Titre"})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<strong>Gras</strong>" in html and "<h3>Titre</h3>" in html
    assert "<script" not in html and "javascript:" not in html


def test_the_preview_is_for_signed_in_people(client):
    response = client.post("/experiences/apercu", data={"text": "x"})
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_the_preview_accepts_the_csrf_token_in_a_header(csrf_app, create_user, db_session):
    client = csrf_app.test_client()
    user = create_user()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
    page = client.get("/experiences/nouvelle").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/experiences/apercu", data={"text": "*a*"}).status_code == 400
    ok = client.post("/experiences/apercu", data={"text": "*a*"},
                     headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and ok.get_json()["html"] == "<p><em>a</em></p>"
