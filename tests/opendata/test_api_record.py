"""``GET /api/v1/experiences/<id>``: one published write-up as an open-data record, a JSON
404 for anything else, whoever asks."""

from __future__ import annotations

import pytest

from kb.opendata.records import RECORD_KEYS


def test_published_write_up_is_served_as_a_record(client, corpus):
    experience = corpus["tablettes"]
    response = client.get(f"/api/v1/experiences/{experience.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    record = response.get_json()
    assert list(record) == list(RECORD_KEYS)  # the documented order
    assert record["id"] == experience.id
    assert record["url"] == f"http://localhost/experiences/{experience.id}-tablettes"
    assert record["territory"] == {"code": "C23096", "name": "Guéret", "kind": "commune",
                                   "departement": "23", "region": "75",
                                   "population": record["territory"]["population"]}
    assert record["organisation"] == {"name": experience.organisation.name, "kind": "commune"}
    assert record["themes"] == ["equipement", "formation"]
    assert record["published_at"] == "2023-05-02T09:00:00Z"
    assert "Guéret" in response.get_data(as_text=True)  # accents as they are


def test_record_holds_no_personal_data(client, corpus, secrets_of):
    text = client.get(f"/api/v1/experiences/{corpus['tablettes'].id}").get_data(as_text=True)
    for secret in secrets_of:
        assert secret not in text


@pytest.mark.parametrize("state", ["brouillon", "soumise", "archivee"])
@pytest.mark.parametrize("role", [None, "moderateur", "admin"])
def test_unpublished_write_up_is_a_json_404_even_for_staff(client, corpus, login_as, state,
                                                           role):
    if role:
        login_as(role=role)
    response = client.get(f"/api/v1/experiences/{corpus[state].id}")
    assert response.status_code == 404
    body = response.get_json()
    assert body["status"] == 404 and body["error"] == "Page introuvable"
    assert corpus[state].title not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/api/v1/experiences/999999", "/api/v1/experiences/0",
    "/api/v1/experiences/99999999999999999999999", "/api/v1/experiences/abc",
    "/api/v1/experiences/-1",
])
def test_unknown_ids_are_json_404s(client, corpus, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_record_endpoint_refuses_other_methods(client, corpus):
    response = client.post(f"/api/v1/experiences/{corpus['ent'].id}")
    assert response.status_code == 405
