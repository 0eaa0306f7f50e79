"""« Mot de passe oublié ? »: asking for a reset link, then choosing a new password with it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_login import logout_user

from kb.accounts.forms import ForgottenPasswordForm, PasswordResetForm
from kb.accounts.operations import AccountInvalid
from kb.accounts.password_reset import (
    ResetLinkInvalid,
    request_password_reset,
    reset_password,
    user_for_token,
)
from kb.accounts.throttling import account_digest
from kb.extensions import limiter

bp = Blueprint("password", __name__)

TOO_MANY_REQUESTS = ("Trop de demandes de nouveau mot de passe pour cette adresse ou depuis ce "
                     "poste. Réessayez dans une heure ; le dernier lien envoyé reste valable.")


def _address_key() -> str:
    return f"reset-adresse:{request.remote_addr or 'inconnue'}"


def _account_key() -> str:
    return f"reset-compte:{account_digest(request.form.get('email'))}"


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit("3 per hour", key_func=_account_key, methods=["POST"],
               error_message=TOO_MANY_REQUESTS)
@limiter.limit("10 per hour", key_func=_address_key, methods=["POST"],
               error_message=TOO_MANY_REQUESTS)
def forgotten():
    """Ask for a link; the answer is the same whether the address has an account or not."""
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        return render_template("accounts/password_sent.html", email=form.email.data,
                               page_title="Vérifiez votre messagerie")
    return render_template("accounts/password_forgotten.html", form=form,
                           page_title="Mot de passe oublié"), 422 if form.is_submitted() else 200


@bp.route("/mot-de-passe/nouveau/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password with a valid link; then sign in with it."""
    try:
        user = user_for_token(token)
    except ResetLinkInvalid as invalid:
        return render_template("accounts/password_link_invalid.html", message=str(invalid),
                               page_title="Lien expiré ou déjà utilisé"), 410
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            reset_password(token, form.new_password.data)
        except AccountInvalid as invalid:
            form.new_password.errors = [*form.new_password.errors, *invalid.errors.values()]
        else:
            logout_user()
            cookie_session.clear()
            flash("Votre mot de passe est changé. Connectez-vous avec le nouveau ; vos autres "
                  "sessions sont fermées.", "success")
            return redirect(url_for("accounts.login"), 303)
    return render_template("accounts/password_reset.html", form=form, user=user, token=token,
                           page_title="Choisir un nouveau mot de passe"), \
        422 if form.is_submitted() else 200
