"""Redaction of identifying details in stories: detect, merge, tag, and mute in audio.

Public API:
    detect_redactions(text, always_redact=(), nlp=None) -> list[Span]
    merge_spans(spans) -> list[Span]
    apply_redactions(text, spans) -> str
    time_ranges_for_spans(spans, words, pad=0.05) -> list[(start_s, end_s)]
    load_nlp() -> spaCy pipeline (cached per process)
"""
from .detect import SPACY_MODEL, detect_redactions, load_nlp
from .spans import KINDS, TAGS, Span, apply_redactions, merge_spans, time_ranges_for_spans

__all__ = [
    "KINDS",
    "SPACY_MODEL",
    "TAGS",
    "Span",
    "apply_redactions",
    "detect_redactions",
    "load_nlp",
    "merge_spans",
    "time_ranges_for_spans",
]
