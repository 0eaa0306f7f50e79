"""The OpenAPI 3.1 description of the public API, exports, feed and health check.

Built from the definitions the code itself uses — vocabularies (enums), facets, sorts, the
record's keys and their documentation — so the description cannot drift from what is served.
The région and département codes come from the reference data.
"""

from __future__ import annotations

from kb.experiences.vocabularies import (
    BY_NAME,
    EVIDENCE_CODES,
    ORGANISATION,
    PROJECT_STATE_CODES,
)
from kb.opendata.fields import FIELDS_BY_NAME
from kb.opendata.records import RECORD_KEYS
from kb.search.params import MAX_PER_PAGE, SORTS
from kb.search.schema import FACETS
from kb.territories.models import TERRITORY_KINDS

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
TERM_FIELDS = {"territory_types": "territoire", "levels": "niveau", "themes": "theme",
               "equipment": "equipement"}
JSON = "application/json"
SEARCH_PARAMETERS = ("q", *(facet.name for facet in FACETS))


def ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def openapi_document(server_url: str, places: dict[str, list[str]]) -> dict:
    """The whole description; ``places`` holds the valid ``region``/``departement`` codes."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": _info(),
        "servers": [{"url": server_url, "description": "Ce service"}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "parameters": _parameters(places),
            "responses": _responses(),
        },
    }


def _info() -> dict:
    return {
        "title": "Base d'expériences du numérique éducatif — API et données ouvertes",
        "version": API_VERSION,
        "summary": "Les fiches d'expérience publiées des collectivités, en JSON, CSV et Atom.",
        "description": (
            "Recherche, fiches, exports et flux des fiches d'expérience publiées. Seules les "
            "fiches publiées sont servies ; aucune donnée personnelle (personne à contacter, "
            "comptes) n'y figure. Documentation : /donnees."
        ),
        "license": {"name": "Licence Ouverte Etalab 2.0", "url": LICENCE_URL},
    }


# --------------------------------------------------------------------------- schemas


def _schemas() -> dict:
    record = _record_schema()
    result = {**record, "properties": {**record["properties"], "snippet": {
        "type": ["string", "null"],
        "description": "Extrait HTML où seuls les mots trouvés sont balisés par <mark>.",
    }}, "required": [*record["required"], "snippet"]}
    return {
        "Territory": _territory_schema(),
        "Organisation": {
            "type": "object", "additionalProperties": False, "required": ["name", "kind"],
            "properties": {"name": {"type": "string"},
                           "kind": {"type": "string", "enum": list(ORGANISATION.codes)}},
        },
        "Record": record,
        "SearchResult": result,
        "FacetValue": _facet_value_schema(),
        "SearchResponse": _search_response_schema(),
        "TerritoryMatch": _territory_match_schema(),
        "OrganisationMatch": _organisation_match_schema(),
        "TerritorySuggestion": _territory_suggestion_schema(),
        "Error": _error_schema(),
        "Health": _health_schema(),
    }


def _territory_schema() -> dict:
    code = {"type": ["string", "null"]}
    return {
        "type": "object", "additionalProperties": False,
        "required": ["code", "name", "kind", "departement", "region", "population"],
        "properties": {
            "code": {"type": "string", "pattern": "^[RDEC][0-9A-Z]+$",
                     "description": ("R + région ou collectivité d'outre-mer (R978), "
                                     "D + département, E + SIREN, C + INSEE.")},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": list(TERRITORY_KINDS)},
            "departement": code, "region": code,
            "population": {"type": ["integer", "null"], "minimum": 0},
        },
    }


def _record_schema() -> dict:
    properties = {name: {**_record_property(name),
                         "description": FIELDS_BY_NAME[name].meaning}
                  for name in RECORD_KEYS}
    return {
        "type": "object", "additionalProperties": False, "required": list(RECORD_KEYS),
        "description": "Une fiche d'expérience publiée (format des données ouvertes).",
        "properties": properties,
    }


def _attachment_schema() -> dict:
    """One attachment in a record (issue 13): no personal data."""
    from kb.attachments.models import KINDS

    return {
        "type": "object", "additionalProperties": False,
        "required": ["title", "description", "type", "media_type", "size_bytes", "url",
                     "licence"],
        "properties": {
            "title": {"type": "string"}, "description": {"type": "string"},
            "type": {"type": "string", "enum": list(KINDS)},
            "media_type": {"type": "string"},
            "size_bytes": {"type": "integer", "minimum": 0},
            "url": {"type": "string"}, "licence": {"type": "string"},
        },
    }


def _record_property(name: str) -> dict:
    count = {"type": ["integer", "null"], "minimum": 0}
    month = {"type": ["string", "null"], "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}
    moment = {"type": ["string", "null"], "format": "date-time"}
    strings = {"type": "array", "items": {"type": "string"}}
    special = {
        "id": {"type": "integer", "minimum": 1},
        "url": {"type": ["string", "null"], "format": "uri"},
        "territory": ref("schemas", "Territory"),
        "organisation": ref("schemas", "Organisation"),
        "state": {"type": ["string", "null"], "enum": [*PROJECT_STATE_CODES, None]},
        "start": month, "end": month,
        "budget_eur": count, "schools": count, "pupils": count, "teachers": count,
        "attachments": {"type": "array", "items": _attachment_schema()},
        "funders": strings, "links": strings,
        "evidence": {"type": "string", "enum": list(EVIDENCE_CODES)},
        "label": {"type": ["string", "null"]},
        "replications": {"type": "integer", "minimum": 0},
        "published_at": moment, "updated_at": moment,
    }
    if name in TERM_FIELDS:
        codes = list(BY_NAME[TERM_FIELDS[name]].codes)
        return {"type": "array", "items": {"type": "string", "enum": codes}}
    return special.get(name, {"type": "string"})


def _facet_value_schema() -> dict:
    return {
        "type": "object", "additionalProperties": False,
        "required": ["code", "label", "count", "selected"],
        "properties": {"code": {"type": "string"}, "label": {"type": "string"},
                       "count": {"type": "integer", "minimum": 0},
                       "selected": {"type": "boolean"}},
    }


def _search_response_schema() -> dict:
    facet_list = {"type": "array", "items": ref("schemas", "FacetValue")}
    return {
        "type": "object",
        "required": ["total", "page", "per_page", "results", "facets", "suggestion",
                     "territory_suggestion", "notices"],
        "properties": {
            "total": {"type": "integer", "minimum": 0,
                      "description": "Nombre de fiches trouvées."},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "results": {"type": "array", "items": ref("schemas", "SearchResult")},
            "facets": {
                "type": "object", "additionalProperties": False,
                "description": "Pour chaque filtre, ses valeurs avec le nombre de fiches.",
                "properties": {facet.name: facet_list for facet in FACETS},
            },
            "suggestion": {
                "type": ["object", "null"], "required": ["q", "url"],
                "description": "« Essayez avec cette orthographe ».",
                "properties": {"q": {"type": "string"}, "url": {"type": "string"}},
            },
            "territory_suggestion": {"oneOf": [ref("schemas", "TerritorySuggestion"),
                                               {"type": "null"}]},
            "notices": {"type": "array", "items": {"type": "string"},
                        "description": "Avertissements en français (requête raccourcie…)."},
        },
    }


def _territory_match_schema() -> dict:
    base = _territory_schema()
    return {**base, "required": [*base["required"], "label"],
            "properties": {**base["properties"], "label": {"type": "string"}}}


def _organisation_match_schema() -> dict:
    return {
        "type": "object", "required": ["code", "label", "detail"],
        "properties": {
            "code": {"type": "string", "pattern": "^[0-9]+$",
                     "description": "Son identifiant (celui de /organisations/{id})."},
            "label": {"type": "string", "description": "Son nom."},
            "detail": {"type": "string", "description": "Son type et son territoire."},
        },
    }


def _territory_suggestion_schema() -> dict:
    base = _territory_match_schema()
    extra = {"parameter": {"type": "string", "enum": ["region", "departement"]},
             "value": {"type": "string"}, "text": {"type": "string"},
             "url": {"type": "string"}}
    return {**base, "required": [*base["required"], *extra],
            "properties": {**base["properties"], **extra},
            "description": "Un lieu cité dans « q », proposé comme filtre."}


def _error_schema() -> dict:
    return {
        "type": "object", "required": ["error", "message", "status"],
        "properties": {
            "error": {"type": "string"}, "message": {"type": "string",
                                                     "description": "Explication en français."},
            "status": {"type": "integer"},
            "parameter": {"type": "string", "description": "Le paramètre refusé."},
        },
    }


def _health_schema() -> dict:
    return {
        "type": "object", "required": ["status", "database"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded", "error"]},
            "database": {"type": "object"},
            "index": {"type": "object", "description": "État de l'index et retard (lag)."},
        },
    }


# --------------------------------------------------------------------------- parameters


def _parameters(places: dict[str, list[str]]) -> dict:
    parameters = {
        "q": _query("q", {"type": "string"},
                    "Mots cherchés (accents et majuscules indifférents, 500 caractères au plus)."),
        "tri": _query("tri", {"type": "string", "enum": list(SORTS), "default": "pertinence"},
                      "Ordre : pertinence, date (les plus récentes) ou budget."),
        "page": _query("page", {"type": "integer", "minimum": 1, "maximum": 100_000,
                                "default": 1}, "Numéro de page."),
        "per_page": _query("per_page", {"type": "integer", "minimum": 1,
                                        "maximum": MAX_PER_PAGE, "default": 20},
                           "Nombre de résultats par page."),
    }
    for facet in FACETS:
        parameters[facet.name] = _facet_parameter(facet.name, facet.label, places)
    return parameters


def _facet_parameter(name: str, label: str, places: dict[str, list[str]]) -> dict:
    if name in BY_NAME:
        item = {"type": "string", "enum": list(BY_NAME[name].codes)}
    elif name in places and places[name]:
        item = {"type": "string", "enum": sorted(places[name])}
    elif name == "annee":
        item = {"type": "string", "pattern": "^(19|20)[0-9]{2}$"}
    else:
        item = {"type": "string"}
    description = (f"Filtre « {label} » ; répétable (OU entre les valeurs d'un filtre, "
                   "ET entre filtres). Un code inconnu donne 400.")
    return {**_query(name, {"type": "array", "items": item}, description),
            "style": "form", "explode": True}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _parameter_refs(*names: str) -> list[dict]:
    return [ref("parameters", name) for name in names]


# --------------------------------------------------------------------------- paths


def _responses() -> dict:
    def error(description: str) -> dict:
        return {"description": description,
                "content": {JSON: {"schema": ref("schemas", "Error")}}}

    html = {"text/html": {"schema": {"type": "string"}}}
    return {
        "BadParameter": error("Paramètre refusé (code inconnu, valeur hors limites)."),
        "NotFound": error("Fiche inexistante ou non publiée."),
        "IndexUnavailable": error("Index de recherche momentanément indisponible."),
        "BadParameterPage": {"description": "Paramètre refusé (page d'erreur en français).",
                             "content": html},
        "BadParameterExport": {
            "description": "Paramètre refusé : JSON pour un code inconnu, page d'erreur pour "
                           "une adresse inutilisable (caractère nul…).",
            "content": {JSON: {"schema": ref("schemas", "Error")}, **html},
        },
        "IndexUnavailablePage": {"description": "Recherche plein texte indisponible (avec q).",
                                 "content": html},
    }


def _json_ok(description: str, schema: dict, **extra) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}, **extra}


def _attachment() -> dict:
    return {"Content-Disposition": {
        "description": 'attachment; filename="experiences-AAAA-MM-JJ.ext"',
        "schema": {"type": "string"},
    }}


def _paths() -> dict:
    return {
        "/api/v1/experiences": {"get": _search_operation()},
        "/api/v1/experiences/{id}": {"get": _record_operation()},
        "/api/v1/territoires": {"get": _territories_operation()},
        "/api/v1/organisations": {"get": _organisations_operation()},
        "/api/v1/openapi.json": {"get": {
            "operationId": "getOpenApi", "summary": "Cette description OpenAPI 3.1",
            "responses": {"200": _json_ok("La description.", {"type": "object"})},
        }},
        "/export.json": {"get": _export_operation("json")},
        "/export.csv": {"get": _export_operation("csv")},
        "/flux.atom": {"get": _feed_operation()},
        "/healthz": {"get": {
            "operationId": "getHealth", "summary": "État de la base et de l'index",
            "responses": {
                "200": _json_ok("Service disponible (status ok ou degraded).",
                                ref("schemas", "Health")),
                "503": _json_ok("Base de données injoignable.", ref("schemas", "Health")),
            },
        }},
    }


def _search_operation() -> dict:
    return {
        "operationId": "searchExperiences",
        "summary": "Rechercher des fiches (mêmes paramètres que /recherche)",
        "parameters": _parameter_refs(*SEARCH_PARAMETERS, "tri", "page", "per_page"),
        "responses": {
            "200": _json_ok("Une page de résultats, avec les filtres et leurs effectifs.",
                            ref("schemas", "SearchResponse")),
            "400": ref("responses", "BadParameter"),
            "503": ref("responses", "IndexUnavailable"),
        },
    }


def _record_operation() -> dict:
    return {
        "operationId": "getExperience", "summary": "Une fiche publiée",
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                        "description": "Identifiant de la fiche."}],
        "responses": {"200": _json_ok("La fiche.", ref("schemas", "Record")),
                      "404": ref("responses", "NotFound")},
    }


def _organisations_operation() -> dict:
    return {
        "operationId": "searchOrganisations", "summary": "Autocomplétion des organisations",
        "parameters": [
            _query("q", {"type": "string"},
                   "Mots du nom, sans égard aux accents ni à la casse (2 caractères au moins, "
                   "sinon liste vide)."),
        ],
        "responses": {
            "200": _json_ok("Au plus 20 organisations, les plus pertinentes d'abord.",
                            {"type": "array", "items": ref("schemas", "OrganisationMatch"),
                             "maxItems": 20}),
        },
    }


def _territories_operation() -> dict:
    return {
        "operationId": "searchTerritories", "summary": "Autocomplétion des territoires",
        "parameters": [
            _query("q", {"type": "string"},
                   "Nom, libellé ou code (2 caractères au moins, sinon liste vide)."),
            _query("kind", {"type": "string", "pattern": _kinds_pattern()},
                   "Natures acceptées, séparées par des virgules : "
                   + ", ".join(TERRITORY_KINDS) + " (par défaut toutes)."),
        ],
        "responses": {
            "200": _json_ok("Au plus 20 territoires, les plus pertinents d'abord.",
                            {"type": "array", "items": ref("schemas", "TerritoryMatch"),
                             "maxItems": 20}),
            "400": ref("responses", "BadParameter"),
        },
    }


def _kinds_pattern() -> str:
    kind = "(" + "|".join(TERRITORY_KINDS) + ")"
    return f"^({kind}(,{kind})*)?$"


def _export_operation(kind: str) -> dict:
    if kind == "json":
        content = {JSON: {"schema": {"type": "array", "items": ref("schemas", "Record")}}}
        errors = {"400": ref("responses", "BadParameterExport"),
                  "503": ref("responses", "IndexUnavailable")}
    else:
        content = {"text/csv": {"schema": {"type": "string"}}}
        errors = {"400": ref("responses", "BadParameterPage"),
                  "503": ref("responses", "IndexUnavailablePage")}
    return {
        "operationId": f"export{kind.upper()}",
        "summary": f"Toutes les fiches publiées correspondant aux filtres, en {kind.upper()}",
        "description": ("Mêmes filtres que /recherche, sans pagination ; téléchargement en "
                        "flux. CSV : UTF-8 avec BOM, séparateur virgule, listes jointes par |, "
                        "cellules commençant par = + - @ préfixées d'une apostrophe."),
        "parameters": _parameter_refs(*SEARCH_PARAMETERS, "tri"),
        "responses": {"200": {"description": "Le fichier.", "headers": _attachment(),
                              "content": content}, **errors},
    }


def _feed_operation() -> dict:
    return {
        "operationId": "getFeed",
        "summary": "Flux Atom des 50 dernières fiches publiées correspondant aux filtres",
        "parameters": _parameter_refs(*SEARCH_PARAMETERS),
        "responses": {
            "200": {"description": "Un flux Atom 1.0 (RFC 4287).",
                    "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
            "400": ref("responses", "BadParameterPage"),
            "503": ref("responses", "IndexUnavailablePage"),
        },
    }
