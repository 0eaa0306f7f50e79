"""French error pages; JSON errors under ``/api/``."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Requête incorrecte",
          "La requête n'a pas pu être comprise. Vérifiez l'adresse ou le formulaire."),
    403: ("Accès refusé",
          "Vous n'avez pas les droits nécessaires pour accéder à cette page."),
    404: ("Page introuvable",
          "La page que vous cherchez n'existe pas, a été déplacée ou n'est pas publique."),
    405: ("Méthode non autorisée", "Cette adresse n'accepte pas ce type de requête."),
    413: ("Envoi trop volumineux", "Le contenu envoyé dépasse la taille autorisée."),
    429: ("Trop de tentatives",
          "Trop de tentatives en peu de temps. Réessayez dans quelques minutes."),
    500: ("Erreur inattendue",
          "Une erreur inattendue s'est produite. L'équipe technique en a été informée ; "
          "réessayez dans un instant."),
    503: ("Service momentanément indisponible",
          "Le service est momentanément indisponible. Réessayez dans quelques instants."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz",)


def render_error(code: int, message: str | None = None):
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    text = message or default_message
    if wants_json():
        return jsonify({"error": title, "message": text, "status": code}), code
    return render_template("errors/error.html", code=code, title=title, message=text), code


def _handle_http(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    description = None
    if error.description and error.description != type(error).description:
        description = error.description
    response = make_response(render_error(error.code, description))
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _handle_database_down(error: OperationalError):
    log.error("database unavailable: %s", error)
    _forget_database_state()
    return render_error(503)


def _forget_database_state() -> None:
    """After a database error the error page must not need the database: the session is rolled
    back, and the page is rendered as for an anonymous visitor (loading the signed-in user would
    query the database again)."""
    _roll_back_request_session()
    g._login_user = current_app.login_manager.anonymous_user()


def _handle_unexpected(error: Exception):
    original = getattr(error, "original_exception", None)
    if isinstance(original, OperationalError):  # raised after the view, e.g. by the commit
        return _handle_database_down(original)
    if isinstance(error, HTTPException):
        return _handle_http(error)
    log.exception("unexpected error", exc_info=error)
    _roll_back_request_session()
    return render_error(500)


def _roll_back_request_session() -> None:
    """A failed statement leaves a PostgreSQL transaction aborted: roll it back so that the
    error page, which reads the signed-in user, can still query (else a bare English 500)."""
    db = g.get("kb_session")
    if db is None:
        return
    try:
        db.rollback()
    except Exception:  # the database itself is gone: the page renders without it or not at all
        log.exception("rollback before the error page failed")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(OperationalError, _handle_database_down)
    app.register_error_handler(ServiceUnavailable, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(Exception, _handle_unexpected)
