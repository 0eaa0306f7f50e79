"""``/experiences/<id>/contact``: the form that writes to a write-up's authors."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from kb.dashboard.signals import get_published_experience_or_404
from kb.experiences.form_fields import FrenchForm, strip_text
from kb.extensions import limiter
from kb.mail.contact import BODY_MAX, SUBJECT_MAX, ContactInvalid, contact_authors

bp = Blueprint("contact", __name__)
TOO_MANY = ("Vous avez envoyé beaucoup de messages en peu de temps. Réessayez dans une heure.")


class ContactForm(FrenchForm):
    subject = StringField("Objet", filters=[strip_text], validators=[
        InputRequired("Indiquez l'objet du message."),
        Length(max=SUBJECT_MAX, message=f"{SUBJECT_MAX} caractères au plus.")])
    body = TextAreaField("Votre message", filters=[strip_text], render_kw={"rows": 8},
                         validators=[InputRequired("Écrivez votre message."),
                                     Length(max=BODY_MAX,
                                            message=f"{BODY_MAX} caractères au plus.")])


def _sender_key() -> str:
    return f"contact:{current_user.get_id() if current_user.is_authenticated else 'anonyme'}"


@bp.route("/experiences/<int:experience_id>/contact", methods=["GET", "POST"], endpoint="write")
@login_required
@limiter.limit("5 per hour;20 per day", key_func=_sender_key, methods=["POST"],
               error_message=TOO_MANY)
def write(experience_id: int):
    experience = get_published_experience_or_404(experience_id)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            contact_authors(experience, current_user, form.subject.data, form.body.data)
        except ContactInvalid as invalid:
            for name, message in invalid.errors.items():
                form[name].errors = [*form[name].errors, message]
        else:
            flash("Votre message est envoyé aux auteurs de la fiche. Ils vous répondront à votre "
                  "adresse électronique.", "success")
            return redirect(url_for("experiences.show", experience_id=experience.id,
                                    slug=experience.slug), 303)
    return render_template("mail/contact_form.html", form=form, experience=experience,
                           page_title="Écrire aux auteurs"), 422 if form.is_submitted() else 200


@bp.app_context_processor
def _author_check() -> dict:
    """The write-up page asks whether to offer « Écrire aux auteurs »."""
    from kb.experiences.access import is_author

    return {"is_author": is_author}
