"""Form building blocks shared by every form of the service: a French base form and fields that
read what people actually type (« 85 000 € », « 09/2019 », one link per line)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, MonthInput, TextInput

_FRENCH = get_translations(["fr_FR", "fr"])
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_MONTH_ISO = re.compile(r"(\d{4})-(\d{1,2})")
_MONTH_FR = re.compile(r"(\d{1,2})[/.-](\d{4})")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class FrenchForm(FlaskForm):
    """A Flask-WTF form (CSRF token included) whose built-in messages are in French."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _FRENCH

    def error_list(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) of every error, for the summary at the top of the form;
        form-wide messages come last, without a link."""
        items = []
        for target in self._fields.values():
            if target.type == "CSRFTokenField":
                continue
            for message in _flat_errors(target.errors):
                items.append((_anchor(target), target.label.text, message))
        return items + [("", "", message) for message in self.form_errors]


def _flat_errors(errors) -> list[str]:
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _flat_errors(value)]
    if isinstance(errors, list | tuple):
        return [m for value in errors for m in _flat_errors(value)]
    return [errors] if errors else []


def _anchor(target) -> str:
    """The id a summary link points to: the field itself, or the first box of a group."""
    if target.type in ("CheckboxesField", "RadioField"):
        return f"{target.id}-0"
    if target.type == "FieldList":
        return f"{target.id}-0-organisation_id"
    return target.id


def select_choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as the choices of a select, radio or check box field."""
    return [SelectChoice(value, label) for value, label in pairs]


def strip_text(value):
    """Trim surrounding blanks; text areas get ``\\n`` line ends whatever the browser sent."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value


class CheckboxesField(SelectMultipleField):
    """A group of check boxes; the codes are checked by the operation that saves them."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(label, validators, **kwargs)


class MonthField(StringField):
    """A month, sent as ``YYYY-MM`` by ``<input type="month">`` or typed ``09/2019``."""

    widget = MonthInput()

    def process_formdata(self, valuelist):
        """Normalise to ``YYYY-MM``; keep the text as typed when it is not a month."""
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        iso, french = _MONTH_ISO.fullmatch(text), _MONTH_FR.fullmatch(text)
        year, month = (iso[1], iso[2]) if iso else (french[2], french[1]) if french else (0, 0)
        if not 1 <= int(month) <= 12 or not 1900 <= int(year) <= 2100:
            self.data = text
            raise ValueError("Indiquez un mois au format AAAA-MM (par exemple 2023-09).")
        self.data = f"{int(year):04d}-{int(month):02d}"


class WholeNumberField(StringField):
    """A non-negative whole number; spaces, « € » and « euros » are ignored (« 85 000 € »)."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        """An ``int``, or ``None`` when empty; the text typed is kept for the form."""
        text = (valuelist[0] if valuelist else "").strip()
        self.raw_text = text
        cleaned = _SPACES.sub("", text.lower()).removesuffix("euros").removesuffix("€")
        if not cleaned:
            self.data = None
        elif cleaned.isdecimal():  # not isdigit: « ² » is a digit that int() refuses
            self.data = int(cleaned)
        else:
            self.data = None
            message = ("Indiquez un nombre positif ou nul." if cleaned.lstrip("-").isdecimal() else
                       "Indiquez un nombre entier, sans virgule ni lettre (par exemple 85000).")
            raise ValueError(message)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class LinesField(TextAreaField):
    """One item per line; ``data`` is the list of non-empty, trimmed lines."""

    def process_formdata(self, valuelist):
        """The non-empty lines, trimmed."""
        text = strip_text(valuelist[0]) if valuelist else ""
        self.data = [line.strip() for line in text.split("\n") if line.strip()]

    def process_data(self, value):
        self.data = list(value or [])

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "\n".join(self.data or [])


def email_format(form, field) -> None:
    """Validator: an address of the shape ``nom@domaine.fr`` (when one is given)."""
    value = field.data or ""
    if value and (len(value) > 254 or not _EMAIL.fullmatch(value)):
        raise ValidationError("Indiquez une adresse électronique valide (nom@domaine.fr).")
