"""The controlled vocabularies of SPEC section 4: stable codes and French labels, defined once.

Forms, the index, the API, exports and the database all read these tables. Labels can be edited
by an admin (they are copied into the ``vocabulary_term`` table by ``kb init``); codes never
change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    name: str  # the URL parameter
    label: str  # French name of the facet
    terms: tuple[tuple[str, str], ...]  # (code, label) in display order

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.terms)

    def label_of(self, code: str) -> str:
        return dict(self.terms).get(code, code)


THEME = Vocabulary("theme", "Thème", (
    ("equipement", "Équipement des écoles et établissements"),
    ("connectivite", "Connectivité et très haut débit"),
    ("ent", "Espace numérique de travail (ENT)"),
    ("ressources", "Ressources et contenus pédagogiques"),
    ("formation", "Formation et accompagnement des enseignants"),
    ("maintenance", "Maintenance et assistance"),
    ("inclusion", "Inclusion et égalité d'accès"),
    ("citoyennete", "Citoyenneté numérique et éducation aux médias"),
    ("programmation", "Programmation, robotique et culture scientifique"),
    ("donnees", "Protection des données et sécurité"),
    ("gouvernance", "Gouvernance, partenariats et financement"),
    ("periscolaire", "Périscolaire et lien école-familles"),
    ("continuite", "Continuité pédagogique et enseignement à distance"),
    ("evaluation", "Évaluation et mesure d'impact"),
))

EQUIPEMENT = Vocabulary("equipement", "Équipement", (
    ("tablettes", "Tablettes"),
    ("portables", "Ordinateurs portables et classes mobiles"),
    ("postes-fixes", "Postes fixes et salles informatiques"),
    ("tni", "Tableaux et écrans numériques interactifs (TNI, TBI, VPI, ENI)"),
    ("visualiseurs", "Visualiseurs"),
    ("videoprojecteurs", "Vidéoprojecteurs"),
    ("wifi", "Réseau et Wi-Fi"),
    ("thd", "Fibre et très haut débit"),
    ("imprimantes-3d", "Imprimantes 3D et fablab"),
    ("robots", "Robots pédagogiques"),
    ("realite-virtuelle", "Casques de réalité virtuelle"),
    ("logiciels", "Logiciels et ressources numériques"),
    ("serveurs", "Serveurs et services en ligne"),
    ("audio-video", "Matériel audio et vidéo"),
))

NIVEAU = Vocabulary("niveau", "Niveau scolaire", (
    ("maternelle", "École maternelle"),
    ("elementaire", "École élémentaire"),
    ("college", "Collège"),
    ("lycee", "Lycée général et technologique"),
    ("lycee-pro", "Lycée professionnel"),
    ("superieur", "Enseignement supérieur"),
    ("periscolaire", "Périscolaire"),
    ("adultes", "Adultes et familles"),
))

TERRITOIRE = Vocabulary("territoire", "Type de territoire", (
    ("rural", "Rural"),
    ("periurbain", "Périurbain"),
    ("urbain", "Urbain"),
    ("metropole", "Métropole"),
    ("montagne", "Montagne"),
    ("littoral", "Littoral"),
    ("outre-mer", "Outre-mer"),
    ("quartier-prioritaire", "Quartier prioritaire de la ville"),
    ("education-prioritaire", "Éducation prioritaire (REP/REP+)"),
))

ORGANISATION = Vocabulary("organisation", "Type de structure", (
    ("commune", "Commune"),
    ("epci", "Intercommunalité (EPCI)"),
    ("departement", "Département"),
    ("region", "Région"),
    ("etat", "État"),
    ("association-elus", "Association d'élus"),
    ("caisse-des-depots", "Caisse des dépôts"),
    ("autre", "Autre"),
))

#: Vocabularies attached to a write-up through the ``experience_term`` table.
EXPERIENCE_VOCABULARIES: tuple[Vocabulary, ...] = (THEME, EQUIPEMENT, NIVEAU, TERRITOIRE)
ALL_VOCABULARIES: tuple[Vocabulary, ...] = (*EXPERIENCE_VOCABULARIES, ORGANISATION)
BY_NAME: dict[str, Vocabulary] = {v.name: v for v in ALL_VOCABULARIES}

STATES = (
    ("brouillon", "Brouillon"),
    ("soumise", "Soumise à la modération"),
    ("publiee", "Publiée"),
    ("archivee", "Archivée"),
)
STATE_CODES = tuple(code for code, _ in STATES)

PROJECT_STATES = (
    ("prevu", "Prévu"),
    ("en-cours", "En cours"),
    ("termine", "Terminé"),
    ("abandonne", "Abandonné"),
)
PROJECT_STATE_CODES = tuple(code for code, _ in PROJECT_STATES)

EVIDENCE = (
    ("aucune", "Aucune évaluation"),
    ("auto-evaluation", "Auto-évaluation"),
    ("enquete", "Enquête auprès des usagers"),
    ("evaluation-externe", "Évaluation externe"),
)
EVIDENCE_CODES = tuple(code for code, _ in EVIDENCE)

KNOWN_FUNDERS = (
    "État",
    "Caisse des dépôts / Banque des Territoires",
    "Région",
    "Département",
    "Union européenne (FEDER)",
    "Commune",
    "EPCI",
    "Autre",
)

REPORT_KINDS = (
    ("obsolete", "Information obsolète"),
    ("erreur", "Information erronée"),
    ("doublon", "Doublon d'une autre fiche"),
)
REPORT_KIND_CODES = tuple(code for code, _ in REPORT_KINDS)

ROLES = (
    ("contributeur", "Contributeur"),
    ("moderateur", "Modérateur"),
    ("analyste", "Analyste"),
    ("admin", "Administrateur"),
)
ROLE_CODES = tuple(code for code, _ in ROLES)


def sql_in(codes: tuple[str, ...]) -> str:
    """Render codes as a SQL ``IN`` list for check constraints (codes are fixed literals)."""
    return "(" + ", ".join(f"'{code}'" for code in codes) + ")"
