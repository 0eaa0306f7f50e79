"""The digital-education experience base: application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: object | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI, error pages."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(_instance_path(config)),
    )
    app.config.from_mapping(_config_dict(config))

    from kb import db, errors, security, web
    from kb.extensions import csrf, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)
    _register_features(app)

    from kb.cli import register_cli

    register_cli(app)
    return app


def _config_dict(config: object | None) -> dict:
    from config import Config

    if config is None:
        config = Config()
    if isinstance(config, dict):
        return config
    return config.as_dict()


def _instance_path(config: object | None) -> Path:
    from config import INSTANCE_DIR

    if isinstance(config, dict):
        return Path(config.get("INSTANCE_DIR", INSTANCE_DIR))
    return Path(getattr(config, "INSTANCE_DIR", INSTANCE_DIR))


def _register_blueprints(app: Flask) -> None:
    from kb.accounts import presentation_views as _presentation  # noqa: F401  (adds routes)
    from kb.accounts.organisation_lookup import bp as organisation_lookup_bp
    from kb.accounts.password_views import bp as password_bp
    from kb.accounts.proconnect_views import bp as proconnect_bp
    from kb.accounts.views import admin_bp
    from kb.accounts.views import bp as accounts_bp
    from kb.alerts.views import bp as alerts_bp
    from kb.dashboard.views import bp as dashboard_bp
    from kb.experiences.views import bp as experiences_bp
    from kb.mail.contact_views import bp as contact_bp
    from kb.mail.views import bp as mail_bp
    from kb.opendata.views import bp as opendata_bp
    from kb.pages.views import bp as pages_bp
    from kb.search.views import bp as search_bp
    from kb.territories import pages as _territory_pages  # noqa: F401  (adds routes to bp)
    from kb.territories.views import bp as territories_bp

    for blueprint in (
        pages_bp, accounts_bp, admin_bp, experiences_bp, search_bp,
        territories_bp, dashboard_bp, opendata_bp,
        password_bp, mail_bp, alerts_bp, proconnect_bp, contact_bp, organisation_lookup_bp,
    ):
        app.register_blueprint(blueprint)


def _register_features(app: Flask) -> None:
    """Hooks that features attach to the application (user loader, index sync after commit)."""
    from kb.accounts import auth, proconnect_views
    from kb.attachments import views as attachment_views
    from kb.mail import delivery
    from kb.search import indexer

    auth.init_app(app)
    indexer.init_app(app)
    delivery.init_app(app)
    proconnect_views.init_app(app)
    attachment_views.init_app(app)
