"""Evidence people can follow: managers' theme and story views, "you said, we did", exports."""
from flask import Blueprint

bp = Blueprint("evidence", __name__)
