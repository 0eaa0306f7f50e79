"""Forms of the signals and the label, one per use case, with their French labels and messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from kb.experiences.vocabularies import REPORT_KINDS

COMMENT_MAX = 2000
CHOOSE_KIND = "Choisissez le motif du signalement."
CHOOSE_OWN = "Choisissez l'une des fiches publiées de votre organisation."


class ConfirmForm(FlaskForm):
    """A button alone (interest toggle, label removal): only the CSRF token is checked."""


def _id_or_none(value) -> int | None:
    """Coerce a submitted id; ``None`` for anything else (refused by the validator, in French)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ReplicationForm(FlaskForm):
    replica_id = SelectField(
        "Votre fiche qui reprend ce projet",
        coerce=_id_or_none,
        validate_choice=False,  # checked below, with a French message
        description="Seules les fiches publiées de votre organisation sont proposées.",
    )

    # the id of the write-up whose early start the partner confirmed (a checkbox's value)
    confirm_early_start = HiddenField()

    def set_candidates(self, experiences) -> ReplicationForm:
        self.replica_id.choices = [SelectChoice(e.id, e.title) for e in experiences]
        return self

    def validate_replica_id(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices or []}:
            raise ValidationError(CHOOSE_OWN)

    def early_start_confirmed(self) -> bool:
        """Whether the confirmation ticked is for the write-up now chosen."""
        return bool(self.replica_id.data) and self.confirm_early_start.data == str(
            self.replica_id.data)


class ReportForm(FlaskForm):
    kind = RadioField(
        "Motif du signalement",
        choices=[SelectChoice(code, label) for code, label in REPORT_KINDS],
        validators=[InputRequired(CHOOSE_KIND)],
        validate_choice=False,  # checked below, with a French message
    )
    comment = TextAreaField(
        "Précisez ce qui ne va pas",
        validators=[
            DataRequired("Expliquez en quelques mots ce qui doit être corrigé."),
            Length(max=COMMENT_MAX, message=f"{COMMENT_MAX} caractères au plus."),
        ],
        description="Par exemple : le projet a changé, un chiffre est faux, la fiche double "
                    "une autre (indiquez laquelle).",
    )

    def validate_kind(self, field) -> None:
        if field.data not in {code for code, _label in REPORT_KINDS}:
            raise ValidationError(CHOOSE_KIND)


class LabelForm(FlaskForm):
    justification = TextAreaField(
        "Pourquoi cette pratique mérite d'être essaimée",
        validators=[
            DataRequired("La justification est obligatoire."),
            Length(max=COMMENT_MAX, message=f"{COMMENT_MAX} caractères au plus."),
        ],
        description="Affichée sur la fiche : résultats observés, conditions de réussite, "
                    "territoires auxquels elle peut convenir.",
    )
