"""The meaning of every field of the open-data record (SPEC 7b), written once in French.

The ``/donnees`` page shows this table and the OpenAPI description reuses the same texts, so
that the documentation of the exports, the API and the CSV columns never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldDoc:
    """One key of the record: its JSON type, its CSV columns and what it means."""

    name: str
    kind: str
    meaning: str
    columns: tuple[str, ...] = ()

    @property
    def csv_columns(self) -> tuple[str, ...]:
        return self.columns or (self.name,)


TERRITORY_COLUMNS = ("territory_code", "territory_name", "territory_kind", "departement",
                     "region", "population")

FIELDS: tuple[FieldDoc, ...] = (
    FieldDoc("id", "entier", "Identifiant de la fiche sur ce service (ignoré à l'import)."),
    FieldDoc("url", "texte (URL)", "Adresse de la fiche sur ce service (ignorée à l'import)."),
    FieldDoc("title", "texte", "Titre de la fiche (200 caractères au plus, obligatoire)."),
    FieldDoc("summary", "texte", "Résumé en texte brut (600 caractères au plus)."),
    FieldDoc("context", "texte Markdown", "Contexte et problème de départ."),
    FieldDoc("actions", "texte Markdown", "Ce qui a été fait."),
    FieldDoc("results", "texte Markdown", "Résultats et évaluation."),
    FieldDoc("lessons", "texte Markdown",
             "Enseignements et conseils à qui veut reproduire le projet."),
    FieldDoc("territory", "objet",
             "Territoire du projet : code (C + code INSEE d'une commune, E + SIREN d'un EPCI, "
             "D + numéro de département, R + code de région ou de collectivité d'outre-mer : "
             "R978 pour Saint-Martin), nom, nature (commune, epci, departement, region, com), "
             "département et région dont il relève (pour une collectivité d'outre-mer et ses "
             "communes, son propre code dans les deux), population. "
             "À l'import, seul le code est lu.", TERRITORY_COLUMNS),
    FieldDoc("organisation", "objet",
             "Structure qui a déposé la fiche : nom et type (commune, epci, departement, region, "
             "etat, association-elus, caisse-des-depots, autre). Créée à l'import si inconnue.",
             ("organisation_name", "organisation_kind")),
    FieldDoc("territory_types", "liste de codes",
             "Types de territoire (vocabulaire « territoire » : rural, urbain, montagne…)."),
    FieldDoc("levels", "liste de codes", "Niveaux scolaires (vocabulaire « niveau »)."),
    FieldDoc("themes", "liste de codes",
             "Thèmes (vocabulaire « theme »), au moins un, le principal en premier."),
    FieldDoc("equipment", "liste de codes", "Équipements (vocabulaire « equipement »)."),
    FieldDoc("state", "code", "État du projet : prevu, en-cours, termine ou abandonne."),
    FieldDoc("start", "mois AAAA-MM", "Début du projet (précision au mois)."),
    FieldDoc("end", "mois AAAA-MM", "Fin du projet (précision au mois)."),
    FieldDoc("budget_eur", "entier", "Budget total en euros."),
    FieldDoc("funders", "liste de textes",
             "Financeurs (État, Caisse des dépôts / Banque des Territoires, Région…)."),
    FieldDoc("schools", "entier", "Nombre d'écoles ou d'établissements concernés."),
    FieldDoc("pupils", "entier", "Nombre d'élèves concernés."),
    FieldDoc("teachers", "entier", "Nombre d'enseignants concernés."),
    FieldDoc("evidence", "code",
             "Preuve des résultats : aucune, auto-evaluation, enquete ou evaluation-externe."),
    FieldDoc("partners", "texte Markdown", "Partenaires du projet."),
    FieldDoc("links", "liste d'URL", "Liens utiles (http ou https)."),
    FieldDoc("label", "texte ou null",
             "Justification du label « Pratique à essaimer » attribué par le ministère ; "
             "null si la fiche n'est pas labellisée."),
    FieldDoc("replications", "entier",
             "Nombre de fiches déclarant « Nous l'avons fait aussi » (ignoré à l'import)."),
    FieldDoc("published_at", "date-heure UTC",
             "Date de publication, au format RFC 3339 (2024-03-01T10:00:00Z)."),
    FieldDoc("updated_at", "date-heure UTC",
             "Date de dernière modification (ignorée à l'import)."),
    FieldDoc("attachments", "liste d'objets",
             "Pièces jointes (documents et photos) : titre, description, type (pdf, odt, ods, "
             "odp, docx, xlsx, pptx, csv, png, jpeg, webp), type MIME, taille en octets, URL de "
             "téléchargement et licence. Aucune donnée personnelle (ni l'auteur de l'envoi). "
             "Dans le CSV : les URL, séparées par « | ». Ignorées à l'import (les fichiers "
             "viennent de « kb import --attachments DOSSIER »)."),
)
FIELDS_BY_NAME = {doc.name: doc for doc in FIELDS}

