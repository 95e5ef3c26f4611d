"""Plain-Python engines: audio, transcription, embeddings, themes, redaction, packs.

Nothing here imports Flask or SQLAlchemy. Heavy libraries (torch, faster-whisper,
sentence-transformers, BERTopic, spaCy) are imported inside functions so that
the web process never pays for them; the worker loads each model once.
"""
