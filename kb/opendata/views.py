"""Views of the opendata feature."""

from flask import Blueprint

bp = Blueprint("opendata", __name__)
