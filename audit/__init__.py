"""The append-only audit log: who did what to which object, and when."""
from flask import Blueprint

bp = Blueprint("audit", __name__)
