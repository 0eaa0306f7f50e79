"""Views of the territories feature."""

from flask import Blueprint

bp = Blueprint("territories", __name__)
