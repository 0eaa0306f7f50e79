"""The forms of the attachment pages: adding a file, and the buttons (CSRF only)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField

from kb.attachments.checks import ACCEPTED_TEXT
from kb.experiences.form_fields import FrenchForm, select_choices, strip_text

ACCEPT = (".pdf,.odt,.ods,.odp,.docx,.xlsx,.pptx,.csv,.png,.jpg,.jpeg,.webp,application/pdf,"
          "image/png,image/jpeg,image/webp,text/csv")


class AttachmentForm(FrenchForm):
    """One file with its title, description and — for an image — its alt text."""

    file = FileField("Fichier", render_kw={"accept": ACCEPT})
    title = StringField("Titre", filters=[strip_text], render_kw={"maxlength": 200},
                        description="Par exemple « Délibération du conseil municipal ».")
    description = TextAreaField("Description (facultative)", filters=[strip_text],
                                render_kw={"rows": 3, "maxlength": 2000})
    alt_text = StringField(
        "Texte alternatif (obligatoire pour une image)", filters=[strip_text],
        render_kw={"maxlength": 300},
        description="Ce que montre l'image, pour qui ne la voit pas : « Élèves de CM2 utilisant "
                    "des tablettes en classe ».")
    follow_up_id = SelectField("Rattacher à", choices=select_choices([("", "La fiche")]),
                               validate_choice=False)

    def set_file_hint(self, max_count: int, max_size: str) -> None:
        self.file.description = (f"{ACCEPTED_TEXT}. {max_size} au plus par fichier, "
                                 f"{max_count} fichiers au plus par fiche.")


class AttachmentActionForm(FrenchForm):
    """Delete, restore or purge an attachment: nothing but the CSRF token."""
