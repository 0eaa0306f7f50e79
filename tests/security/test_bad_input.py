"""Bad input everywhere — over-long fields, wrong types, invalid dates, negative numbers, unknown
codes, files where text is expected, huge ids, 10 kB query strings, invalid UTF-8, NUL
characters, huge bodies, malformed imports: a clear French message or 400/404/413, never a 500,
never a partial write."""

from __future__ import annotations

import html
import io
import json
import re

import pytest

VALID = {"title": "Des tablettes à Guéret", "summary": "Six écoles équipées.",
         "territory_code": "C23096", "themes": ["equipement"], "evidence": "aucune"}
HUGE = "99999999999999999999999"

# (what is wrong, fields changed, a French message the form must show)
WRITE_UP_CASES = [
    ("title too long", {"title": "t" * 201}, "Le titre ne doit pas dépasser 200 caractères"),
    ("no title", {"title": "   "}, "Indiquez le titre de la fiche."),
    ("summary too long", {"summary": "r" * 601}, "Le résumé ne doit pas dépasser 600"),
    ("context too long", {"context": "c" * 50_001}, "Le contexte ne doit pas dépasser"),
    ("partners too long", {"partners": "p" * 50_001}, "La liste des partenaires ne doit pas"),
    ("results too long", {"results": "r" * 50_001}, "Le texte des résultats ne doit pas"),
    ("contact too long", {"contact_name": "n" * 201}, "Le nom ne doit pas dépasser 200"),
    ("bad email", {"contact_email": "pas-une-adresse"}, "Indiquez une adresse électronique"),
    ("long email", {"contact_email": "a" * 250 + "@b.fr"}, "Indiquez une adresse électronique"),
    ("negative budget", {"budget_eur": "-5"}, "Indiquez un nombre positif ou nul."),
    ("decimal pupils", {"pupils": "1,5"}, "Indiquez un nombre entier"),
    ("letters", {"teachers": "douze"}, "Indiquez un nombre entier"),
    ("superscript digit", {"schools": "²"}, "Indiquez un nombre entier"),
    ("exponent", {"budget_eur": "1e9"}, "Indiquez un nombre entier"),
    ("huge budget", {"budget_eur": "9" * 40}, "Ce nombre est trop grand."),
    ("huge count", {"pupils": "3000000000"}, "Ce nombre est trop grand."),
    ("month 13", {"start": "2023-13"}, "Indiquez un mois au format AAAA-MM"),
    ("year 0000", {"start": "0000-01"}, "Indiquez un mois au format AAAA-MM"),
    ("not a month", {"end": "bientôt"}, "Indiquez un mois au format AAAA-MM"),
    ("end before start", {"start": "2023-09", "end": "2022-01"}, "ne peut pas précéder"),
    ("unknown theme", {"themes": ["inconnu"]}, "Valeur inconnue : « inconnu »"),
    ("no theme", {"themes": []}, "Choisissez au moins un thème."),
    ("twice a theme", {"themes": ["equipement", "equipement"]}, "cochée deux fois"),
    ("unknown level", {"levels": ["universite"]}, "Valeur inconnue"),
    ("unknown state", {"project_state": "fini"}, "Choisissez l'état du projet"),
    ("unknown evidence", {"evidence": "rumeur"}, "Choisissez le type d'évaluation"),
    ("unknown territory", {"territory_code": "C99999"}, "ne désigne pas un territoire unique"),
    ("javascript link", {"links": "javascript:alert(1)"}, "n'est pas une adresse web"),
    ("bracket link", {"links": "http://[::1"}, "n'est pas une adresse web"),
    ("long link", {"links": "https://a.fr/" + "x" * 500}, "le lien dépasse 500 caractères"),
    ("21 links", {"links": "\n".join(f"https://a.fr/{i}" for i in range(21))}, "au plus 20"),
    ("long funder", {"other_funders": "f" * 201}, "Chaque financeur tient en une ligne"),
    ("cofiler superscript id", {"cofilers-0-organisation_id": "²"}, "introuvable"),
    ("cofiler huge id", {"cofilers-0-organisation_id": HUGE}, "introuvable"),
    ("cofiler letters", {"cofilers-0-organisation_id": "abc"}, "introuvable"),
    ("long cofiler role", {"cofilers-0-role": "r" * 201}, "200 caractères au plus."),
]


def french(response) -> str:
    """The page's text, entities decoded and French no-break spaces made plain."""
    text = html.unescape(response.get_data(as_text=True))
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def field_errors(response) -> list[str]:
    return re.findall(r'fr-message--error">([^<]+)<', french(response))


def test_a_refused_write_up_names_the_fault_in_french_and_writes_nothing(
        client, login_as, create_organisation, table_counts):
    """One case at a time, each alone wrong in an otherwise valid write-up."""
    login_as("contributeur")
    cofiler = create_organisation(name="Co-déposante")
    before = table_counts()
    for case, change, message in WRITE_UP_CASES:
        data = {**VALID, "cofilers-0-organisation_id": str(cofiler.id), **change}
        response = client.post("/experiences/nouvelle", data=data)
        assert response.status_code == 422, case
        assert message in french(response), (case, field_errors(response))
        assert all(_is_french(error) for error in field_errors(response)), case
    assert table_counts() == before


def _is_french(message: str) -> bool:
    """No Python or WTForms English leaking into a field's message."""
    return not re.search(r"\b(invalid|literal|Not a valid|This field|must be)\b", message)


def test_the_valid_write_up_of_these_cases_is_accepted(client, login_as, table_counts):
    login_as("contributeur")
    before = table_counts()
    assert client.post("/experiences/nouvelle", data=VALID).status_code == 303
    assert table_counts()["experience"] == before["experience"] + 1


def test_staff_filing_for_an_unreadable_organisation_id_is_refused(client, login_as):
    login_as("moderateur")
    for raw in ("²", HUGE, "abc", "-1"):
        response = client.post("/experiences/nouvelle", data={**VALID, "organisation_id": raw})
        assert response.status_code == 422, raw
        assert "Organisation introuvable" in french(response)  # never filed for another one


def test_an_edit_with_an_unreadable_version_is_a_conflict_not_a_crash(
        client, login_as, create_experience, db_session):
    user = login_as("contributeur")
    experience = create_experience(organisation=user.organisation)
    for version in ("²", HUGE, "-3"):
        response = client.post(f"/experiences/{experience.id}/modifier",
                               data={**VALID, "version": version, "base_revision": version})
        assert response.status_code in (409, 422), version


OTHER_FORM_CASES = [
    ("/experiences/{id}/suivis", {"follow_up-entry_date": "2023-02-30", "follow_up-body": "x"},
     422, "N'est pas une date valide."),
    ("/experiences/{id}/suivis", {"follow_up-entry_date": "2999-01-01", "follow_up-body": "x"},
     422, "La date ne peut pas être dans le futur."),
    ("/experiences/{id}/suivis", {"follow_up-entry_date": "2023-01-01",
                                  "follow_up-body": "b" * 20_001}, 422, "ne doit pas dépasser"),
    ("/experiences/{id}/suivis", {"follow_up-entry_date": "2023-01-01", "follow_up-body": "x",
                                  "follow_up-title": "t" * 201}, 422, "200 caractères"),
    ("/experiences/{id}/signaler", {"kind": "spam", "comment": "x"}, 400,
     "Choisissez le motif du signalement."),
    ("/experiences/{id}/signaler", {"kind": "erreur", "comment": "c" * 2001}, 400,
     "2000 caractères au plus."),
    ("/experiences/{id}/label", {"justification": "j" * 2001}, 400, "2000 caractères au plus."),
    ("/experiences/{id}/nous-l-avons-fait-aussi", {"replica_id": HUGE}, 400,
     "Choisissez l'une des fiches publiées de votre organisation."),
    ("/compte", {"name": "n" * 201}, 422, "200 caractères au plus."),
    ("/admin/organisations/nouvelle", {"name": "Commune", "kind": "planete"}, 422,
     "Choisissez le type de l'organisation."),
    ("/admin/organisations/nouvelle", {"name": "Commune", "kind": "commune",
                                       "website": "https://a.fr/" + "w" * 500}, 422,
     "L'adresse ne doit pas dépasser 500 caractères."),
    ("/admin/organisations/nouvelle", {"name": "Commune", "kind": "commune",
                                       "territory_code": "Atlantide"}, 422,
     "Territoire introuvable"),
    ("/admin/organisations/nouvelle", {"name": "n" * 201, "kind": "commune"}, 422,
     "200 caractères au plus."),
    ("/admin/comptes/{user}", {"role": "contributeur", "organisation_id": "²"}, 422,
     "Organisation introuvable"),
    ("/admin/comptes/{user}", {"role": "contributeur", "organisation_id": ""}, 422,
     "Un contributeur doit être rattaché à une organisation."),
    ("/admin/comptes/{user}", {"role": "empereur", "organisation_id": ""}, 422,
     "Choisissez un rôle dans la liste."),
    ("/admin/vocabulaires/theme", {"theme-label_equipement": "e" * 201}, 422,
     "200 caractères au plus."),
]


def test_other_forms_refuse_bad_input_in_french(client, login_as, create_experience, create_user,
                                               table_counts):
    """Follow-up, report, label, replication, own account, the admin's forms (as an admin,
    who may use them all)."""
    login_as("admin")
    experience = create_experience()
    target = create_user()
    before = table_counts()
    for url, data, status, message in OTHER_FORM_CASES:
        response = client.post(url.format(id=experience.id, user=target.id), data=data)
        assert response.status_code == status, url
        assert message in french(response), (url, data.keys(), field_errors(response))
        assert all(_is_french(error) for error in field_errors(response)), url
    assert table_counts() == before


REGISTRATION_CASES = [
    ({"name": "n" * 201}, "200 caractères au plus."),
    ({"email": "pas-une-adresse"}, "Indiquez une adresse électronique valide"),
    ({"password": "court", "confirm": "court"}, "au moins 12 caractères"),
    ({"confirm": "autre chose entièrement"}, "ne sont pas identiques"),
    ({"requested_role": "admin"}, "N'est pas un choix valide."),
    ({"organisation_choice": "existante", "organisation_id": "²"}, "Organisation introuvable"),
    ({"organisation_choice": "existante", "organisation_id": HUGE}, "Organisation introuvable"),
    ({"organisation_choice": "existante", "organisation_id": ""},
     "Tapez le nom de votre organisation"),
    ({"new_organisation_name": "o" * 201}, "200 caractères au plus."),
    ({"new_organisation_kind": "planete"}, "Choisissez le type de votre organisation."),
    ({"new_organisation_territory": "Atlantide"}, "Territoire introuvable"),
    ({"message": "m" * 2001}, "2 000 caractères au plus."),
]


def test_a_refused_registration_says_why_and_creates_nothing(client, hostile, table_counts):
    before = table_counts()
    for data, message in REGISTRATION_CASES:
        request = {"name": "Marie Durand", "email": "marie@gueret.example.fr",
                   "password": hostile.PASSWORD, "confirm": hostile.PASSWORD,
                   "organisation_choice": "nouvelle", "new_organisation_name": "Ville de Guéret",
                   "new_organisation_kind": "commune", "requested_role": "contributeur", **data}
        response = client.post("/inscription", data=request)
        assert response.status_code == 422, data
        assert message in french(response), (data, field_errors(response))
    assert table_counts() == before


# --------------------------------------------------------------------------- URLs


def test_ids_too_large_for_the_database_are_404_on_every_route(app, login_as, routes):
    """``<int:…>`` arguments beyond the database's integer (which used to crash the query)."""
    client = app.test_client()
    login_as("admin", test_client=client)
    checked = 0
    for method in ("GET", "POST"):
        for rule in routes.rules(method):
            if not any(name in rule.arguments for name in (
                    "experience_id", "user_id", "organisation_id", "report_id", "number")):
                continue
            url = routes.url(rule, {"experience_id": 1, "user_id": 1, "organisation_id": 1,
                                    "report_id": 1, "number": 1, "slug": "x",
                                    "attachment_id": 1, "file_name": "x.pdf"})
            huge = url.replace("/1", f"/{HUGE}")
            assert client.open(huge, method=method).status_code == 404, (method, huge)
            checked += 1
    assert checked >= 25


def test_odd_page_numbers_fall_back_to_a_page(client, create_experience):
    experience = create_experience()
    for query in ("page=%C2%B2", f"page={HUGE}", "page=-4", "page=abc"):
        for url in (f"/organisations/{experience.organisation_id}", "/territoires/C23096",
                    "/recherche", "/admin/organisations"):
            assert client.get(f"{url}?{query}").status_code in (200, 302), (url, query)


def test_odd_revision_numbers_show_the_history_without_comparison(client, login_as,
                                                                  create_experience):
    login_as("admin")
    experience = create_experience()
    for query in (f"de={HUGE}&a=1", "de=%C2%B2&a=1", "de=-1&a=abc"):
        response = client.get(f"/experiences/{experience.id}/historique?{query}")
        assert response.status_code == 200, query


def test_ten_kilobyte_query_strings_and_invalid_utf8_never_crash(app, login_as, get_urls):
    """Every GET route, as an admin, with a 10 kB query string (repeated parameters of every
    name a page reads) and with bytes that are not UTF-8 (``%FF``, ``%C3%28``)."""
    client = app.test_client()
    login_as("admin", test_client=client)
    names = ("q", "page", "tri", "theme", "equipement", "niveau", "territoire", "organisation",
             "region", "departement", "annee", "per_page", "kind", "de", "a", "next", "types",
             "themes", "niveaux", "territoire_search")
    long_query = "&".join(f"{name}={'é' * 40}%FF" for name in names) * 13
    assert len(long_query) >= 10_000
    odd_bytes = "&".join(f"{name}=%FF%FE%C3%28" for name in names)
    for url in get_urls:
        for query in (long_query, odd_bytes):
            response = client.get(f"{url}?{query}")
            assert response.status_code < 500, (url, response.status_code)
            response.close()


def test_a_long_search_is_shortened_with_a_french_notice(client):
    page = french(client.get("/recherche?q=" + "numérique " * 1000))
    assert "Votre recherche a été raccourcie" in page


def test_invalid_utf8_in_every_form_body_never_crashes(app, login_as, routes, sample_values,
                                                      table_counts):
    """Every POST route, as an admin, with form fields whose bytes are not UTF-8."""
    client = app.test_client()
    login_as("admin", test_client=client)
    fields = ("title", "summary", "context", "name", "email", "password", "comment", "body",
              "justification", "kind", "role", "organisation_id", "territory_code", "text",
              "replica_id", "target_id", "follow_up-body", "follow_up-entry_date")
    body = "&".join(f"{name}=%FF%FE%C3%28abc" for name in fields)
    for rule in routes.rules("POST"):
        if rule.endpoint in ("accounts.logout",):
            continue
        url = routes.url(rule, sample_values)
        response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (url, response.status_code)
    assert table_counts()["experience"] == 1  # no write-up was created from garbage


@pytest.mark.parametrize("where", ["path", "form"])
def test_a_nul_character_is_refused_in_french(app, login_as, where, table_counts):
    client = app.test_client()
    login_as("contributeur", test_client=client)
    before = table_counts()
    if where == "path":
        response = client.get("/territoires/C23%00096")
    else:
        response = client.post("/experiences/nouvelle", data={**VALID, "title": "a\x00b"})
    assert response.status_code == 400
    assert "caractère nul" in french(response)
    assert table_counts() == before


def test_a_nul_character_in_a_query_string_is_dropped(app, login_as):
    """On PostgreSQL these used to crash the territory, comparable-projects and admin pages."""
    client = app.test_client()
    login_as("admin", test_client=client)
    for url in ("/recherche?q=tab%00lettes&territoire=C%00", "/comparables?territoire=C23%00096",
                "/admin/comptes?q=%00", "/admin/organisations?q=a%00",
                "/api/v1/territoires?q=gu%00e", "/api/v1/experiences?q=%00"):
        assert client.get(url).status_code == 200, url
    assert "Guéret" in french(client.get("/comparables?territoire=C23%00096"))


def test_a_file_sent_to_a_form_is_refused_in_french(client, login_as, table_counts):
    login_as("contributeur")
    before = table_counts()
    for field in ("title", "budget_eur", "links", "territory_code", "contact_email"):
        data = {**VALID, field: (io.BytesIO(b"contenu"), "fichier.txt")}
        response = client.post("/experiences/nouvelle", data=data,
                               content_type="multipart/form-data")
        assert response.status_code == 400, field
        assert "aucun fichier joint" in french(response)
    for url in ("/compte", "/experiences/apercu", "/connexion"):
        response = client.post(url, data={"name": (io.BytesIO(b"x"), "x.txt")},
                               content_type="multipart/form-data")
        assert response.status_code == 400, url
    assert table_counts() == before


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_a_huge_body_gets_413_in_french(client, login_as, content_type):
    login_as("contributeur")
    for url in ("/experiences/nouvelle", "/connexion", "/inscription"):
        response = client.post(url, data=b"x" * (16 * 1024 * 1024 + 1),
                               content_type=content_type)
        assert response.status_code == 413, url
        assert "Le contenu envoyé dépasse la taille autorisée." in french(response)


def test_an_oversized_field_is_refused_and_writes_nothing(client, login_as, table_counts):
    """A multipart field beyond what a form may hold in memory (Flask's
    ``MAX_FORM_MEMORY_SIZE``) is 413; a url-encoded one reaches the form, which refuses it."""
    login_as("contributeur")
    before = table_counts()
    multipart = client.post("/experiences/nouvelle", data={**VALID, "context": "é" * 600_000},
                            content_type="multipart/form-data")
    assert multipart.status_code == 413
    urlencoded = client.post("/experiences/nouvelle", data={**VALID, "context": "é" * 600_000})
    assert urlencoded.status_code == 422
    assert "Le contexte ne doit pas dépasser 50000 caractères." in french(urlencoded)
    assert table_counts() == before


def test_the_api_refuses_bad_parameters_in_french_json(client):
    for query, parameter in (("tri=hasard", "tri"), ("page=0", "page"), ("per_page=1000",
                             "per_page"), ("theme=inconnu", "theme"), ("annee=3000", "annee")):
        response = client.get(f"/api/v1/experiences?{query}")
        assert response.status_code == 400, query
        body = response.get_json()
        assert body["parameter"] == parameter and body["status"] == 400
    assert client.get("/api/v1/territoires?q=ab&kind=planete").status_code == 400


# --------------------------------------------------------------------------- imports

GOOD = {"title": "T", "summary": "S", "territory": {"code": "C23096"},
        "organisation": {"name": "O", "kind": "commune"}, "themes": ["equipement"]}
CSV_HEADER = b"title,themes,organisation_name,territory_code\n"
IMPORT_CASES = {
    "empty.json": (b"", "doit contenir un tableau"),
    "object.json": (b'{"title": "x"}', "doit contenir un tableau"),
    "truncated.json": (b'[{"title": "x", ', "JSON mal formé"),
    "trailing.json": (json.dumps([GOOD]).encode() + b" ]", "JSON mal formé"),
    "single-quotes.json": (b"[{'title': 'x'}]", "JSON mal formé"),
    "deep.json": (b"[" * 50_000 + b"]" * 50_000, "imbrication trop profonde"),
    "long-number.json": (b'[{"pupils": ' + b"9" * 5000 + b"}]", "nombre trop long"),
    "scalars.json": (b'[1, "x", null]', "L'enregistrement doit être un objet JSON."),
    "types.json": (json.dumps([{**GOOD, "title": 5, "themes": "equipement;x", "state": 3,
                                "start": 202001, "funders": [1], "links": "javascript:x",
                                "label": 7}]).encode(), "Le titre doit être un texte."),
    "negative.json": (json.dumps([{**GOOD, "pupils": -3}]).encode(), "entier positif ou nul"),
    "nan.json": (b'[{"title": "T", "budget_eur": NaN, "themes": ["equipement"]}]',
                 "Le budget doit être un nombre positif ou nul."),
    "dates.json": (json.dumps([{**GOOD, "start": "2023-13", "end": "0000-01",
                                "published_at": "hier"}]).encode(),
                   "La date de début doit être au format AAAA-MM."),
    "codes.json": (json.dumps([{**GOOD, "themes": ["inconnu"], "evidence": "rumeur",
                                "territory": "C99999"}]).encode(), "est inconnu"),
    "too-long.json": (json.dumps([{**GOOD, "title": "t" * 201}]).encode(),
                      "Le titre dépasse 200 caractères."),
    "nul-escape.json": (json.dumps([{**GOOD, "context": "a\u0000b"}]).encode(),
                        "caractère nul"),
    "surrogate.json": (json.dumps([{**GOOD, "title": "\ud800"}]).encode(), "demi-caractère"),
    "one-bad-of-two.json": (json.dumps([GOOD, {**GOOD, "themes": []}]).encode(),
                            "Aucune fiche importée : 1 enregistrement refusé sur 2."),
    "latin1.csv": (CSV_HEADER + "École,equipement,O,C23096\n".encode("latin-1"),
                   "n'est pas encodé en UTF-8"),
    "nul.csv": (CSV_HEADER + b"A\x00,equipement,O,C23096\n", "caractères nuls"),
    "header.csv": (b"foo,bar\n1,2\n", "En-tête CSV incomplet"),
    "ragged.csv": (CSV_HEADER + b"A,equipement,O,C23096,x,y\n", "cellules pour 4 colonnes"),
    "open-quote.csv": (CSV_HEADER + b'"A,equipement,O,C23096\n', "refusé"),
}


def test_a_malformed_import_is_refused_in_french_and_writes_nothing(runner, tmp_path,
                                                                   table_counts):
    before = table_counts()
    for name, (data, message) in IMPORT_CASES.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(args=["import", str(path)])
        assert result.exit_code == 1, (name, result.output)
        assert message in result.output, (name, result.output)
        assert "Traceback" not in result.output, name
        assert result.exception is None or isinstance(result.exception, SystemExit), name
        assert table_counts() == before, name
