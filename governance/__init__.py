"""Governance: consent that follows the story, redaction, safeguarding review,
retention, erasure and subject access. `policy.py` is what other domains call."""
from flask import Blueprint

bp = Blueprint("governance", __name__)
