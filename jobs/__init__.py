"""Background jobs: a Job row per piece of work (the source of truth for progress),
a Huey queue that carries job ids to worker processes, and the worker command."""
from flask import Blueprint

bp = Blueprint("jobs", __name__)
