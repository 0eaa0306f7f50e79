"""``/api/v1/openapi.json``: a valid OpenAPI 3.1 description of every API path, and the API
checked against it by a property-based run (Hypothesis draws requests from the description:
valid codes, out-of-range numbers, junk text) — no request gets a 5xx, every status is a
documented one and every JSON body matches its documented schema."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

from kb.experiences.vocabularies import BY_NAME
from kb.opendata.records import RECORD_KEYS
from kb.search.params import MAX_PER_PAGE, SORTS
from kb.search.schema import FACETS

DOCUMENTED_PATHS = {
    "/api/v1/experiences", "/api/v1/experiences/{id}", "/api/v1/territoires",
    "/api/v1/organisations",
    "/api/v1/openapi.json", "/export.json", "/export.csv", "/flux.atom", "/healthz",
}
# Derandomized runs draw the same requests every time (no flaky CI); raise this to explore.
EXAMPLES_PER_OPERATION = 100
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
QUERY_WORDS = st.sampled_from([
    "tablettes", "ENT", "écoles", '"robots', "(Creuse", "AND", "OR NOT", "title:x", "*",
    "tablet~", "Guéret", "x" * 600, "%", "'", "\\", "\x00", "💡",
])


@pytest.fixture
def spec(client, corpus) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def resolve(spec: dict, item: dict) -> dict:
    """Follow a local ``$ref`` (``#/components/…``)."""
    while "$ref" in item:
        node = spec
        for part in item["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        item = node
    return item


def schema_validator(spec: dict, schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": spec["components"]},
                                format_checker=FormatChecker())


# --------------------------------------------------------------------------- the description


def test_description_is_valid_openapi_3_1(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["license"]["name"] == "Licence Ouverte Etalab 2.0"
    assert spec["servers"] == [{"url": "http://localhost", "description": "Ce service"}]


def test_every_api_path_of_the_application_is_described(app, spec):
    assert set(spec["paths"]) == DOCUMENTED_PATHS
    served = {re.sub(r"<(?:\w+:)?(\w+)>", "{id}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    assert served <= DOCUMENTED_PATHS


def test_search_parameters_list_the_vocabulary_codes(spec):
    parameters = {p["name"]: p for p in (resolve(spec, p) for p in
                                          spec["paths"]["/api/v1/experiences"]["get"]
                                          ["parameters"])}
    assert set(parameters) == {"q", *(f.name for f in FACETS), "tri", "page", "per_page"}
    for name, vocabulary in BY_NAME.items():
        assert parameters[name]["schema"]["items"]["enum"] == list(vocabulary.codes)
    assert "23" in parameters["departement"]["schema"]["items"]["enum"]
    assert "75" in parameters["region"]["schema"]["items"]["enum"]
    assert parameters["tri"]["schema"]["enum"] == list(SORTS)
    assert parameters["per_page"]["schema"]["maximum"] == MAX_PER_PAGE


def test_record_schema_lists_every_key_and_no_personal_data(spec):
    record = spec["components"]["schemas"]["Record"]
    assert list(record["properties"]) == list(RECORD_KEYS)
    assert record["additionalProperties"] is False
    assert not any("contact" in key or "email" in key for key in record["properties"])


def test_served_records_match_the_record_schema(client, spec, corpus):
    record_schema = schema_validator(spec, {"$ref": "#/components/schemas/Record"})
    for experience in (corpus["tablettes"], corpus["ent"], corpus["robots"]):
        record_schema.validate(client.get(f"/api/v1/experiences/{experience.id}").get_json())
    export_schema = schema_validator(spec, {"type": "array",
                                            "items": {"$ref": "#/components/schemas/Record"}})
    export_schema.validate(client.get("/export.json").get_json())


def test_search_response_matches_its_schema(client, spec, corpus):
    validator = schema_validator(spec, {"$ref": "#/components/schemas/SearchResponse"})
    body = client.get("/api/v1/experiences?q=tablettes+creuse&theme=equipement").get_json()
    assert body["results"], "the search found the write-up"
    validator.validate(body)


# --------------------------------------------------------------------------- property-based run


def value_strategy(schema: dict, junk: bool):
    """Valid values of ``schema`` as query-string text; with ``junk``, sometimes anything."""
    if "enum" in schema:
        valid = st.sampled_from([str(value) for value in schema["enum"]])
    elif schema.get("type") == "integer":
        low, high = schema.get("minimum", -10), schema.get("maximum", 10**6)
        valid = st.integers(low - 2 * junk, high + 2 * junk).map(str)
    elif "pattern" in schema:
        valid = st.from_regex(schema["pattern"], fullmatch=True)
    else:
        valid = TEXT | QUERY_WORDS
    return st.one_of(valid, valid, TEXT) if junk else valid


def parameter_strategy(parameter: dict, junk: bool):
    """Pairs of one query parameter: none, one, or several (repeatable filters)."""
    schema = parameter["schema"]
    if schema.get("type") == "array":
        values = st.lists(value_strategy(schema["items"], junk), max_size=3)
    else:
        values = st.lists(value_strategy(schema, junk), max_size=1)
    return values.map(lambda found: [(parameter["name"], value) for value in found])


def query_strategy(parameters: list[dict], junk: bool):
    groups = [parameter_strategy(p, junk) for p in parameters if p["in"] == "query"]
    if not groups:
        return st.just([])
    return st.tuples(*groups).map(lambda found: [pair for group in found for pair in group])


def request_strategy(spec: dict, path: str, known_ids: list[int]):
    """URLs of GET requests on ``path`` drawn from its described parameters: three in four
    within the description, the others with junk values."""
    parameters = [resolve(spec, p) for p in spec["paths"][path]["get"].get("parameters", [])]
    valid, junk = query_strategy(parameters, False), query_strategy(parameters, True)
    ids = st.sampled_from(known_ids) | st.integers(-3, 2**40)
    paths = ids.map(lambda i: path.replace("{id}", str(i))) if "{id}" in path else st.just(path)
    return st.tuples(paths, st.one_of(valid, valid, valid, junk)).map(
        lambda parts: parts[0] + ("?" + urlencode(parts[1]) if parts[1] else "")
    )


def check_response(spec: dict, path: str, url: str, response) -> None:
    """No server error; a documented status; a JSON body matching its schema."""
    assert response.status_code < 500, f"{url} → {response.status_code}"
    documented = spec["paths"][path]["get"]["responses"].get(str(response.status_code))
    assert documented is not None, f"{url} → undocumented {response.status_code}"
    content = resolve(spec, documented).get("content", {})
    if response.mimetype == "application/json" and "application/json" in content:
        schema = content["application/json"]["schema"]
        schema_validator(spec, schema).validate(response.get_json())
    else:
        assert response.mimetype in {media.split(";")[0] for media in content}, url


@pytest.mark.parametrize("path", sorted(DOCUMENTED_PATHS))
def test_generated_requests_never_fail_and_conform(client, spec, corpus, path):
    known_ids = [experience.id for experience in corpus.values()]

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(request_strategy(spec, path, known_ids))
    def run(url):
        check_response(spec, path, url, client.get(url))

    run()
