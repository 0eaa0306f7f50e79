"""Editing an organisation's public presentation, and naming who may (``/admin``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Optional

from kb.accounts.admin import admin_bp
from kb.accounts.models import Organisation, User
from kb.accounts.operations import AccountInvalid
from kb.accounts.presentation import (
    DESCRIPTION_MAX,
    can_edit_presentation,
    set_organisation_manager,
    update_presentation,
)
from kb.accounts.views import bp
from kb.db import session
from kb.experiences.form_fields import FrenchForm, strip_text


class PresentationForm(FrenchForm):
    """An organisation's website and description."""

    website = StringField("Site web", filters=[strip_text], validators=[Optional()],
                          description="Adresse complète, par exemple https://www.exemple.fr",
                          render_kw={"type": "url", "autocomplete": "url"})
    description = TextAreaField(
        "Présentation", filters=[strip_text],
        description=f"Ce que fait l'organisation pour le numérique éducatif, en quelques lignes "
                    f"({DESCRIPTION_MAX} caractères au plus ; Markdown accepté).",
        render_kw={"rows": 8})


class ManagerForm(FrenchForm):
    manages_organisation = BooleanField("Gère la page publique de son organisation")


def get_organisation_or_404(organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


@bp.app_template_global("can_edit_presentation")
def _can_edit_presentation(user, organisation: Organisation) -> bool:
    return can_edit_presentation(user, organisation)


@bp.route("/organisations/<int:organisation_id>/presentation", methods=["GET", "POST"])
@login_required
def presentation(organisation_id: int):
    """The presentation form: site admins and the organisation's managers (403 for others)."""
    organisation = get_organisation_or_404(organisation_id)
    if not can_edit_presentation(current_user, organisation):
        abort(403)
    form = PresentationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            update_presentation(organisation, current_user, form.website.data,
                                form.description.data)
        except AccountInvalid as invalid:
            for name, message in invalid.errors.items():
                form[name].errors = [*form[name].errors, message]
        else:
            flash("La présentation de l'organisation est enregistrée.", "success")
            return redirect(url_for("accounts.organisation", organisation_id=organisation.id),
                            303)
    status = 422 if form.is_submitted() else 200
    return render_template("organisations/presentation_form.html", organisation=organisation,
                           form=form, page_title=f"Présentation — {organisation.name}"), status


@admin_bp.post("/comptes/<int:user_id>/gestion-organisation")
def organisation_manager(user_id: int):
    """Name an account to keep its organisation's public page, or stop."""
    user = session.get(User, user_id) or abort(404)
    form = ManagerForm()
    if not form.validate():
        abort(400)
    try:
        set_organisation_manager(user, current_user, form.manages_organisation.data)
    except AccountInvalid as invalid:
        flash(" ".join(invalid.errors.values()), "error")
    else:
        flash(f"{user.name} {'gère' if user.manages_organisation else 'ne gère plus'} la page "
              "publique de son organisation.", "success")
    return redirect(url_for("admin.account", user_id=user.id), 303)
