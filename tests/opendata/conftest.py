"""Fixtures of the open-data tests: a small corpus of write-ups in every state, with contact
details and accounts whose traces must never leave through an export, the feed or the API."""

from __future__ import annotations

from datetime import datetime

import pytest

CONTACT = {"contact_name": "Claire Martin-Secret", "contact_role": "Chargée de mission secrète",
           "contact_email": "claire.secret@gueret.example.org"}
AUTHOR_EMAIL = "auteur.prive@example.org"


@pytest.fixture(autouse=True)
def catch_up_on_every_search(app):
    """Check the outbox before every search (production: at most once a second)."""
    app.config["SEARCH_CATCH_UP_SECONDS"] = 0


@pytest.fixture
def publish_at(db_session):
    """Set a write-up's publication date (the factory stamps « now »)."""

    def set_date(experience, moment: datetime):
        experience.published_at = moment
        db_session.commit()
        return experience

    return set_date


@pytest.fixture
def corpus(create_experience, create_organisation, create_user, publish_at):
    """Three published write-ups and one of each unpublished state, as a dict by short name."""
    author = create_user(email=AUTHOR_EMAIL)
    gueret = author.organisation
    creuse = create_organisation(name="Département de la Creuse", kind="departement",
                                 territory_code="D23")
    bordeaux = create_organisation(name="Ville de Bordeaux", territory_code="C33063")
    items = {
        "tablettes": create_experience(
            title="Des tablettes pour les écoles de Guéret", organisation=gueret,
            themes=("equipement", "formation"), equipment=("tablettes",), budget_eur=85000,
            pupils=640, funders=["État", "Commune"], links=["https://exemple.fr/a"],
            summary="Six écoles équipées de classes mobiles.", slug="tablettes", **CONTACT,
            created_by_id=author.id,
        ),
        "ent": create_experience(
            title="Un ENT pour les collèges de la Creuse", organisation=creuse,
            territory_code="D23", themes=("ent",), equipment=("logiciels",),
            levels=("college",), summary="Un espace numérique de travail commun.", slug="ent",
        ),
        "robots": create_experience(
            title="Des robots dans les écoles de Bordeaux", organisation=bordeaux,
            territory_code="C33063", themes=("programmation",), equipment=("robots",),
            territory_types=("urbain",), budget_eur=20000, slug="robots",
            summary="Programmer des robots dès le CP.",
        ),
        "brouillon": create_experience(title="Brouillon confidentiel de tablettes",
                                       state="brouillon", organisation=gueret),
        "soumise": create_experience(title="Fiche soumise de tablettes", state="soumise",
                                     organisation=gueret),
        "archivee": create_experience(title="Fiche archivée de tablettes", state="archivee",
                                      organisation=gueret),
    }
    publish_at(items["tablettes"], datetime(2023, 5, 2, 9, 0, 0))
    publish_at(items["ent"], datetime(2024, 1, 15, 14, 30, 0))
    publish_at(items["robots"], datetime(2024, 6, 1, 8, 0, 0))
    return items


@pytest.fixture
def secrets_of(corpus):
    """Every piece of personal data the corpus holds."""
    return [*CONTACT.values(), AUTHOR_EMAIL, "password_hash"]
