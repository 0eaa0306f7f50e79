"""The vocabulary codes of a write-up as searchable words, and the codes a query names.

A write-up carries codes (themes, equipment, levels, territory types, the kind of authority that
filed it) and a place (département, région). Its text may never use the words of its codes: a
write-up typed ``outre-mer`` or located in Mayotte may not say « outre-mer », one of level
``lycee`` may not say « lycéens ». Two things use the codes:

* the ``vocabulary`` field of the index (:func:`vocabulary_text`): the French label of each code,
  the words that name it (:data:`NAMES`: acronyms, the people concerned — lycéens, collégiens —,
  short forms), the names of its département and région, and for an overseas write-up the words
  of the overseas (:data:`OVERSEAS_WORDS`). It is ranked like the other text fields
  (``STEMMED_FIELDS``);
* the ranking (:mod:`kb.search.ranking`): a query word that names a code (:func:`named_codes`)
  raises the score of the write-ups carrying it — a boost, never a filter.

The names are general words of the field, one list per code, never chosen from a judged query.
"""

from __future__ import annotations

from functools import cache

from kb.experiences.vocabularies import BY_NAME, EVIDENCE, PROJECT_STATES
from kb.search.analysis import FRENCH, analyze

#: Words that name a code (beside its label), by (facet, code). Each entry also names the code
#: in a query; the label only goes into the index (labels are long phrases).
NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("theme", "equipement"): ("équipement numérique", "matériel informatique"),
    ("theme", "connectivite"): ("connectivité", "très haut débit", "fibre", "connexion internet"),
    ("theme", "ent"): ("ENT", "espace numérique de travail"),
    ("theme", "ressources"): ("ressources pédagogiques", "ressources numériques",
                              "manuels numériques", "contenus pédagogiques"),
    ("theme", "formation"): ("formation des enseignants", "accompagnement des enseignants"),
    ("theme", "maintenance"): ("maintenance", "assistance informatique"),
    ("theme", "inclusion"): ("inclusion", "fracture numérique", "égalité d'accès"),
    ("theme", "citoyennete"): ("citoyenneté numérique", "éducation aux médias", "EMI"),
    ("theme", "programmation"): ("programmation", "codage", "robotique",
                                 "culture scientifique"),
    ("theme", "donnees"): ("protection des données", "RGPD", "données personnelles",
                           "cybersécurité"),
    ("theme", "gouvernance"): ("gouvernance", "partenariat", "financement", "mutualisation"),
    ("theme", "periscolaire"): ("périscolaire", "lien école-familles"),
    ("theme", "continuite"): ("continuité pédagogique", "enseignement à distance"),
    ("theme", "evaluation"): ("évaluation", "mesure d'impact"),
    ("equipement", "tablettes"): ("tablette", "tablette numérique"),
    ("equipement", "portables"): ("ordinateur portable", "classe mobile", "PC portable"),
    ("equipement", "postes-fixes"): ("poste fixe", "salle informatique", "ordinateur fixe"),
    ("equipement", "tni"): ("TNI", "TBI", "VPI", "ENI", "tableau numérique interactif",
                            "tableau blanc interactif", "écran numérique interactif",
                            "vidéoprojecteur interactif", "tableau interactif",
                            "écran interactif"),
    ("equipement", "visualiseurs"): ("visualiseur",),
    ("equipement", "videoprojecteurs"): ("vidéoprojecteur",),
    ("equipement", "wifi"): ("Wi-Fi", "wifi", "réseau sans fil"),
    ("equipement", "thd"): ("fibre", "très haut débit", "THD", "fibre optique"),
    ("equipement", "imprimantes-3d"): ("imprimante 3D", "fablab"),
    ("equipement", "robots"): ("robot", "robot pédagogique"),
    ("equipement", "realite-virtuelle"): ("réalité virtuelle", "casque VR"),
    ("equipement", "logiciels"): ("logiciel",),
    ("equipement", "serveurs"): ("serveur",),
    ("equipement", "audio-video"): ("matériel audio", "matériel vidéo"),
    ("niveau", "maternelle"): ("maternelle", "école maternelle"),
    ("niveau", "elementaire"): ("école élémentaire", "élémentaire", "école primaire",
                                "écoliers"),
    ("niveau", "college"): ("collège", "collégien"),
    ("niveau", "lycee"): ("lycée", "lycéen"),
    ("niveau", "lycee-pro"): ("lycée professionnel", "lycée pro", "lycéen", "CAP",
                              "bac pro"),
    ("niveau", "superieur"): ("enseignement supérieur", "université", "étudiant"),
    ("niveau", "periscolaire"): ("périscolaire", "temps périscolaire", "centre de loisirs"),
    ("niveau", "adultes"): ("adultes", "familles", "parents"),
    ("territoire", "rural"): ("rural", "ruralité"),
    ("territoire", "periurbain"): ("périurbain",),
    ("territoire", "urbain"): ("urbain",),
    ("territoire", "metropole"): ("métropole",),
    ("territoire", "montagne"): ("montagne",),
    ("territoire", "littoral"): ("littoral",),
    ("territoire", "outre-mer"): ("outre-mer", "ultramarin", "DROM", "DOM-TOM"),
    ("territoire", "quartier-prioritaire"): ("quartier prioritaire", "QPV",
                                             "politique de la ville"),
    ("territoire", "education-prioritaire"): ("éducation prioritaire", "REP", "REP+"),
    ("organisation", "commune"): ("commune", "municipalité", "mairie"),
    ("organisation", "epci"): ("intercommunalité", "EPCI", "communauté de communes",
                               "communauté d'agglomération"),
    ("organisation", "departement"): ("département", "conseil départemental"),
    ("organisation", "region"): ("région", "conseil régional"),
    ("organisation", "etat"): ("État", "rectorat", "académie"),
    ("organisation", "association-elus"): ("association d'élus",),
    ("organisation", "caisse-des-depots"): ("Caisse des dépôts", "Banque des Territoires"),
}
#: Labels of the write-up's other codes: the state of the project, how it was evaluated (none
#: is not a word to find it by).
STATE_LABELS = dict(PROJECT_STATES)
EVIDENCE_LABELS = {code: label for code, label in EVIDENCE if code != "aucune"}
#: What an overseas write-up is also called, whatever its codes (its place is overseas).
OVERSEAS_WORDS = ("outre-mer", "ultramarin", "DROM")
OVERSEAS_CODE = ("territoire", "outre-mer")


def is_overseas(departement: str | None, region: str | None) -> bool:
    """Overseas départements and collectivités have codes of three digits from 97; the five
    overseas régions codes below 10 (01 Guadeloupe … 06 Mayotte)."""
    if departement and departement.startswith(("97", "98")):
        return True
    return bool(region) and region.isdigit() and int(region) < 10


def code_words(name: str, code: str) -> list[str]:
    """The label of a code and the words that name it."""
    vocabulary = BY_NAME.get(name)
    label = [vocabulary.label_of(code)] if vocabulary is not None else []
    return [*label, *NAMES.get((name, code), ())]


def vocabulary_text(codes: dict[str, list[str]], departement_name: str, region_name: str,
                    overseas: bool, project_state: str | None = None,
                    evidence: str | None = None) -> str:
    """The ``vocabulary`` field of a write-up: one line per code, then its places."""
    lines = [", ".join(code_words(name, code))
             for name, values in codes.items() for code in values]
    lines += [STATE_LABELS.get(project_state or "", ""), EVIDENCE_LABELS.get(evidence or "", "")]
    lines += [departement_name, region_name]
    if overseas:
        lines.append(", ".join(OVERSEAS_WORDS))
    return "\n".join(line for line in lines if line)


@cache
def _names_by_first_stem() -> dict[str, list[tuple[tuple[str, ...], tuple[str, str]]]]:
    index: dict[str, list[tuple[tuple[str, ...], tuple[str, str]]]] = {}
    for key, names in NAMES.items():
        for name in names:
            stems = tuple(analyze(FRENCH, name))
            if stems:
                index.setdefault(stems[0], []).append((stems, key))
    for entries in index.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return index


def named_codes(parsed) -> list[tuple[str, str]]:
    """The (facet, code) pairs the query's words name, in query order, each once: at each
    position the longest name wins (« lycée professionnel » names ``lycee-pro``, not ``lycee``),
    and every code of that name is taken (« fibre » names a theme and an equipment)."""
    stems = [stem for clause in parsed.clauses() for stem in clause.stems]
    found: dict[tuple[str, str], None] = {}
    position = 0
    index = _names_by_first_stem()
    while position < len(stems):
        matched = [(names, key) for names, key in index.get(stems[position], ())
                   if tuple(stems[position:position + len(names)]) == names]
        if not matched:
            position += 1
            continue
        longest = len(matched[0][0])
        for names, key in matched:
            if len(names) == longest:
                found.setdefault(key)
        position += longest
    return list(found)
