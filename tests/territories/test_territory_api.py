"""``GET /api/v1/territoires``: the territory autocomplete."""

KEYS = {"code", "name", "kind", "departement", "region", "population", "label"}


def test_autocomplete_returns_territory_objects(client):
    response = client.get("/api/v1/territoires?q=gueret")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    results = response.get_json()
    assert results[0] == {
        "code": "C23096", "name": "Guéret", "kind": "commune", "departement": "23",
        "region": "75", "population": results[0]["population"], "label": "Guéret (23)",
    }
    assert all(set(item) == KEYS for item in results)


def test_autocomplete_gives_at_most_twenty_results(client):
    assert len(client.get("/api/v1/territoires?q=saint").get_json()) == 20


def test_autocomplete_needs_two_characters(client):
    for url in ("/api/v1/territoires", "/api/v1/territoires?q=", "/api/v1/territoires?q=g"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.get_json() == []


def test_autocomplete_filters_by_kind(client):
    results = client.get("/api/v1/territoires?q=creuse&kind=departement").get_json()
    assert [item["code"] for item in results] == ["D23"]
    results = client.get("/api/v1/territoires?q=gueret&kind=commune,epci").get_json()
    assert {item["kind"] for item in results} == {"commune", "epci"}


def test_autocomplete_refuses_an_unknown_kind(client):
    response = client.get("/api/v1/territoires?q=creuse&kind=canton")
    assert response.status_code == 400
    assert "canton" in response.get_json()["message"]


def test_autocomplete_puts_the_epci_named_after_the_query_before_small_communes(client):
    labels = [item["label"] for item in client.get("/api/v1/territoires?q=Limo").get_json()]
    assert labels[:2] == ["Limoges (87)", "CU Limoges Métropole"]
    assert labels.index("CU Limoges Métropole") < labels.index("Limousis (11)")
