"""Forms of the search feature (sent with GET: nothing changes, no CSRF token)."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import ValidationError

from kb.experiences.form_fields import CheckboxesField, FrenchForm, strip_text
from kb.experiences.terms import terms_of
from kb.experiences.territory_input import chosen_territory, label_of


class ComparablesForm(FrenchForm):
    """« Trouver des projets comparables au mien »: my territory, its types, themes, levels."""

    class Meta(FrenchForm.Meta):
        csrf = False

    territoire = StringField(
        "Mon territoire", filters=[strip_text],
        description=("Commune, intercommunalité, département, région ou collectivité "
                     "d'outre-mer\u00a0: nom ou code (C23096, D23, R978…)."),
    )
    territoire_search = StringField(filters=[strip_text])  # text typed in the autocomplete
    types = CheckboxesField("Type de territoire")
    themes = CheckboxesField("Thèmes du projet")
    niveaux = CheckboxesField("Niveaux scolaires concernés")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.types.choices = terms_of("territoire")
        self.themes.choices = terms_of("theme")
        self.niveaux.choices = terms_of("niveau")
        self.territory = None

    @property
    def submitted(self) -> bool:
        return bool(self.territoire.data or self.territoire_search.data)

    def validate_territoire(self, field) -> None:
        self.territory = chosen_territory(field.data, self.territoire_search.data)
        if self.territory is None:
            raise ValidationError(
                "Territoire introuvable\u00a0: choisissez-le dans la liste ou saisissez son code."
            )

    def territory_label(self) -> str:
        """What the autocomplete shows: the chosen territory's label, else the text typed."""
        return label_of(self.territoire.data) or self.territoire_search.data or ""

    def codes(self, name: str) -> list[str]:
        valid = {code for code, _label in getattr(self, name).choices}
        return [code for code in getattr(self, name).data or [] if code in valid]
