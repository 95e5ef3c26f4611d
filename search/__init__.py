"""Search: full-text over the transcript words each person may see (see search/services.py)."""
from flask import Blueprint

bp = Blueprint("search", __name__)
