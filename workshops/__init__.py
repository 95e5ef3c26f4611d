"""Workshops: see ARCHITECTURE.md."""
from flask import Blueprint

bp = Blueprint("workshops", __name__)
