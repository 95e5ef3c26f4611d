"""Themes: see ARCHITECTURE.md."""
from flask import Blueprint

bp = Blueprint("themes", __name__)
