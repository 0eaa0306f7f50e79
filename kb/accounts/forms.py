"""Forms of the accounts feature: sign-in, account, registration request, and the admin's."""

from __future__ import annotations

from wtforms import (
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from kb.accounts import organisation_lookup
from kb.accounts.auth import MIN_PASSWORD_LENGTH
from kb.accounts.models import Organisation
from kb.accounts.organisation_lookup import (
    OrganisationInput,
    resolve_organisation,
    typed_organisation,
    unknown_message,
)
from kb.experiences.form_fields import FrenchForm, email_format, select_choices, strip_text
from kb.experiences.territory_input import chosen_territory, label_of
from kb.experiences.vocabularies import ORGANISATION, ROLES
from kb.territories.models import Territory

MAX_PASSWORD_LENGTH = 1024
PASSWORD_HINT = (f"{MIN_PASSWORD_LENGTH} caractères au moins. Une phrase de plusieurs mots est "
                 "facile à retenir et difficile à deviner.")
REQUESTABLE_ROLES = [(code, label) for code, label in ROLES if code != "admin"]
ROLE_HINTS = {
    "contributeur": "Déposer et tenir à jour les fiches de votre organisation.",
    "moderateur": "Relire les fiches soumises avant leur publication.",
    "analyste": "Pour les services du ministère : tableau de bord, labels.",
}


def new_password_validators() -> list:
    """Required, and long enough (the rule of :data:`MIN_PASSWORD_LENGTH`)."""
    return [
        InputRequired("Choisissez un mot de passe."),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères."),
    ]


def lower_email(value):
    return value.strip().lower() if isinstance(value, str) else value


class LoginForm(FrenchForm):
    """Signing in with an email address and a password."""

    email = StringField("Adresse électronique", filters=[lower_email],
                        validators=[InputRequired("Indiquez votre adresse électronique.")],
                        render_kw={"type": "email", "autocomplete": "username",
                                   "spellcheck": "false"})
    password = PasswordField("Mot de passe",
                             validators=[InputRequired("Indiquez votre mot de passe.")])
    next = HiddenField()


class ProfileForm(FrenchForm):
    """The account's name."""

    name = StringField("Nom et prénom", filters=[strip_text], render_kw={"autocomplete": "name"},
                       validators=[DataRequired("Indiquez votre nom."),
                                   Length(max=200, message="200 caractères au plus.")])


class PasswordChangeForm(FrenchForm):
    """A new password, given the current one."""

    current_password = PasswordField(
        "Mot de passe actuel", validators=[InputRequired("Indiquez votre mot de passe actuel.")])
    new_password = PasswordField("Nouveau mot de passe", description=PASSWORD_HINT,
                                 validators=new_password_validators())
    confirm = PasswordField("Confirmez le nouveau mot de passe", validators=[
        InputRequired("Saisissez à nouveau le nouveau mot de passe."),
        EqualTo("new_password", "Les deux mots de passe ne sont pas identiques."),
    ])


class RegistrationForm(OrganisationInput, FrenchForm):
    """A request for an account, approved or refused by an admin."""

    name = StringField("Nom et prénom", filters=[strip_text], render_kw={"autocomplete": "name"},
                       validators=[DataRequired("Indiquez votre nom."),
                                   Length(max=200, message="200 caractères au plus.")])
    email = StringField("Adresse électronique professionnelle", filters=[lower_email],
                        validators=[InputRequired("Indiquez votre adresse électronique."),
                                    email_format],
                        render_kw={"type": "email", "autocomplete": "email"})
    password = PasswordField("Mot de passe", description=PASSWORD_HINT,
                             validators=new_password_validators())
    confirm = PasswordField("Confirmez le mot de passe", validators=[
        InputRequired("Saisissez à nouveau le mot de passe."),
        EqualTo("password", "Les deux mots de passe ne sont pas identiques."),
    ])
    organisation_choice = RadioField(
        "Votre organisation", default="existante",
        choices=select_choices([("existante", "Elle figure déjà dans la liste"),
                                ("nouvelle", "Elle n'y figure pas encore")]),
        validators=[InputRequired("Indiquez si votre organisation figure dans la liste.")],
    )
    organisation_id = StringField("Organisation", filters=[strip_text],
                                  description=organisation_lookup.HINT)
    organisation_search = StringField(filters=[strip_text])
    new_organisation_name = StringField(
        "Nom de l'organisation", filters=[strip_text],
        description="Par exemple « Ville de Guéret » ou « Communauté d'agglomération du Grand "
                    "Guéret ».")
    new_organisation_kind = SelectField(
        "Type d'organisation", choices=select_choices([("", "— Choisir —"), *ORGANISATION.terms]),
        validate_choice=False)
    new_organisation_territory = StringField(
        "Territoire de l'organisation", filters=[strip_text],
        description="Tapez quelques lettres et choisissez dans la liste, ou saisissez le code "
                    "(C23096, D23…). Facultatif pour une association ou un service de l'État.")
    new_organisation_territory_search = StringField(filters=[strip_text])
    requested_role = RadioField("Rôle demandé", choices=select_choices(REQUESTABLE_ROLES),
                                default="contributeur",
                                validators=[InputRequired("Choisissez le rôle demandé.")])
    message = TextAreaField("Message pour l'administrateur (facultatif)", filters=[strip_text],
                            description="Votre fonction, ce que vous comptez faire ici…",
                            validators=[Length(max=2000, message="2 000 caractères au plus.")],
                            render_kw={"rows": 3})

    def validate_organisation_id(self, field) -> None:
        if self.organisation_choice.data != "existante":
            return
        if not (field.data or self.organisation_search.data):
            raise ValidationError("Tapez le nom de votre organisation et choisissez-la dans "
                                  "la liste proposée.")
        if self.organisation() is None:
            raise ValidationError(unknown_message(
                self.organisation_search.data or field.data,
                "Organisation introuvable\u00a0: choisissez-la dans la liste proposée, ou "
                "indiquez qu'elle n'y figure pas encore."))

    def validate_new_organisation_name(self, field) -> None:
        """Required when the organisation is new."""
        if self.organisation_choice.data == "nouvelle" and not field.data:
            raise ValidationError("Indiquez le nom de votre organisation.")
        if len(field.data or "") > 200:
            raise ValidationError("200 caractères au plus.")

    def validate_new_organisation_kind(self, field) -> None:
        if self.organisation_choice.data == "nouvelle" and field.data not in ORGANISATION.codes:
            raise ValidationError("Choisissez le type de votre organisation.")

    def validate_new_organisation_territory(self, field) -> None:
        """A territory typed for a new organisation must be found."""
        if self.organisation_choice.data != "nouvelle":
            return
        typed = field.data or self.new_organisation_territory_search.data
        if typed and self.territory() is None:
            raise ValidationError("Territoire introuvable : choisissez-le dans la liste ou "
                                  "saisissez son code.")

    def territory(self) -> Territory | None:
        return chosen_territory(self.new_organisation_territory.data,
                                self.new_organisation_territory_search.data)

    def territory_label(self) -> str:
        return (label_of(self.new_organisation_territory.data)
                or self.new_organisation_territory_search.data or "")


# --------------------------------------------------------------------------- admin


class ApprovalForm(FrenchForm):
    """Approving a registration request, with the role granted."""

    role = SelectField("Rôle accordé", choices=select_choices(ROLES), validate_choice=False)


class AccountAdminForm(FrenchForm):
    """An admin's changes to an account: role and organisation."""

    role = SelectField("Rôle", choices=select_choices(ROLES), validate_choice=False)
    organisation_id = StringField("Organisation", filters=[strip_text],
                                  description="Obligatoire pour un contributeur. "
                                              + organisation_lookup.HINT)
    organisation_search = StringField(filters=[strip_text])

    def organisation(self) -> Organisation | None:
        """The organisation typed or picked; ``None`` when the field is empty. Raises
        :class:`AccountInvalid` when something was typed that names no organisation (an
        unknown name must not silently detach the account)."""
        return typed_organisation(self.organisation_id.data, self.organisation_search.data,
                                  "organisation_id")


class OrganisationForm(FrenchForm):
    """Creating or editing an organisation."""

    name = StringField("Nom", filters=[strip_text],
                       validators=[DataRequired("Indiquez le nom de l'organisation."),
                                   Length(max=200, message="200 caractères au plus.")])
    kind = SelectField("Type", choices=select_choices([("", "— Choisir —"), *ORGANISATION.terms]),
                       validate_choice=False)
    territory_code = StringField(
        "Territoire", filters=[strip_text],
        description="Tapez quelques lettres et choisissez dans la liste, ou saisissez le code.")
    territory_code_search = StringField(filters=[strip_text])
    website = StringField("Site web", filters=[strip_text], validators=[Optional()],
                          render_kw={"type": "url"})
    description = TextAreaField("Présentation", filters=[strip_text], render_kw={"rows": 3})

    def territory(self) -> Territory | None:
        return chosen_territory(self.territory_code.data, self.territory_code_search.data)

    def territory_label(self) -> str:
        return label_of(self.territory_code.data) or self.territory_code_search.data or ""

    def organisation_data(self) -> dict:
        """What was typed, in the shape the organisation operations take."""
        territory = self.territory()
        typed = self.territory_code.data or self.territory_code_search.data
        return {"name": self.name.data or "", "kind": self.kind.data or "",
                "territory_code": territory.code if territory else (typed or None),
                "website": self.website.data or None, "description": self.description.data or None}


class MergeForm(FrenchForm):
    """Merging a duplicate organisation into the one to keep."""

    target_id = StringField("Organisation à conserver", filters=[strip_text],
                            description="Ses fiches, comptes et co-dépôts recevront ceux de "
                                        "l'organisation en double, qui sera ensuite supprimée. "
                                        + organisation_lookup.HINT)
    target_search = StringField(filters=[strip_text])

    def target(self) -> Organisation | None:
        """The organisation to keep; ``None`` if none is named (the merge itself refuses the
        duplicate)."""
        return resolve_organisation(self.target_id.data, self.target_search.data)


class ConfirmForm(FrenchForm):
    """A button that changes something: nothing but the CSRF token."""


def vocabulary_form(vocabulary, labels: dict[str, str]):
    """A form with one label field per code of ``vocabulary`` (codes never change)."""

    class VocabularyForm(FrenchForm):
        pass

    for code, _default in vocabulary.terms:
        setattr(VocabularyForm, f"label_{code}", StringField(
            code, default=labels.get(code), filters=[strip_text],
            validators=[DataRequired("Le libellé ne peut pas être vide."),
                        Length(max=200, message="200 caractères au plus.")]))
    return VocabularyForm


class ForgottenPasswordForm(FrenchForm):
    """The address of the account whose password is forgotten."""

    email = StringField("Adresse électronique", filters=[lower_email],
                        validators=[InputRequired("Indiquez votre adresse électronique."),
                                    email_format],
                        render_kw={"type": "email", "autocomplete": "username",
                                   "spellcheck": "false"})


class PasswordResetForm(FrenchForm):
    """A new password, from a reset link."""

    new_password = PasswordField("Nouveau mot de passe", description=PASSWORD_HINT,
                                 validators=new_password_validators())
    confirm = PasswordField("Confirmez le nouveau mot de passe", validators=[
        InputRequired("Saisissez à nouveau le nouveau mot de passe."),
        EqualTo("new_password", "Les deux mots de passe ne sont pas identiques."),
    ])
