"""A fuzz run with Hypothesis over the forms (write-up, sign-in, registration, follow-up,
report), the search page and the API: whatever the fields hold — hostile text, huge or odd
numbers, dates that are not, repeated or missing fields, NUL, control and astral characters —
the answer is never a 5xx, and a refused write-up writes nothing.

Deterministic (``derandomize``: the same examples on every run, no example database); the
number of examples per target is in ``EXAMPLES`` and reported in ``docs/reliability.md``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = {"write-up": 400, "sign-in": 150, "registration": 200, "follow-up and report": 150,
            "search page": 250, "search API": 250, "other API and feed": 150}

INTERESTING = [
    "", " ", "²", "١٢", "-1", "0", "00", "1e9", "1,5", "9" * 30, "2023-13", "0000-01", "2023-02",
    "09/2019", "2023-02-30", "C23096", "D23", "R75", "E200000172", "C99999", "equipement",
    "tablettes", "elementaire", "rural", "termine", "enquete", "publiee", "pertinence", "date",
    "budget", "\x00", "\u202f", "\ud7ff", "😀", "<script>alert(1)</script>", "javascript:alert(1)",
    "[x](javascript:alert(1))", "' OR 1=1 --", "%FF", "../../etc/passwd", "{{7*7}}", "é" * 300,
    "a" * 601, "https://a.fr/" + "x" * 600, "http://[::1", "\n" * 50, "NaN", "true", "null",
]
TEXT = st.one_of(
    st.sampled_from(INTERESTING),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=150, max_size=700),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.from_regex(r"-?[0-9]{1,6}-[0-9]{1,3}", fullmatch=True),
)
VALUE = st.one_of(TEXT, st.lists(TEXT, min_size=2, max_size=3))
FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

WRITE_UP_FIELDS = [
    "title", "summary", "context", "actions", "results", "lessons", "territory_code",
    "territory_code_search", "territory_types", "levels", "themes", "equipment",
    "project_state", "start", "end", "budget_eur", "funders", "other_funders", "schools",
    "pupils", "teachers", "partners", "links", "evidence", "contact_name", "contact_role",
    "contact_email", "cofilers-0-organisation_id", "cofilers-0-role",
    "cofilers-11-organisation_id", "cofilers-99-role", "organisation_id", "version",
]
SEARCH_PARAMETERS = ["q", "theme", "equipement", "niveau", "territoire", "organisation",
                     "region", "departement", "annee", "tri", "page", "per_page"]
VALID = {"title": "Des tablettes", "summary": "Six écoles.", "territory_code": "C23096",
         "themes": "equipement"}


def form(fields: list[str], base: dict | None = None):
    """A form body: some of ``fields`` with fuzzed values, over ``base``."""
    return st.dictionaries(st.sampled_from(fields), VALUE, max_size=len(fields)).map(
        lambda fuzzed: {**(base or {}), **fuzzed})


def no_server_error(response, what) -> None:
    assert response.status_code < 500, (what, response.status_code)
    response.close()


@pytest.fixture
def contributor_client(app, login_as):
    client = app.test_client()
    login_as("contributeur", test_client=client)
    return client


def test_fuzzing_the_write_up_form_finds_no_500_and_no_partial_write(
        contributor_client, table_counts):
    seen = {"created": 0, "refused": 0}

    @settings(FUZZ, max_examples=EXAMPLES["write-up"])
    @given(data=st.one_of(form(WRITE_UP_FIELDS, VALID), form(WRITE_UP_FIELDS)))
    def post(data):
        before = table_counts()
        response = contributor_client.post("/experiences/nouvelle", data=data)
        no_server_error(response, data)
        after = table_counts()
        if response.status_code == 303:
            seen["created"] += 1
            assert after["experience"] == before["experience"] + 1
            assert after["revision"] == before["revision"] + 1
        else:
            seen["refused"] += 1
            assert after == before, data

    post()
    assert seen["created"] > 0 and seen["refused"] > 0


def test_fuzzing_sign_in_and_registration_finds_no_500(app, table_counts):
    client = app.test_client()
    addresses = iter(range(10**6))

    @settings(FUZZ, max_examples=EXAMPLES["sign-in"])
    @given(data=form(["email", "password", "next"]))
    def sign_in(data):
        address = f"10.{next(addresses) % 250}.0.1"  # the sign-in limit is not under test here
        no_server_error(client.post("/connexion", data=data,
                                    environ_base={"REMOTE_ADDR": address}), data)

    @settings(FUZZ, max_examples=EXAMPLES["registration"])
    @given(data=form(["name", "email", "password", "confirm", "organisation_choice",
                      "organisation_id", "new_organisation_name", "new_organisation_kind",
                      "new_organisation_territory", "new_organisation_territory_search",
                      "requested_role", "message"]))
    def register(data):
        no_server_error(client.post("/inscription", data=data), data)

    sign_in()
    register()


def test_fuzzing_follow_ups_and_reports_finds_no_500(app, login_as, create_experience):
    client = app.test_client()
    user = login_as("contributeur", test_client=client)
    own = create_experience(organisation=user.organisation)
    other = create_experience()

    @settings(FUZZ, max_examples=EXAMPLES["follow-up and report"])
    @given(follow_up=form(["follow_up-entry_date", "follow_up-title", "follow_up-body"]),
           report=form(["kind", "comment"]))
    def post(follow_up, report):
        no_server_error(client.post(f"/experiences/{own.id}/suivis", data=follow_up), follow_up)
        no_server_error(client.post(f"/experiences/{other.id}/signaler", data=report), report)

    post()


def test_fuzzing_the_search_page_and_the_api_finds_no_500(client, create_experience):
    for title in ("Des tablettes à Guéret", "Un ENT pour les collèges de la Creuse"):
        create_experience(title=title)

    @settings(FUZZ, max_examples=EXAMPLES["search page"])
    @given(query=st.lists(st.tuples(st.sampled_from(SEARCH_PARAMETERS), TEXT), max_size=8))
    def search_page(query):
        no_server_error(client.get("/recherche", query_string=query), query)

    @settings(FUZZ, max_examples=EXAMPLES["search API"])
    @given(query=st.lists(st.tuples(st.sampled_from(SEARCH_PARAMETERS), TEXT), max_size=8))
    def search_api(query):
        response = client.get("/api/v1/experiences", query_string=query)
        no_server_error(response, query)

    @settings(FUZZ, max_examples=EXAMPLES["other API and feed"])
    @given(query=st.lists(st.tuples(st.sampled_from(["q", "kind", *SEARCH_PARAMETERS]), TEXT),
                          max_size=6),
           target=st.sampled_from(["/api/v1/territoires", "/flux.atom", "/export.json",
                                   "/comparables", "/tableau-de-bord"]))
    def other(query, target):
        no_server_error(client.get(target, query_string=query), (target, query))

    search_page()
    search_api()
    other()
