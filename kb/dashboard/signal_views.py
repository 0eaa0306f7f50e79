"""Routes of the signals and the label (on the dashboard blueprint), and the signals panel that
the write-up page includes (``experiences/_signals.html`` calls :func:`signals_panel`).

Every route is a POST with a CSRF token to change anything; the GET forms only display. Sign-in
comes first (so that an anonymous visitor learns nothing about unpublished ids), then the
write-up loader (404 unless published), then the operation's own permission check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from kb.accounts.auth import role_required
from kb.dashboard import maps, signals
from kb.dashboard.figures import territory_names
from kb.dashboard.forms import ConfirmForm, LabelForm, ReplicationForm, ReportForm
from kb.dashboard.views import bp
from kb.experiences.access import is_author
from kb.experiences.models import Experience, Label, Replication
from kb.experiences.vocabularies import ROLE_CODES

signed_in_required = role_required(*ROLE_CODES)
labeller_required = role_required(*signals.LABELLER_ROLES)


def _back(experience: Experience, anchor: str = "signaux"):
    url = url_for("experiences.show", experience_id=experience.id, slug=experience.slug)
    return redirect(f"{url}#{anchor}")


def _render_form(template: str, experience: Experience, form, title: str,
                 status: int | None = None, **context):
    """The form page; 400 when a submitted form is refused (what was typed is kept)."""
    status = status or (400 if form.is_submitted() else 200)
    body = render_template(template, experience=experience, form=form,
                           page_title=f"{title} — {experience.title}", heading=title, **context)
    return body, status


@bp.post("/experiences/<int:experience_id>/interet")
@signed_in_required
def interest(experience_id: int):
    """Toggle *Intéressé*."""
    experience = signals.get_published_experience_or_404(experience_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if signals.interest_toggle(experience, current_user):
        flash("Votre intérêt pour ce projet est enregistré ; ses auteurs en sont informés.",
              "success")
    else:
        flash("Vous n'êtes plus marqué comme intéressé par ce projet.", "info")
    return _back(experience)


@bp.route("/experiences/<int:experience_id>/nous-l-avons-fait-aussi", methods=["GET", "POST"])
@signed_in_required
def replication(experience_id: int):
    """*Nous l'avons fait aussi*: link one of the partner's own published write-ups."""
    source = signals.get_published_experience_or_404(experience_id)
    if not signals.can_replicate(source, current_user):
        abort(403)
    candidates = signals.replica_candidates(source, current_user)
    form = ReplicationForm().set_candidates(candidates)
    if form.validate_on_submit():
        replica = signals.get_published_experience_or_404(form.replica_id.data)
        try:
            signals.replication_create(source, replica, current_user,
                                       confirmed_early_start=form.early_start_confirmed())
        except signals.EarlyReplication as early:
            return _render_form("dashboard/replication_form.html", source, form,
                                "Nous l'avons fait aussi", status=422, candidates=candidates,
                                date_warning=str(early), warned_replica=replica)
        flash("Le lien entre vos deux fiches est enregistré : il apparaît sur chacune.", "success")
        return _back(source)
    return _render_form("dashboard/replication_form.html", source, form,
                        "Nous l'avons fait aussi", candidates=candidates)


@bp.route("/experiences/<int:experience_id>/signaler", methods=["GET", "POST"])
@signed_in_required
def report(experience_id: int):
    """*Signaler*: an outdated, erroneous or duplicate write-up, for the moderators."""
    experience = signals.get_published_experience_or_404(experience_id)
    form = ReportForm()
    if form.validate_on_submit():
        signals.report_create(experience, current_user, form.kind.data, form.comment.data)
        flash("Merci : votre signalement a été transmis à l'équipe de modération.", "success")
        return _back(experience)
    return _render_form("dashboard/report_form.html", experience, form, "Signaler cette fiche")


@bp.route("/experiences/<int:experience_id>/label", methods=["GET", "POST"])
@labeller_required
def label(experience_id: int):
    """Label a write-up *Pratique à essaimer*, or change the justification."""
    experience = signals.get_published_experience_or_404(experience_id)
    form = LabelForm(obj=experience.label)
    if form.validate_on_submit():
        signals.label_set(experience, current_user, form.justification.data)
        flash("La fiche est labellisée « Pratique à essaimer ».", "success")
        return _back(experience, "essaimage-label")
    return _render_form("dashboard/label_form.html", experience, form,
                        "Labelliser « Pratique à essaimer »")


@bp.post("/experiences/<int:experience_id>/label/retirer")
@labeller_required
def label_remove(experience_id: int):
    """Remove the label."""
    experience = signals.get_published_experience_or_404(experience_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    signals.label_remove(experience, current_user)
    flash("Le label « Pratique à essaimer » a été retiré.", "info")
    return _back(experience)


@dataclass
class SignalsPanel:
    """What the write-up page shows about signals for the current user."""

    experience: Experience
    signed_in: bool = False
    author: bool = False
    interested: bool = False
    interest_count: int = 0
    interested_users: list = field(default_factory=list)
    can_replicate: bool = False
    can_label: bool = False
    label: Label | None = None
    replications: list[Replication] = field(default_factory=list)
    replication_map: maps.DepartementMap | None = None


@bp.app_template_global()
def signals_panel(experience: Experience) -> SignalsPanel | None:
    """The signals panel of a published write-up (``None`` for any other state)."""
    if not experience.is_published:
        return None
    user = current_user
    panel = SignalsPanel(experience, signed_in=user.is_authenticated,
                         author=is_author(experience), label=experience.label,
                         interest_count=signals.interest_count(experience))
    if panel.signed_in:
        panel.interested = signals.has_interest(experience, user)
        panel.can_replicate = signals.can_replicate(experience, user)
        panel.can_label = signals.can_label(user)
    if panel.author:
        panel.interested_users = signals.interested_users(experience)
    if panel.label is not None:
        panel.replications = signals.replications_of(experience)
        panel.replication_map = replication_map(experience, panel.replications)
    return panel


def replication_map(source: Experience, replications: list[Replication]) -> maps.DepartementMap:
    """Small map of the départements whose write-ups replicate a labelled practice, with a
    marker on the practice's own département."""
    places: dict[str, list[str]] = {}
    for link in replications:
        if link.replica.departement:
            places.setdefault(link.replica.departement, []).append(link.replica.territory.name)

    def title(code: str, name: str, _count: int) -> str:
        if code in places:
            return f"{name} ({code})\u00a0: {', '.join(places[code])}"
        return f"{name} ({code})"

    drawn = maps.highlight_map(
        territory_names("departement"), places,
        href=lambda code: url_for("territories.show", code=f"D{code}") if code in places else None,
        title=title,
    )
    if not source.departement:
        return drawn
    origin = url_for("territories.show", code=source.territory_code)
    return drawn.with_markers({
        source.departement: (origin, f"Territoire d'origine\u00a0: {source.territory.name}")
    })
