"""Views of the write-up feature."""

from flask import Blueprint

bp = Blueprint("experiences", __name__)
