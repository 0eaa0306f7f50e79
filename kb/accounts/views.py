"""Sign-in, sign-out, own account and registration request; organisation pages. The admin's
pages are in :mod:`kb.accounts.admin`."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from kb.accounts.admin import admin_bp
from kb.accounts.forms import LoginForm, PasswordChangeForm, ProfileForm, RegistrationForm
from kb.accounts.models import Organisation, User
from kb.accounts.operations import (
    AccountInvalid,
    SignInRefused,
    authenticate,
    change_password,
    merged_into,
    record_sign_in,
    register,
    requested_organisation,
    update_profile,
)
from kb.accounts.throttling import limit_sign_in, record_failure
from kb.alerts.views import account_saved_searches
from kb.dashboard.followed import account_followed
from kb.db import session
from kb.experiences.access import published_page, visible_condition
from kb.experiences.models import CoFiler, Experience
from kb.experiences.pending import with_open_changes
from kb.experiences.reports import open_report_counts
from kb.mail.views import account_notifications

bp = Blueprint("accounts", __name__)

PER_PAGE = 20
__all__ = ["admin_bp", "bp"]


@bp.route("/connexion", methods=["GET", "POST"])
@limit_sign_in
def login():
    """Sign in with email and password; only approved, active accounts get in. Ten failures
    in 15 minutes for one account, or a hundred from one address, and the next attempt gets
    429 (see :mod:`kb.accounts.throttling`)."""
    if current_user.is_authenticated:
        return redirect(safe_next_path(request.args.get("next")) or "/")
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return _login_page(form, 422 if form.is_submitted() else 200)
    try:
        user = authenticate(form.email.data, form.password.data)
    except SignInRefused as refused:
        record_failure(form.email.data)
        form.form_errors.append(str(refused))
        return _login_page(form, 422)
    sign_in(user)
    flash(f"Bienvenue, {user.name}.", "success")
    return redirect(safe_next_path(form.next.data) or "/", 303)


def sign_in(user: User) -> None:
    """Open a new session (the old one's data, CSRF token included, is dropped)."""
    cookie_session.clear()
    record_sign_in(user)
    login_user(user)


def _login_page(form: LoginForm, status: int):
    return render_template("accounts/login.html", form=form, page_title="Se connecter"), status


def safe_next_path(target: str | None) -> str | None:
    """``target`` when it is a relative path of this site, else ``None``: the page a sign-in
    returns to. Refused (open redirect): absolute URLs, ``//other.example``, backslashes
    (``/\\other.example``, which browsers read as ``//``) and control characters (browsers drop
    tabs and newlines, so ``/<tab>/other.example`` would become ``//other.example``)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.app_template_global()
def sign_in_url(target: str | None = None) -> str:
    """The sign-in page's address, returning to ``target`` — by default the page being shown
    (a GET page only: a refused POST's address could not be opened again)."""
    if target is None and request.method == "GET" and request.endpoint != "accounts.login":
        target = request.full_path.rstrip("?")
    target = safe_next_path(target)
    return url_for("accounts.login", next=target) if target else url_for("accounts.login")


@bp.post("/deconnexion")
def logout():
    """Sign out (POST only: a link or an image cannot sign anyone out)."""
    logout_user()
    cookie_session.clear()
    flash("Vous êtes déconnecté.", "info")
    return redirect("/", 303)


@bp.route("/compte", methods=["GET", "POST"])
@login_required
def account():
    """The signed-in person's account: name, password, their organisation's write-ups."""
    profile = ProfileForm(formdata=None, name=current_user.name)
    if request.method == "POST":
        profile = ProfileForm()
        if profile.validate():
            try:
                update_profile(current_user, profile.name.data)
            except AccountInvalid as invalid:
                _attach(profile, invalid.errors)
            else:
                flash("Votre nom est enregistré.", "success")
                return redirect(url_for("accounts.account"), 303)
    return _account_page(profile, PasswordChangeForm(formdata=None),
                         422 if request.method == "POST" else 200)


@bp.post("/compte/mot-de-passe")
@login_required
def password():
    """Change the password; every other session of the account ends."""
    form = PasswordChangeForm()
    if form.validate():
        try:
            change_password(current_user, form.current_password.data, form.new_password.data)
        except AccountInvalid as invalid:
            _attach(form, invalid.errors)
        else:
            login_user(current_user._get_current_object())  # this session, with the new token
            flash("Votre mot de passe est changé. Vos autres sessions sont fermées.", "success")
            return redirect(url_for("accounts.account"), 303)
    return _account_page(ProfileForm(formdata=None, name=current_user.name), form, 422)


def _account_page(profile: ProfileForm, password_form: PasswordChangeForm, status: int):
    experiences = _own_experiences()
    ids = [e.id for e in experiences]
    return render_template(
        "accounts/account.html", profile_form=profile, password_form=password_form,
        experiences=experiences, page_title="Mon compte",
        with_pending=with_open_changes(ids), open_reports=open_report_counts(ids),
        **account_notifications(current_user), **account_saved_searches(current_user),
        **account_followed(current_user),
    ), status


def _own_experiences() -> list[Experience]:
    """The write-ups of the user's organisation (filed or co-filed), every state."""
    organisation_id = current_user.organisation_id
    if organisation_id is None:
        return []
    cofiled = select(CoFiler.experience_id).where(CoFiler.organisation_id == organisation_id)
    query = (select(Experience)
             .where((Experience.organisation_id == organisation_id) | Experience.id.in_(cofiled))
             .where(visible_condition())
             .order_by(Experience.updated_at.desc(), Experience.id.desc()))
    return list(session.scalars(query))


@bp.route("/inscription", methods=["GET", "POST"])
def registration():
    """Ask for an account; an admin approves or refuses the request."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = register(form.name.data, form.email.data, form.password.data,
                            form.requested_role.data, _registration_organisation(form),
                            form.message.data or "")
        except AccountInvalid as invalid:
            _attach(form, invalid.errors)
        else:
            return render_template("accounts/registration_sent.html", user=user,
                                   page_title="Demande envoyée")
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/registration.html", form=form,
                           page_title="Demander un compte"), status


def _registration_organisation(form: RegistrationForm) -> Organisation:
    if form.organisation_choice.data == "nouvelle":
        return requested_organisation(form.new_organisation_name.data,
                                      form.new_organisation_kind.data, form.territory())
    organisation = form.organisation()
    if organisation is None:
        raise AccountInvalid({"organisation_id": "Choisissez votre organisation dans la liste."})
    return organisation


def _attach(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


@bp.route("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    """An organisation and its published write-ups; the address of an organisation merged
    into another redirects (301) to the one kept."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        kept = merged_into(organisation_id)
        if kept is None:
            abort(404)
        return redirect(url_for("accounts.organisation", organisation_id=kept.id, **request.args),
                        301)
    listing = published_page(
        Experience.organisation_id == org.id, request.args.get("page"), PER_PAGE
    )
    return render_template("organisations/show.html", organisation=org, page_title=org.name,
                           **listing)

