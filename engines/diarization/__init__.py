"""Parts of engines/diarize.py (the public entry point)."""
