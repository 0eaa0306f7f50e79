"""The forms of the write-up feature, one class per use case.

The write-up form carries every field of SPEC section 5. It reads formats (numbers, months,
lines); the rules on the data itself (required title, at least one theme, dates in order, http(s)
links…) live in :mod:`kb.experiences.validation`, shared with every other way of saving, and
their messages are attached back to the fields by :meth:`ExperienceForm.add_errors`.
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError

from kb.accounts import organisation_lookup
from kb.accounts.organisation_lookup import OrganisationInput, input_label, resolve_organisation
from kb.db import row_id
from kb.experiences.form_fields import (
    CheckboxesField,
    FrenchForm,
    LinesField,
    MonthField,
    WholeNumberField,
    email_format,
    select_choices,
    strip_text,
)
from kb.experiences.snapshot import VOCABULARY_FIELDS
from kb.experiences.terms import terms_of
from kb.experiences.territory_input import chosen_territory, label_of
from kb.experiences.vocabularies import EVIDENCE, KNOWN_FUNDERS, PROJECT_STATES

EMPTY_COFILER_ROWS = 2
MARKDOWN_FIELDS = ("context", "actions", "results", "lessons")
MARKDOWN_HINT = ("Mise en forme possible : **gras**, *italique*, listes (- élément), "
                 "liens [texte](https://…), intertitres (### Titre).")
_FORMAT_ONLY = {"budget_eur", "schools", "pupils", "teachers", "start", "end", "contact_email"}


class CoFilerForm(Form):
    """One co-filing organisation and its role in the project. The organisation is typed, with
    an autocomplete (:mod:`kb.accounts.organisation_lookup`): its id, else the text shown."""

    organisation_id = StringField("Organisation", filters=[strip_text],
                                  description=organisation_lookup.HINT)
    organisation_search = StringField(filters=[strip_text])
    role = StringField("Son rôle dans le projet", filters=[strip_text],
                       validators=[Length(max=200, message="200 caractères au plus.")])


class ExperienceForm(FrenchForm):
    """Every field of a write-up (SPEC section 5), in the order of the form's sections."""

    title = StringField(
        "Titre de la fiche", filters=[strip_text],
        description="Un titre court qui dit ce qui a été fait et où, "
                    "par exemple « Des tablettes dans les écoles de Guéret ».",
        render_kw={"maxlength": 200, "autocomplete": "off"},
    )
    summary = TextAreaField(
        "Résumé", filters=[strip_text],
        description="En texte simple, 600 caractères au plus : ce que l'on retient du projet.",
        render_kw={"rows": 4, "maxlength": 600},
    )
    context = TextAreaField("Contexte et problème de départ", filters=[strip_text],
                            description="Pourquoi ce projet ? Quelle situation vouliez-vous "
                                        "changer ?")
    actions = TextAreaField("Ce qui a été fait", filters=[strip_text],
                            description="Les étapes, les choix techniques, l'organisation retenue.")
    results = TextAreaField("Résultats et évaluation", filters=[strip_text],
                            description="Ce qui a changé pour les élèves, les enseignants, "
                                        "les familles ; les chiffres dont vous disposez.")
    lessons = TextAreaField("Enseignements et conseils pour reproduire", filters=[strip_text],
                            description="Ce que vous referiez, ce que vous éviteriez, "
                                        "les conditions de réussite.")

    territory_code = StringField(
        "Territoire du projet", filters=[strip_text],
        description="Commune, intercommunalité, département, région ou collectivité "
                    "d'outre-mer. Tapez quelques lettres du nom et choisissez dans la liste, ou "
                    "saisissez le code (C23096, D23, R978…).",
    )
    territory_code_search = StringField(filters=[strip_text])
    territory_types = CheckboxesField("Type de territoire")
    levels = CheckboxesField("Niveaux scolaires concernés")
    themes = CheckboxesField("Thèmes", description="Au moins un thème.")
    equipment = CheckboxesField("Équipements")

    project_state = RadioField("État du projet", choices=select_choices(PROJECT_STATES),
                               validate_choice=False,
                               validators=[Optional()])
    start = MonthField("Début du projet", validators=[Optional()],
                       description="Mois et année, au format AAAA-MM (par exemple 2023-09).")
    end = MonthField("Fin du projet", validators=[Optional()],
                     description="Mois et année ; laissez vide si le projet se poursuit.")

    budget_eur = WholeNumberField("Budget total, en euros", validators=[Optional()],
                                  description="Investissement et fonctionnement, toutes sources "
                                              "de financement confondues.",
                                  render_kw={"inputmode": "numeric"})
    funders = CheckboxesField("Financeurs", choices=select_choices((f, f) for f in KNOWN_FUNDERS))
    other_funders = LinesField("Autres financeurs", description="Un par ligne.",
                               render_kw={"rows": 2})
    schools = WholeNumberField("Nombre d'écoles ou d'établissements", validators=[Optional()],
                               render_kw={"inputmode": "numeric"})
    pupils = WholeNumberField("Nombre d'élèves", validators=[Optional()],
                              render_kw={"inputmode": "numeric"})
    teachers = WholeNumberField("Nombre d'enseignants", validators=[Optional()],
                                render_kw={"inputmode": "numeric"})

    partners = TextAreaField("Partenaires", filters=[strip_text],
                             description="Entreprises, associations, services de l'État…",
                             render_kw={"rows": 3})
    cofilers = FieldList(FormField(CoFilerForm), "Organisations co-déposantes", min_entries=0,
                         max_entries=12)

    evidence = RadioField("Comment les résultats ont-ils été évalués ?",
                          choices=select_choices(EVIDENCE),
                          default="aucune", validate_choice=False)
    links = LinesField("Liens", description="Un lien par ligne, commençant par https:// "
                                            "(site du projet, article, rapport…).",
                       render_kw={"rows": 3})

    contact_name = StringField("Nom de la personne à contacter", filters=[strip_text])
    contact_role = StringField("Sa fonction", filters=[strip_text])
    contact_email = StringField("Son adresse électronique", filters=[strip_text],
                                validators=[email_format], render_kw={"type": "email"},
                                description="Visible des seuls partenaires connectés.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, vocabulary in VOCABULARY_FIELDS.items():
            self[name].choices = select_choices(terms_of(vocabulary))
        while len(self.cofilers.entries) < self._cofiler_rows():
            self.cofilers.append_entry()

    def _cofiler_rows(self) -> int:
        filled = sum(1 for e in self.cofilers
                     if e.form.organisation_id.data or e.form.organisation_search.data)
        return min(max(filled + EMPTY_COFILER_ROWS, len(self.cofilers.entries)), 12)

    # ----------------------------------------------------------------- data in and out

    @classmethod
    def values_from(cls, data: dict) -> dict:
        """The form's initial values for a write-up's data (a snapshot)."""
        values = dict(data)
        values["funders"] = [f for f in data["funders"] if f in KNOWN_FUNDERS]
        values["other_funders"] = [f for f in data["funders"] if f not in KNOWN_FUNDERS]
        values["territory_code_search"] = label_of(data["territory_code"])
        values["cofilers"] = [{"organisation_id": str(c["organisation_id"]),
                               "organisation_search": input_label(c["organisation_id"], ""),
                               "role": c["role"]}
                              for c in data["cofilers"]]
        return values

    def experience_data(self) -> dict:
        """What the person typed, in the shape the operations take."""
        territory = chosen_territory(self.territory_code.data, self.territory_code_search.data)
        data = {name: self[name].data for name in (
            "title", "summary", *MARKDOWN_FIELDS, *VOCABULARY_FIELDS, "start", "end",
            "budget_eur", "schools", "pupils", "teachers", "partners", "links", "evidence",
            "contact_name", "contact_role", "contact_email",
        )}
        data.update(
            territory_code=territory.code if territory else "",
            project_state=self.project_state.data or None,
            funders=list(self.funders.data or []) + list(self.other_funders.data or []),
            cofilers=self._cofiler_data(),
        )
        if territory is None:  # what was typed, for the message naming it
            data["territory_code"] = self.territory_code.data or self.territory_code_search.data
        return data

    def _cofiler_data(self) -> list[dict]:
        rows = []
        for entry in self.cofilers:
            raw, typed = entry.form.organisation_id.data, entry.form.organisation_search.data
            if raw or typed:
                organisation = resolve_organisation(raw, typed)
                rows.append({"organisation_id": organisation.id if organisation else typed or raw,
                             "role": entry.form.role.data or ""})
        return rows

    def territory_label(self) -> str:
        """What the autocomplete shows: the chosen territory's label, else the text typed."""
        return label_of(self.territory_code.data) or self.territory_code_search.data or ""

    def add_errors(self, errors: dict[str, str]) -> None:
        """Attach the operation's messages to their fields (once per field)."""
        for name, message in errors.items():
            target = self._fields.get(name)
            if target is None:
                self.form_errors.append(message)
            elif name in _FORMAT_ONLY and target.errors:
                continue
            elif message not in target.errors:
                target.errors = [*target.errors, message]


class NewExperienceForm(ExperienceForm):
    """Filing a write-up, for a contributor: the organisation is theirs."""


class StaffNewExperienceForm(OrganisationInput, NewExperienceForm):
    """Filing a write-up as a moderator or admin, on behalf of any organisation."""

    organisation_id = StringField("Organisation qui dépose la fiche", filters=[strip_text],
                                  description=organisation_lookup.HINT)
    organisation_search = StringField(filters=[strip_text])

    def validate_organisation_id(self, field) -> None:
        """A name typed must name one organisation: never file silently for another (the
        staff member's own) when it does not."""
        typed = self.organisation_search.data or field.data
        if typed and self.organisation() is None:
            raise ValidationError(organisation_lookup.unknown_message(typed))


class EditExperienceForm(ExperienceForm):
    """Editing a write-up: carries the version and revision the edit started from."""

    version = HiddenField()
    base_revision = HiddenField()
    pending_version = HiddenField()  # the draft of changes waiting for review, if any

    def base_version(self) -> int:
        return _integer(self.version.data)

    def base_pending_version(self) -> int | None:
        return _integer(self.pending_version.data) or None

    def base_revision_number(self) -> int | None:
        return _integer(self.base_revision.data) or None


def _integer(value) -> int:
    return row_id(value) or 0


class StateChangeForm(FrenchForm):
    """Submitting, publishing, archiving: an optional comment for the other side (its rules
    are the operation's)."""

    comment = TextAreaField("Commentaire (facultatif)", filters=[strip_text],
                            render_kw={"rows": 3})


class SendBackForm(FrenchForm):
    """Sending a write-up back to its authors: the comment, required by the operation, says
    what they must change."""

    comment = TextAreaField("Ce que les auteurs doivent modifier", filters=[strip_text],
                            render_kw={"rows": 4, "required": True})


class FollowUpForm(FrenchForm):
    """A dated follow-up entry on a published write-up (its rules are the operation's)."""

    entry_date = DateField("Date du point d'étape", validators=[Optional()])
    title = StringField("Titre (facultatif)", filters=[strip_text],
                        description="Par exemple « Bilan à un an ».", render_kw={"maxlength": 200})
    body = TextAreaField("Où en est le projet ?", filters=[strip_text], description=MARKDOWN_HINT,
                         render_kw={"rows": 5})


class PreviewForm(FrenchForm):
    """The Markdown text whose rendering the form's preview asks for."""

    text = TextAreaField(validators=[Length(max=60_000)])


class RestoreForm(FrenchForm):
    """Restoring a revision: nothing but the CSRF token."""


class ResolveReportForm(FrenchForm):
    """Marking a report as dealt with: nothing but the CSRF token."""



class ReportAnswerForm(FrenchForm):
    """A moderator's answer to the person who filed a report (its rules are the operation's)."""

    body = TextAreaField("Votre réponse à la personne qui a signalé la fiche",
                         filters=[strip_text], render_kw={"rows": 4})
    close = BooleanField("Clore le signalement avec cette réponse", default=True)


class ReportQuestionForm(FrenchForm):
    """A moderator's question to the authors of a reported write-up."""

    body = TextAreaField("Votre question aux auteurs de la fiche", filters=[strip_text],
                         description="Les auteurs voient le signalement, sans savoir qui l'a "
                                     "fait, et vous répondent depuis la page de leur fiche.",
                         render_kw={"rows": 4})


class ReportArchiveForm(FrenchForm):
    """Archiving a reported write-up (the reason is shown to its authors)."""

    comment = TextAreaField("Motif de l'archivage, pour les auteurs (facultatif)",
                            filters=[strip_text], render_kw={"rows": 3})


class AuthorReplyForm(FrenchForm):
    """The authors' reply about a report on their write-up."""

    body = TextAreaField("Votre réponse à la modération", filters=[strip_text],
                         render_kw={"rows": 4})


class WithdrawChangesForm(FrenchForm):
    """Withdrawing the changes waiting for review: nothing but the CSRF token."""
