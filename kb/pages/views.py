"""Home, editorial pages (accessibility, legal notice, personal data) and health check."""

from flask import Blueprint

bp = Blueprint("pages", __name__)
