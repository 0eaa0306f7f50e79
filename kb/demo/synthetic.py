"""Synthetic French write-ups for benchmarks (``kb demo --synthetic N --seed S``).

Everything is drawn from one ``random.Random(seed)`` over the territories of the database in code
order, so the same seed on the same reference data gives the same write-ups in the same order.
Texts are assembled from phrase banks (about 1 kB per long field, 4–7 kB per write-up), on real
territories (communes weighted by population, some EPCI, départements and régions), with the
vocabularies, budgets and counts such a project would have.

Rows are written in bulk, a chunk at a time: experiences with ids assigned by the database
(``INSERT … RETURNING`` on SQLite; the table's sequence then ``COPY`` on PostgreSQL), then their
terms, first revisions (action ``synthetic``) and search outbox entries.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Table, insert, select, text
from sqlalchemy.orm import Session

from kb.accounts.models import Organisation
from kb.experiences.models import Experience, ExperienceTerm, Revision
from kb.experiences.slugs import slugify
from kb.experiences.snapshot import EDITABLE_FIELDS, VOCABULARY_FIELDS, month_string
from kb.french import compte_simple
from kb.search.models import OutboxEntry
from kb.territories.models import Territory

CHUNK_SIZE = 500
REFERENCE_DAY = date(2026, 10, 1)  # fixed "today" of the generated data: same seed, same data
KIND_WEIGHTS = {"commune": 72, "epci": 14, "departement": 9, "region": 5}
WORKFLOW_WEIGHTS = {"publiee": 90, "soumise": 4, "brouillon": 4, "archivee": 2}
EVIDENCE_WEIGHTS = {"aucune": 25, "auto-evaluation": 40, "enquete": 25, "evaluation-externe": 10}
OVERSEAS_REGIONS = {"01", "02", "03", "04", "06"}

# Liaison type of the Code officiel géographique (TNCC) per département: 0 « de », 1 « d' »,
# 2 « du », 3 « de la », 4 « des », 5 « de l' ».
_DEPARTEMENT_TNCC = dict(item.split(":") for item in (
    "01:5 02:5 03:5 04:4 05:4 06:4 07:5 08:4 09:5 10:5 11:5 12:5 13:4 14:2 15:2 16:3 17:3 18:2 "
    "19:3 21:3 22:4 23:3 24:3 25:2 26:3 27:5 28:1 29:2 2A:3 2B:3 30:2 31:3 32:2 33:3 34:5 35:1 "
    "36:5 37:1 38:5 39:2 40:4 41:2 42:3 43:3 44:3 45:2 46:2 47:2 48:3 49:0 50:3 51:3 52:3 53:3 "
    "54:0 55:3 56:2 57:3 58:3 59:2 60:5 61:5 62:2 63:2 64:4 65:4 66:4 67:2 68:2 69:2 70:3 71:0 "
    "72:3 73:3 74:3 75:0 76:3 77:0 78:4 79:4 80:3 81:2 82:2 83:2 84:2 85:3 86:3 87:3 88:4 89:5 "
    "90:2 91:5 92:4 93:3 94:2 95:2 971:3 972:3 973:3 974:0 976:0"
).split())
_TNCC_DE = {"0": "de ", "1": "d'", "2": "du ", "3": "de la ", "4": "des ", "5": "de l'"}


@dataclass(frozen=True)
class Place:
    """A territory as the generator needs it."""

    code: str
    kind: str
    name: str
    population: int
    departement: str | None
    region: str | None

    @property
    def area(self) -> tuple[str | None, str | None]:
        """(département, région) a write-up on this territory is counted in."""
        if self.kind == "region":
            return None, self.region
        return self.departement, self.region


# --------------------------------------------------------------------------- French phrasing

def de(name: str) -> str:
    """« de Guéret », « du Havre », « des Mureaux », « de La Souterraine », « d'Aubusson »."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1] in "AEIOUYÉÈÊÎÔÂ":
        return "d'" + name
    return "de " + name


def de_place(place: Place) -> str:
    """The place after « de », with its article: « de la Creuse », « de la CC du Pays de … »."""
    if place.kind == "departement":
        return _TNCC_DE[_DEPARTEMENT_TNCC.get(place.departement or "", "0")] + place.name
    if place.kind == "epci":
        if place.name.startswith(("CC ", "CA ", "CU ", "Communauté", "Métropole")):
            return "de la " + place.name
        return de(place.name)
    return de(place.name)


def organisation_name(place: Place) -> str:
    """« Ville de Guéret », « Commune de Bénévent-l'Abbaye », « Département de la Creuse »…"""
    if place.kind == "commune":
        return ("Ville " if place.population >= 10_000 else "Commune ") + de(place.name)
    if place.kind == "departement":
        return "Département " + de_place(place)
    if place.kind == "region":
        return "Région " + place.name
    return place.name


SCHOOL_WORDS = {  # kind → (singular, plural) of the establishments it runs
    "commune": ("école", "écoles"),
    "epci": ("école", "écoles"),
    "departement": ("collège", "collèges"),
    "region": ("lycée", "lycées"),
}
AUTHORITY_WORDS = {
    "commune": "la commune",
    "epci": "l'intercommunalité",
    "departement": "le département",
    "region": "la région",
}

THEME_GOALS = {
    "equipement": ["équiper toutes les classes", "renouveler le parc informatique des classes",
                   "doter chaque classe d'un équipement numérique de base"],
    "connectivite": ["raccorder les établissements au très haut débit",
                     "déployer le Wi-Fi dans toutes les salles de classe",
                     "sécuriser la connexion des établissements"],
    "ent": ["généraliser l'espace numérique de travail", "faire vivre l'ENT avec les familles",
            "adopter un ENT commun à tous les établissements"],
    "ressources": ["mutualiser les ressources pédagogiques numériques",
                   "ouvrir une bibliothèque de ressources libres",
                   "produire des ressources pédagogiques avec les enseignants"],
    "formation": ["accompagner les enseignants dans leurs usages numériques",
                  "former les équipes éducatives au numérique",
                  "installer un réseau d'enseignants référents"],
    "maintenance": ["assurer la maintenance du parc informatique",
                    "organiser l'assistance technique aux enseignants",
                    "mutualiser le support informatique"],
    "inclusion": ["réduire la fracture numérique des familles",
                  "équiper les élèves qui n'ont pas d'ordinateur",
                  "rendre le numérique accessible aux élèves en situation de handicap"],
    "citoyennete": ["éduquer les élèves aux médias et à l'information",
                    "prévenir le cyberharcèlement", "former des élèves ambassadeurs du numérique"],
    "programmation": ["initier les élèves au code et à la robotique",
                      "ouvrir un fablab pédagogique", "développer la culture scientifique"],
    "donnees": ["protéger les données personnelles des élèves",
                "mettre les services numériques en conformité avec le RGPD",
                "sécuriser les postes et les comptes des élèves"],
    "gouvernance": ["piloter le numérique éducatif avec tous les partenaires",
                    "cofinancer un plan numérique pluriannuel",
                    "signer une convention numérique avec l'académie"],
    "periscolaire": ["ouvrir des ateliers numériques périscolaires",
                     "rapprocher l'école et les familles grâce au numérique",
                     "animer un espace numérique pour les familles"],
    "continuite": ["assurer la continuité pédagogique", "organiser l'enseignement à distance",
                   "prêter du matériel pour travailler à la maison"],
    "evaluation": ["mesurer l'effet des usages numériques", "évaluer le plan numérique",
                   "suivre les usages avec des indicateurs partagés"],
}
THEME_EQUIPMENT = {
    "equipement": ["tablettes", "portables", "tni", "visualiseurs", "videoprojecteurs",
                   "postes-fixes"],
    "connectivite": ["thd", "wifi", "serveurs"],
    "ent": ["logiciels", "serveurs"],
    "ressources": ["logiciels", "tablettes"],
    "formation": ["tni", "tablettes", "logiciels"],
    "maintenance": ["serveurs", "postes-fixes", "portables"],
    "inclusion": ["portables", "tablettes", "logiciels"],
    "citoyennete": ["audio-video", "logiciels"],
    "programmation": ["robots", "imprimantes-3d", "realite-virtuelle"],
    "donnees": ["serveurs", "logiciels"],
    "gouvernance": ["thd", "tablettes"],
    "periscolaire": ["tablettes", "robots", "audio-video"],
    "continuite": ["portables", "logiciels", "serveurs"],
    "evaluation": ["logiciels"],
}
EQUIPMENT_WORDS = {
    "tablettes": "des tablettes", "portables": "des classes mobiles",
    "postes-fixes": "des salles informatiques", "tni": "des écrans numériques interactifs",
    "visualiseurs": "des visualiseurs", "videoprojecteurs": "des vidéoprojecteurs",
    "wifi": "des bornes Wi-Fi", "thd": "des raccordements en fibre optique",
    "imprimantes-3d": "des imprimantes 3D",
    "robots": "des robots pédagogiques", "realite-virtuelle": "des casques de réalité virtuelle",
    "logiciels": "des ressources numériques", "serveurs": "des services en ligne",
    "audio-video": "du matériel de radio et de vidéo",
}
PROJECT_NAMES = [
    "École connectée", "Cap numérique", "Classes mobiles", "Numérique pour tous",
    "Plan numérique", "Objectif très haut débit", "Code en classe", "Tous connectés",
    "Campus numérique", "Les petits codeurs", "Médias en classe", "Fablab éducatif",
    "Numérique solidaire", "Écoles rurales connectées", "ENT partagé", "Pass numérique",
]
TITLE_PATTERNS = [
    "{Goal} dans les {schools} {de_place}",
    "« {project} » : {goal} {de_place}",
    "{Equipment} pour les {schools} {de_place}",
    "{Goal} : l'expérience {de_place}",
    "{Project} {de_place} ({years})",
    "Comment {goal} {de_place}",
    "{Equipment} et accompagnement : {goal}",
]
SUMMARY_SENTENCES = [
    "{Authority} a voulu {goal} pour {pupils} élèves de {n_schools}.",
    "Le projet « {project} » a été lancé en {start_year} par {authority}.",
    "Il associe l'éducation nationale, les équipes éducatives et les familles.",
    "Le déploiement s'est fait par étapes, école par école, avec un accompagnement de proximité.",
    "Le coût par élève reste maîtrisé grâce à des achats groupés.",
    "Les enseignants ont été formés avant le déploiement du matériel.",
    "Le bilan montre des usages réguliers et une forte demande des autres établissements.",
    "La démarche est transposable à d'autres territoires de taille comparable.",
]
CONTEXT_SENTENCES = [
    "En {start_year}, le parc informatique des {schools} {de_place} était vieillissant et "
    "très hétérogène d'un site à l'autre.",
    "Plusieurs directeurs avaient signalé que les équipements existants n'étaient plus utilisés, "
    "faute de maintenance et de formation.",
    "Le territoire compte {population} habitants et {n_schools} ; plusieurs sites sont très "
    "isolés et difficiles d'accès l'hiver.",
    "Les débits disponibles ne permettaient pas d'utiliser les ressources en ligne en classe "
    "entière.",
    "Les familles n'avaient pas toutes un ordinateur ou une connexion à la maison, ce que la "
    "période de confinement avait rendu très visible.",
    "L'inspection de circonscription souhaitait développer les usages pédagogiques du numérique "
    "et cherchait un partenaire local.",
    "Un diagnostic partagé avec les équipes éducatives a fait ressortir trois priorités : "
    "l'équipement, la formation et l'assistance.",
    "Les élus voulaient une politique numérique cohérente plutôt qu'une suite d'achats au coup "
    "par coup.",
    "Le projet d'école de plusieurs sites mentionnait déjà le numérique comme levier de "
    "motivation et de différenciation.",
    "Aucun interlocuteur technique n'était identifié : chaque école se débrouillait avec les "
    "bonnes volontés.",
    "L'appel à projets national a été l'occasion de formaliser des besoins exprimés depuis "
    "plusieurs années.",
    "Les enseignants se disaient prêts à utiliser le numérique, à condition d'être accompagnés "
    "dans la durée.",
    "Les écarts d'équipement entre établissements étaient importants : certains sites n'avaient "
    "même pas de vidéoprojecteur.",
    "La collectivité consacrait jusque-là moins de {small_budget} € par an au numérique éducatif.",
    "Le conseil municipal des jeunes avait lui-même demandé plus d'ateliers numériques.",
    "Le contrat de territoire signé avec l'État prévoyait un volet consacré à l'école numérique.",
    "Les vidéoprojecteurs installés dix ans plus tôt tombaient en panne les uns après les autres "
    "et les pièces n'étaient plus disponibles.",
    "Les directeurs passaient un temps considérable à gérer des comptes, des mots de passe et des "
    "mises à jour, au détriment de leur mission pédagogique.",
    "Une partie des enseignants arrivait chaque année sur le territoire sans connaître les outils "
    "en place, ce qui freinait toute continuité.",
    "Les échanges avec les familles passaient encore largement par le cahier de liaison papier, "
    "avec des informations qui se perdaient.",
    "Plusieurs collectivités voisines avaient déjà engagé des démarches comparables, sans "
    "coordination ni partage des coûts.",
    "Le schéma départemental des usages numériques fixait un objectif d'équipement que le "
    "territoire était loin d'atteindre.",
    "Les élèves des zones les plus éloignées avaient moins accès aux sorties culturelles et "
    "scientifiques que ceux de la ville-centre.",
]
ACTION_SENTENCES = [
    "Un comité de pilotage réunissant {authority}, l'inspection et les directeurs a fixé le "
    "calendrier et les priorités.",
    "{Authority} a acquis {equipment} par un marché groupé, avec une garantie de cinq ans.",
    "Chaque site a désigné un enseignant référent, formé pendant deux journées par la DRANE.",
    "Les équipements ont été installés pendant les vacances scolaires pour ne pas perturber les "
    "classes.",
    "Un technicien intervient une demi-journée par semaine dans les établissements.",
    "Des ateliers de prise en main ont été proposés le mercredi après-midi, ouverts à tous les "
    "enseignants volontaires.",
    "Un guide d'usage d'une dizaine de pages a été rédigé avec les équipes et diffusé sur l'ENT.",
    "Les familles ont été invitées à des réunions de présentation, avec une démonstration par "
    "les élèves.",
    "Une charte d'usage du numérique a été adoptée dans les conseils d'école.",
    "Le déploiement s'est fait en deux vagues : {first_wave} sites pilotes, puis le reste du "
    "territoire l'année suivante.",
    "Les ressources numériques ont été choisies avec l'atelier Canopé, en privilégiant les "
    "ressources libres.",
    "Un prêt de matériel aux familles a été organisé pour les élèves qui en avaient besoin.",
    "Le paramétrage des appareils est centralisé, ce qui permet de mettre à jour tout le parc à "
    "distance.",
    "Des rencontres entre classes ont été organisées en visioconférence entre écoles éloignées.",
    "Une enquête a été menée auprès des enseignants au début et à la fin de chaque année.",
    "Le délégué à la protection des données a vérifié chaque service en ligne avant son "
    "ouverture.",
    "Des animateurs périscolaires ont été formés pour prolonger les activités en dehors du temps "
    "scolaire.",
    "Un marché de maintenance a été passé avec une entreprise locale, avec un délai "
    "d'intervention garanti dans le contrat.",
    "Les enseignants ont pu emprunter le matériel pendant l'été pour préparer leurs séquences "
    "de la rentrée.",
    "Une classe de chaque site a servi de classe vitrine, ouverte aux collègues qui voulaient "
    "observer une séance.",
    "Le conseiller pédagogique numérique de la circonscription a animé une séance mensuelle "
    "d'échange de pratiques.",
    "Les achats ont été financés en partie par l'appel à projets national, le reste par le "
    "budget d'investissement de la collectivité.",
    "Les comptes des élèves et des enseignants sont créés automatiquement à partir de l'annuaire "
    "académique, ce qui évite les saisies en double.",
    "Un tableau de bord trimestriel présente aux élus l'état du parc, les pannes et les usages "
    "constatés.",
]
ACTION_LIST_ITEMS = [
    "l'installation et le câblage des classes", "la formation des enseignants référents",
    "le choix des ressources avec les équipes", "la mise en place d'un support technique",
    "l'information des familles", "le bilan de fin d'année avec l'inspection",
    "la rédaction d'une charte d'usage", "le prêt de matériel aux familles",
]
RESULT_SENTENCES = [
    "Au bout d'un an, {usage_rate} % des enseignants déclarent utiliser le numérique chaque "
    "semaine.",
    "Les {n_teachers} concernés ont tous suivi au moins une formation.",
    "Les pannes sont désormais traitées en moins de {delay} jours, contre plusieurs semaines "
    "auparavant.",
    "Les élèves se montrent plus autonomes et plus motivés, selon les enseignants interrogés.",
    "L'ENT est consulté chaque semaine par une large majorité des familles.",
    "Le coût par élève s'établit à environ {cost_per_pupil} €, en dessous de ce qui était prévu.",
    "Plusieurs collectivités voisines sont venues visiter les classes et envisagent de suivre la "
    "même démarche.",
    "Les inspecteurs notent une meilleure différenciation pédagogique dans les classes équipées.",
    "La fréquentation des ateliers périscolaires numériques a doublé en deux ans.",
    "Les résultats restent inégaux d'une école à l'autre, selon l'implication des équipes.",
    "Une évaluation plus poussée est prévue avec l'université pour mesurer les effets sur les "
    "apprentissages.",
    "Le matériel est utilisé en moyenne {hours} heures par semaine et par classe.",
    "Aucune fuite de données ni incident de sécurité n'a été constaté depuis le lancement.",
    "Le projet a reçu le soutien de l'académie pour être étendu à d'autres territoires.",
    "Les familles interrogées se disent satisfaites à plus de {usage_rate} %, en particulier "
    "de la communication avec l'école.",
    "Les enseignants nouvellement arrivés trouvent un environnement stable et documenté, ce "
    "qu'ils citent comme un vrai atout.",
    "Le nombre de demandes d'assistance a nettement baissé après la première année, signe d'une "
    "meilleure appropriation.",
    "Des projets entre classes de sites différents ont vu le jour, alors qu'ils étaient "
    "impossibles auparavant.",
    "Le budget a été tenu, à l'exception d'un surcoût lié au câblage de bâtiments anciens.",
    "Les élèves les plus en difficulté semblent tirer profit des outils de lecture et de "
    "dictée vocale.",
]
LESSON_SENTENCES = [
    "Prévoir la formation avant l'arrivée du matériel, jamais après.",
    "Associer les enseignants dès le choix des équipements : c'est la clé de l'adhésion.",
    "Budgéter la maintenance dès le départ, au moins {maintenance_rate} % du coût d'achat par an.",
    "Commencer par quelques sites pilotes volontaires avant de généraliser.",
    "Vérifier la connexion de chaque école avant tout achat d'équipement.",
    "Nommer un interlocuteur technique unique, connu de tous les directeurs.",
    "Ne pas sous-estimer le temps de paramétrage des appareils.",
    "Impliquer les familles tôt, en leur montrant des usages concrets.",
    "Les achats groupés avec d'autres collectivités font baisser les prix sensiblement.",
    "Faire valider les services en ligne par le délégué à la protection des données.",
    "Garder du temps pour les échanges de pratiques entre enseignants.",
    "Mesurer les usages réels plutôt que le nombre d'appareils installés.",
    "Une convention avec l'éducation nationale clarifie le rôle de chacun.",
    "Prévoir le renouvellement du matériel dès la conception du projet.",
    "Documenter chaque étape : cela facilite l'accueil des nouveaux enseignants et la passation "
    "entre services.",
    "Un petit nombre d'outils bien maîtrisés vaut mieux qu'une multitude d'applications.",
    "Présenter régulièrement les résultats aux élus pour garder leur soutien dans la durée.",
    "S'appuyer sur les ressources existantes de l'académie avant d'acheter des licences.",
    "Laisser aux équipes le temps d'expérimenter, sans objectif d'usage imposé la première "
    "année.",
    "Ne pas oublier les écoles les plus petites, où un seul enseignant porte souvent tout le "
    "projet.",
]
PARTNER_BANK = [
    "Atelier Canopé", "DRANE", "Inspection de l'éducation nationale", "Banque des Territoires",
    "association de parents d'élèves", "médiathèque intercommunale", "syndicat numérique "
    "départemental", "université", "centre social", "espace France services",
    "fablab associatif", "entreprise locale de maintenance",
]
FIRST_NAMES = [
    "Claire", "Thomas", "Nathalie", "Julien", "Sophie", "Nicolas", "Isabelle", "Sébastien",
    "Émilie", "Laurent", "Aurélie", "Mathieu", "Céline", "Olivier", "Sandrine", "Pierre",
    "Hélène", "Antoine", "Marion", "François", "Anne", "David", "Caroline", "Jérôme",
]
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
]
CONTACT_ROLES = [
    "Chargé·e de mission numérique éducatif", "Directeur·rice de l'éducation",
    "Adjoint·e aux affaires scolaires", "Responsable du service informatique",
    "Conseiller·ère numérique", "Chef·fe de projet école numérique",
]


# --------------------------------------------------------------------------- territories


class PlacePicker:
    """Picks territories: a kind by :data:`KIND_WEIGHTS`, then communes and EPCI weighted by the
    square root of their population (big towns more often, every village possible)."""

    def __init__(self, session: Session) -> None:
        columns = (Territory.code, Territory.kind, Territory.name, Territory.population,
                   Territory.departement, Territory.region)
        self.pools: dict[str, list[Place]] = {kind: [] for kind in KIND_WEIGHTS}
        # The collectivités d'outre-mer and their communes (added to the reference data later)
        # are left out, so that a seed gives the same corpus as before and benchmark runs stay
        # comparable.
        collectivites = set(session.scalars(select(Territory.region).where(
            Territory.kind == "com")))
        for row in session.execute(select(*columns).order_by(Territory.code)):
            if row.kind in self.pools and row.region not in collectivites:
                self.pools[row.kind].append(Place(*row[:3], row.population or 0, *row[4:]))
        self.kinds = [kind for kind in KIND_WEIGHTS if self.pools[kind]]
        if not self.kinds:
            raise RuntimeError("Aucun territoire en base : lancez d'abord « kb init ».")
        self.kind_weights = [KIND_WEIGHTS[kind] for kind in self.kinds]
        self.cumulative = {kind: _cumulative(pool) for kind, pool in self.pools.items()}

    def pick(self, rng: random.Random) -> Place:
        kind = rng.choices(self.kinds, weights=self.kind_weights)[0]
        return rng.choices(self.pools[kind], cum_weights=self.cumulative[kind])[0]


def _cumulative(pool: list[Place]) -> list[float]:
    total, weights = 0.0, []
    for place in pool:
        total += max(place.population, 100) ** 0.5
        weights.append(total)
    return weights


# --------------------------------------------------------------------------- one write-up


class WriteUpGenerator:
    """Draws one plausible write-up at a time from the phrase banks."""

    def __init__(self, rng: random.Random, picker: PlacePicker) -> None:
        self.rng = rng
        self.picker = picker

    def generate(self) -> dict:
        """The column values, vocabulary codes and organisation of one write-up."""
        rng = self.rng
        place = self.picker.pick(rng)
        codes = self._codes(place)
        figures = self._figures(place, codes["themes"][0])
        words = self._words(place, codes, figures)
        return {"place": place, "codes": codes, "figures": figures,
                "texts": self._texts(words), "contact": self._contact(place),
                "organisation": organisation_name(place)}

    def _codes(self, place: Place) -> dict[str, list[str]]:
        rng = self.rng
        themes = rng.sample(list(THEME_GOALS), rng.choice((1, 2, 2, 3, 3, 4)))
        candidates = list(dict.fromkeys(c for t in themes for c in THEME_EQUIPMENT[t]))
        equipment = rng.sample(candidates, min(len(candidates), rng.choice((0, 1, 1, 2, 2, 3))))
        return {"territory_types": self._territory_types(place), "levels": self._levels(place),
                "themes": themes, "equipment": equipment}

    def _levels(self, place: Place) -> list[str]:
        rng = self.rng
        levels = {"departement": ["college"], "region": ["lycee"]}.get(
            place.kind, ["maternelle", "elementaire"][rng.choice((0, 1)):]
        )
        if place.kind == "region" and rng.random() < 0.5:
            levels.append("lycee-pro")
        extra = rng.random()
        if extra < 0.2:
            levels.append("periscolaire")
        elif extra < 0.25:
            levels.append("adultes")
        return levels

    def _territory_types(self, place: Place) -> list[str]:
        rng, population = self.rng, place.population
        if place.region in OVERSEAS_REGIONS:
            types = ["outre-mer"]
        elif place.kind in ("departement", "region"):
            types = [rng.choice(("rural", "urbain", "periurbain"))]
        else:
            types = ["metropole" if population > 400_000 else "urbain" if population > 30_000
                     else "periurbain" if population > 5_000 else "rural"]
        for extra, chance in (("montagne", 0.08), ("littoral", 0.08),
                              ("quartier-prioritaire", 0.06), ("education-prioritaire", 0.08)):
            if rng.random() < chance:
                types.append(extra)
        return types

    def _figures(self, place: Place, theme: str) -> dict:
        rng = self.rng
        schools = self._school_count(place)
        pupils = schools * rng.randint(60, 140 if place.kind in ("commune", "epci") else 700)
        start = _month(rng, 2014, 2027)
        end = _add_months(start, rng.randint(4, 40)) if rng.random() < 0.85 else None
        cost = rng.randint(80, 450) if theme in ("equipement", "inclusion") else rng.randint(8, 160)
        budget = None if rng.random() < 0.08 else max(500, round(pupils * cost, -2))
        return {"schools": schools, "pupils": pupils, "teachers": max(1, pupils // 22),
                "start": start, "end": end, "budget": budget,
                "project_state": self._project_state(start, end),
                "state": _weighted(rng, WORKFLOW_WEIGHTS),
                "evidence": _weighted(rng, EVIDENCE_WEIGHTS)}

    def _school_count(self, place: Place) -> int:
        rng = self.rng
        if place.kind == "commune":
            return max(1, min(60, place.population // rng.randint(900, 2500)))
        if place.kind == "epci":
            return rng.randint(6, 45)
        return rng.randint(8, 60) if place.kind == "departement" else rng.randint(15, 140)

    def _project_state(self, start: date, end: date | None) -> str:
        if start > REFERENCE_DAY:
            return "prevu"
        if end is not None and end <= REFERENCE_DAY:
            return "abandonne" if self.rng.random() < 0.06 else "termine"
        return "en-cours"

    def _words(self, place: Place, codes: dict, figures: dict) -> dict:
        rng = self.rng
        theme = codes["themes"][0]
        singular, plural = SCHOOL_WORDS[place.kind]
        equipment = codes["equipment"] or rng.sample(THEME_EQUIPMENT[theme], 1)
        end = figures["end"] or _add_months(figures["start"], 24)
        pupils = figures["pupils"]
        words = {
            "goal": rng.choice(THEME_GOALS[theme]), "project": rng.choice(PROJECT_NAMES),
            "equipment": EQUIPMENT_WORDS[equipment[0]], "schools": plural,
            "n_schools": _count_words(figures["schools"], singular, plural),
            "n_teachers": _count_words(figures["teachers"], "enseignant", "enseignants"),
            "de_place": de_place(place), "authority": AUTHORITY_WORDS[place.kind],
            "pupils": _number(pupils), "population": _number(place.population),
            "start_year": figures["start"].year,
            "years": _years(figures["start"].year, end.year),
            "small_budget": _number(rng.randint(2, 40) * 1000), "first_wave": rng.randint(2, 5),
            "usage_rate": rng.randint(55, 95), "delay": rng.randint(2, 5),
            "cost_per_pupil": round((figures["budget"] or pupils * 50) / pupils),
            "hours": rng.randint(3, 12), "maintenance_rate": rng.randint(8, 15),
        }
        words.update({key.capitalize(): _capitalised(words[key])
                      for key in ("goal", "project", "equipment", "authority")})
        return words

    def _texts(self, words: dict) -> dict[str, str]:
        rng = self.rng
        title = rng.choice(TITLE_PATTERNS).format(**words)[:200]
        summary = " ".join(_fill(rng, SUMMARY_SENTENCES[:2], 1, words)
                           + _fill(rng, SUMMARY_SENTENCES[2:], rng.randint(2, 3), words))[:600]
        actions = _paragraphs(rng, _fill(rng, ACTION_SENTENCES, rng.randint(8, 10), words))
        if rng.random() < 0.5:
            items = rng.sample(ACTION_LIST_ITEMS, rng.randint(3, 5))
            actions += "\n\nLes étapes :\n\n" + "\n".join(f"- {item} ;" for item in items)
        return {
            "title": title, "summary": summary, "actions": actions,
            "context": _paragraphs(rng, _fill(rng, CONTEXT_SENTENCES, rng.randint(8, 11), words)),
            "results": _paragraphs(rng, _fill(rng, RESULT_SENTENCES, rng.randint(8, 11), words)),
            "lessons": _paragraphs(rng, _fill(rng, LESSON_SENTENCES, rng.randint(11, 14), words)),
            "partners": _capitalised(", ".join(rng.sample(PARTNER_BANK, rng.randint(1, 4)))),
        }

    def _contact(self, place: Place) -> dict:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        domain = slugify(place.name)[:40] or "collectivite"
        return {"name": f"{first} {last}", "role": rng.choice(CONTACT_ROLES),
                "email": f"{slugify(first)}.{slugify(last)}@{domain}.example.org"}


def _fill(rng: random.Random, bank: list[str], k: int, words: dict) -> list[str]:
    return [sentence.format(**words) for sentence in rng.sample(bank, min(k, len(bank)))]


def _paragraphs(rng: random.Random, sentences: list[str]) -> str:
    """Sentences grouped in two or three paragraphs."""
    cut = sorted(rng.sample(range(1, len(sentences)), 2))
    groups = (sentences[:cut[0]], sentences[cut[0]:cut[1]], sentences[cut[1]:])
    return "\n\n".join(" ".join(group) for group in groups if group)


def _capitalised(value) -> str:
    text = str(value)
    return text[:1].upper() + text[1:]


def _years(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _number(value: int) -> str:
    """French thousands separator: 12 955 (narrow no-break space)."""
    return f"{value:,}".replace(",", "\u202f")


def _count_words(count: int, singular: str, plural: str) -> str:
    return compte_simple(count, singular, plural)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _month(rng: random.Random, first_year: int, last_year: int) -> date:
    return date(rng.randint(first_year, last_year), rng.randint(1, 12), 1)


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


# --------------------------------------------------------------------------- rows and bulk writes


def _publication(rng: random.Random, generated: dict) -> datetime | None:
    """A publication moment after the start (before it for a planned project), not in the future
    of :data:`REFERENCE_DAY`."""
    if generated["figures"]["state"] not in ("publiee", "archivee"):
        return None
    start = generated["figures"]["start"]
    day = start + timedelta(days=rng.randint(-120, 700))
    day = min(day, REFERENCE_DAY - timedelta(days=rng.randint(0, 60)))
    return datetime(day.year, day.month, day.day, rng.randint(8, 18), rng.randint(0, 59))


def experience_row(rng: random.Random, generated: dict, organisation_id: int) -> dict:
    """The ``experience`` columns of one generated write-up."""
    place, figures, texts = generated["place"], generated["figures"], generated["texts"]
    published = _publication(rng, generated)
    created = published or datetime.combine(REFERENCE_DAY, datetime.min.time())
    departement, region = place.area
    state = figures["state"]
    return {
        **texts, "slug": slugify(texts["title"]), "organisation_id": organisation_id,
        "territory_code": place.code, "departement": departement, "region": region,
        "state": state, "project_state": figures["project_state"],
        "start_month": figures["start"], "end_month": figures["end"],
        "budget_eur": figures["budget"], "funders": _funders(rng, place),
        "schools": figures["schools"], "pupils": figures["pupils"],
        "teachers": figures["teachers"], "evidence": figures["evidence"],
        "links": _links(rng, generated["organisation"]),
        "contact_name": generated["contact"]["name"], "contact_role": generated["contact"]["role"],
        "contact_email": generated["contact"]["email"], "created_by_id": None,
        "created_at": created, "updated_at": created,
        "submitted_at": None if state == "brouillon" else created,
        "published_at": published, "published_by_id": None,
        "archived_at": created if state == "archivee" else None, "version": 1,
    }


def _funders(rng: random.Random, place: Place) -> list[str]:
    own = {"commune": "Commune", "epci": "EPCI", "departement": "Département",
           "region": "Région"}[place.kind]
    others = ["État", "Caisse des dépôts / Banque des Territoires", "Union européenne (FEDER)",
              "Région", "Département"]
    return [own] + [f for f in rng.sample(others, rng.randint(0, 2)) if f != own]


def _links(rng: random.Random, organisation: str) -> list[str]:
    if rng.random() < 0.4:
        return []
    return [f"https://www.{slugify(organisation)[:50]}.example.org/numerique-educatif"]


def revision_row(experience_id: int, row: dict, codes: dict[str, list[str]]) -> dict:
    """The first revision (action ``synthetic``) holding the snapshot of every editable field."""
    values = {**row, **codes, "start": month_string(row["start_month"]),
              "end": month_string(row["end_month"]), "cofilers": []}
    return {"experience_id": experience_id, "number": 1, "author_id": None,
            "created_at": row["created_at"], "action": "synthetic",
            "data": {name: values[name] for name in EDITABLE_FIELDS},
            "changed_fields": [], "comment": ""}


class OrganisationIds:
    """Ids of the write-ups' organisations by (name, kind); missing ones are created in bulk."""

    def __init__(self, session: Session) -> None:
        self.session = session
        query = select(Organisation.name, Organisation.kind, Organisation.id)
        self.known = {(name, kind): id_ for name, kind, id_ in session.execute(query)}

    def resolve(self, generated: list[dict]) -> None:
        wanted = {(g["organisation"], g["place"].kind): g["place"].code for g in generated}
        missing = [{"name": name, "kind": kind, "territory_code": code,
                    "created_at": datetime.combine(REFERENCE_DAY, datetime.min.time())}
                   for (name, kind), code in wanted.items() if (name, kind) not in self.known]
        if not missing:
            return
        table = Organisation.__table__
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = self.session.execute(statement, missing).scalars().all()
        for item, id_ in zip(missing, ids, strict=True):
            self.known[(item["name"], item["kind"])] = id_

    def __getitem__(self, generated: dict) -> int:
        return self.known[(generated["organisation"], generated["place"].kind)]


def _write_chunk(session: Session, rng: random.Random, generated: list[dict],
                 organisations: OrganisationIds) -> None:
    """Insert one chunk: experiences (ids from the database), terms, revisions, outbox."""
    organisations.resolve(generated)
    rows = [experience_row(rng, g, organisations[g]) for g in generated]
    ids = _insert_experiences(session, rows)
    terms, revisions, outbox = [], [], []
    for experience_id, row, item in zip(ids, rows, generated, strict=True):
        terms += [{"experience_id": experience_id, "vocabulary": VOCABULARY_FIELDS[name],
                   "code": code, "position": position}
                  for name, codes in item["codes"].items() for position, code in enumerate(codes)]
        revisions.append(revision_row(experience_id, row, item["codes"]))
        if row["state"] == "publiee":
            outbox.append({"experience_id": experience_id, "operation": "upsert",
                           "created_at": row["created_at"]})
    for table, table_rows in ((ExperienceTerm.__table__, terms), (Revision.__table__, revisions),
                              (OutboxEntry.__table__, outbox)):
        _bulk_insert(session, table, table_rows)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert_experiences(session: Session, rows: list[dict]) -> list[int]:
    """Insert the rows and return their ids, in order, as assigned by the database.

    PostgreSQL: ids drawn from the table's sequence, then ``COPY`` (about five times faster than
    a multi-row ``INSERT … RETURNING`` for rows this wide). Elsewhere: ``INSERT … RETURNING``.
    """
    table = Experience.__table__
    if not _is_postgresql(session):
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(statement, rows).scalars())
    allocate = text("SELECT nextval(pg_get_serial_sequence('experience', 'id')) "
                    "FROM generate_series(1, :n)")
    ids = sorted(session.scalars(allocate, {"n": len(rows)}))
    _bulk_insert(session, table, [{"id": id_, **row} for id_, row in zip(ids, rows, strict=True)])
    return ids


def _bulk_insert(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert many rows of the same columns: ``COPY`` on PostgreSQL, executemany elsewhere; in
    the session's transaction either way."""
    if not rows:
        return
    if not _is_postgresql(session):
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[name]) if name in as_json else row[name]
                            for name in columns])


def insert_synthetic(session: Session, n: int, seed: int = 1) -> int:
    """Generate and insert ``n`` write-ups a chunk at a time (memory stays flat at 100,000);
    return how many were inserted. The caller commits; the outbox entries are applied by
    ``kb index sync`` or made moot by ``kb index rebuild``.

    Content is drawn from ``Random(seed)``, the row details (publication moment, funders, links)
    from a second generator, so :func:`generate_titles` sees the same sequence.
    """
    generator = WriteUpGenerator(random.Random(seed), PlacePicker(session))
    details = random.Random(f"{seed}-details")
    organisations = OrganisationIds(session)
    for start in range(0, n, CHUNK_SIZE):
        chunk = [generator.generate() for _ in range(min(CHUNK_SIZE, n - start))]
        _write_chunk(session, details, chunk, organisations)
    return n


def generate_titles(session: Session, n: int, seed: int = 1) -> list[str]:
    """The titles ``insert_synthetic(session, n, seed)`` writes, in order (for tests)."""
    generator = WriteUpGenerator(random.Random(seed), PlacePicker(session))
    return [generator.generate()["texts"]["title"] for _ in range(n)]
