"""Stories: capture (upload, recording, typed text), consent, transcription and the transcript editor."""
from flask import Blueprint

bp = Blueprint("stories", __name__)
