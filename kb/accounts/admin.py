"""``/admin``: organisations (create, edit, merge duplicates), accounts (approve or refuse
requests, role, disable) and vocabularies (labels; codes are fixed). Admins only (403)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from kb.accounts.auth import role_required
from kb.accounts.forms import (
    AccountAdminForm,
    ApprovalForm,
    ConfirmForm,
    MergeForm,
    OrganisationForm,
    vocabulary_form,
)
from kb.accounts.models import Organisation, User
from kb.accounts.operations import (
    AccountInvalid,
    approve_user,
    change_account,
    create_organisation,
    delete_organisation,
    merge_organisations,
    merge_preview,
    merges_into,
    organisation_usage,
    pending_requests,
    refuse_user,
    set_account_active,
    update_organisation,
)
from kb.accounts.organisation_lookup import unknown_message
from kb.db import session
from kb.experiences.operations import ExperienceInvalid, update_term_labels
from kb.experiences.terms import term_labels
from kb.experiences.vocabularies import ALL_VOCABULARIES, BY_NAME
from kb.french import compte
from kb.territories.lookup import fold

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


@admin_bp.before_request
@role_required("admin")
def _admins_only():
    """Every page of ``/admin`` is for admins: sign-in first, then 403 for anyone else."""
    return None


@admin_bp.route("/")
def index():
    """Overview: pending requests, accounts, organisations."""
    counts = {
        "pending": len(pending_requests()),
        "users": session.scalar(select(func.count(User.id))),
        "organisations": session.scalar(select(func.count(Organisation.id))),
    }
    return render_template("admin/index.html", counts=counts, page_title="Administration")


# --------------------------------------------------------------------------- accounts


@admin_bp.route("/comptes")
def accounts():
    """Requests waiting for a decision, then every account (searchable)."""
    q = request.args.get("q", "").strip()[:200]
    query = select(User).order_by(User.name, User.id)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like),
                                func.lower(User.email).like(like)))
    return render_template(
        "admin/accounts.html", pending=pending_requests(),
        users=session.scalars(query.limit(500)).all(),
        q=q, approval_form=ApprovalForm(formdata=None), confirm_form=ConfirmForm(formdata=None),
        page_title="Comptes — Administration",
    )


@admin_bp.route("/comptes/<int:user_id>", methods=["GET", "POST"])
def account(user_id: int):
    """An account: role and organisation; approve, refuse, disable or enable it."""
    user = _user_or_404(user_id)
    form = AccountAdminForm(formdata=None, role=user.role,
                            organisation_id=str(user.organisation_id or ""))
    if request.method == "POST":
        form = AccountAdminForm()
        if _saved(form, lambda: change_account(user, current_user, form.role.data,
                                               form.organisation())):
            flash("Le compte est modifié.", "success")
            return redirect(url_for("admin.account", user_id=user.id), 303)
    return render_template(
        "admin/account.html", user=user, form=form, approval_form=ApprovalForm(
            formdata=None, role=user.requested_role or "contributeur"),
        confirm_form=ConfirmForm(formdata=None), page_title=f"{user.name} — Comptes",
    ), 422 if request.method == "POST" else 200


@admin_bp.post("/comptes/<int:user_id>/approuver")
def approve(user_id: int):
    """Accept a registration request with the role chosen."""
    user = _user_or_404(user_id)
    form = ApprovalForm()
    return _account_action(user, lambda: approve_user(user, current_user, form.role.data),
                           f"La demande de {user.name} est acceptée : le compte peut se connecter.")


@admin_bp.post("/comptes/<int:user_id>/refuser")
def refuse(user_id: int):
    """Turn a registration request down."""
    user = _user_or_404(user_id)
    return _account_action(user, lambda: refuse_user(user, current_user),
                           f"La demande de {user.name} est refusée.")


@admin_bp.post("/comptes/<int:user_id>/desactiver")
def disable(user_id: int):
    """Disable an account; its sessions end."""
    user = _user_or_404(user_id)
    return _account_action(user, lambda: set_account_active(user, current_user, False),
                           f"Le compte de {user.name} est désactivé.")


@admin_bp.post("/comptes/<int:user_id>/reactiver")
def enable(user_id: int):
    """Enable a disabled account again."""
    user = _user_or_404(user_id)
    return _account_action(user, lambda: set_account_active(user, current_user, True),
                           f"Le compte de {user.name} est réactivé.")


def _account_action(user: User, action, message: str):
    try:
        action()
    except AccountInvalid as invalid:
        flash(" ".join(invalid.errors.values()), "error")
    else:
        flash(message, "success")
    if request.form.get("retour") == "liste":
        return redirect(url_for("admin.accounts"), 303)
    return redirect(url_for("admin.account", user_id=user.id), 303)


def _user_or_404(user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    return user


# --------------------------------------------------------------------------- organisations


@admin_bp.route("/organisations")
def organisations():
    """Organisations by name, with a search on the name (accents and case ignored)."""
    q = request.args.get("q", "").strip()[:200]
    query = select(Organisation).order_by(Organisation.name, Organisation.id)
    rows = session.scalars(query).all()
    if q:
        wanted = fold(q)
        rows = [o for o in rows if wanted in fold(o.name) or q.upper() == (o.territory_code or "")]
    page = max(1, request.args.get("page", 1, type=int))
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(page, pages)
    return render_template(
        "admin/organisations.html", organisations=rows[(page - 1) * PER_PAGE:page * PER_PAGE],
        total=len(rows), q=q, page=page, pages=pages, page_title="Organisations — Administration",
    )


@admin_bp.route("/organisations/nouvelle", methods=["GET", "POST"])
def new_organisation():
    """Create an organisation."""
    form = OrganisationForm(formdata=None, kind="commune")
    if request.method == "POST":
        form = OrganisationForm()
        created = _saved(form, lambda: create_organisation(current_user, form.organisation_data()))
        if created:
            flash(f"L'organisation « {created.name} » est créée.", "success")
            return redirect(url_for("admin.organisation", organisation_id=created.id), 303)
    return render_template("admin/organisation_form.html", form=form, organisation=None,
                           page_title="Nouvelle organisation — Administration"), \
        422 if request.method == "POST" else 200


@admin_bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def organisation(organisation_id: int):
    """Edit an organisation; merge it into another; delete it when nothing refers to it."""
    org = _organisation_or_404(organisation_id)
    form = OrganisationForm(formdata=None, obj=org)
    if request.method == "POST":
        form = OrganisationForm()
        if _saved(form, lambda: update_organisation(org, current_user, form.organisation_data())):
            flash("L'organisation est modifiée.", "success")
            return redirect(url_for("admin.organisation", organisation_id=org.id), 303)
    return _organisation_page(org, form, MergeForm(formdata=None),
                              422 if request.method == "POST" else 200)


@admin_bp.route("/organisations/<int:organisation_id>/fusionner", methods=["GET", "POST"])
def merge(organisation_id: int):
    """Merge this (duplicate) organisation into the one chosen: GET (or a POST without the
    confirmation) shows what would move, with the button that does it — a merge cannot be
    undone, so it is never one click (issue 15); the confirmed POST folds it in and deletes
    it."""
    duplicate = _organisation_or_404(organisation_id)
    if request.method == "GET":
        if not (request.args.get("target_id") or request.args.get("target_search")):
            return redirect(url_for("admin.organisation", organisation_id=duplicate.id)
                            + "#titre-fusion")
        return _merge_step(duplicate, MergeForm(request.args))
    form = MergeForm()
    if request.form.get("confirmation") != "oui":
        return _merge_step(duplicate, form)
    name = duplicate.name
    try:
        kept = _kept(form)
        merge_organisations(duplicate, kept, current_user)
    except AccountInvalid as invalid:
        return _merge_refused(duplicate, form, invalid)
    flash(f"« {name} » est fusionnée dans « {kept.name} ». Son ancienne page "
          "publique renvoie désormais vers celle-ci.", "success")
    return redirect(url_for("admin.organisation", organisation_id=kept.id), 303)


def _kept(form: MergeForm) -> Organisation:
    """The organisation to keep, or :class:`AccountInvalid` saying why none is."""
    kept = form.target()
    if kept is None:
        typed = form.target_search.data or form.target_id.data
        raise AccountInvalid({"target_id": unknown_message(typed) if typed
                              else "Choisissez l'organisation à conserver."})
    return kept


def _merge_step(duplicate: Organisation, form: MergeForm):
    """The confirmation page for the organisation chosen, or the organisation's page with the
    reason the choice is refused."""
    try:
        kept = _kept(form)
        preview = merge_preview(duplicate, kept, current_user)
    except AccountInvalid as invalid:
        return _merge_refused(duplicate, form, invalid)
    return render_template(
        "admin/organisation_merge.html", duplicate=duplicate, kept=kept, preview=preview,
        confirm_form=ConfirmForm(formdata=None),
        page_title=f"Fusionner « {duplicate.name} » — Organisations",
    )


def _merge_refused(duplicate: Organisation, form: MergeForm, invalid: AccountInvalid):
    form.target_id.errors = list(invalid.errors.values())
    return _organisation_page(duplicate, OrganisationForm(formdata=None, obj=duplicate), form, 422)


@admin_bp.post("/organisations/<int:organisation_id>/supprimer")
def delete(organisation_id: int):
    """Delete an organisation nothing refers to."""
    org = _organisation_or_404(organisation_id)
    try:
        delete_organisation(org, current_user)
    except AccountInvalid as invalid:
        flash(" ".join(invalid.errors.values()), "error")
        return redirect(url_for("admin.organisation", organisation_id=org.id), 303)
    flash("L'organisation est supprimée.", "success")
    return redirect(url_for("admin.organisations"), 303)


def _organisation_page(org: Organisation, form: OrganisationForm, merge_form: MergeForm,
                       status: int):
    return render_template(
        "admin/organisation_form.html", organisation=org, form=form, merge_form=merge_form,
        usage=organisation_usage(org.id), confirm_form=ConfirmForm(formdata=None),
        merges=merges_into(org.id), page_title=f"{org.name} — Organisations",
    ), status


def _organisation_or_404(organisation_id: int) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        abort(404)
    return org


def _saved(form, operation):
    """Validate ``form`` then run ``operation``; its refusals go next to the fields."""
    if not form.validate():
        return None
    try:
        return operation()
    except AccountInvalid as invalid:
        for name, message in invalid.errors.items():
            field = form._fields.get(name)
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                form.form_errors.append(message)
    return None


# --------------------------------------------------------------------------- vocabularies


@admin_bp.route("/vocabulaires")
def vocabularies():
    """Every vocabulary: codes (fixed) and their French labels (editable)."""
    labels = term_labels()
    forms = {v.name: _vocabulary_form(v, labels, formdata=None) for v in ALL_VOCABULARIES}
    return render_template("admin/vocabularies.html", vocabularies=ALL_VOCABULARIES,
                           forms=forms, page_title="Vocabulaires — Administration")


@admin_bp.post("/vocabulaires/<name>")
def vocabulary(name: str):
    """Save the labels of one vocabulary (its codes never change)."""
    definition = BY_NAME.get(name)
    if definition is None:
        abort(404)
    labels = term_labels()
    form = _vocabulary_form(definition, labels)
    if form.validate():
        try:
            changed = update_term_labels(name, {code: form[f"label_{code}"].data
                                                for code in definition.codes}, current_user)
        except ExperienceInvalid as invalid:
            for code, message in invalid.errors.items():
                form[f"label_{code}"].errors = [message]
        else:
            flash(f"{compte(len(changed), 'libellé modifié', 'libellés modifiés')} dans "
                  f"« {definition.label} ».", "success")
            return redirect(url_for("admin.vocabularies") + f"#vocabulaire-{name}", 303)
    forms = {v.name: _vocabulary_form(v, labels, formdata=None) for v in ALL_VOCABULARIES}
    forms[name] = form
    return render_template("admin/vocabularies.html", vocabularies=ALL_VOCABULARIES,
                           forms=forms, page_title="Vocabulaires — Administration"), 422


def _vocabulary_form(definition, labels: dict, **kwargs):
    current = {code: labels.get((definition.name, code), default)
               for code, default in definition.terms}
    return vocabulary_form(definition, current)(prefix=definition.name, **kwargs)
