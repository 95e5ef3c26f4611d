"""Notice when a test uses a real model, so the suite can insist such tests are marked slow.

The loaders are cached per process, so "a model library was imported during this test" only
catches the first test that loads each one; wrapping the loaders catches every test that asks.
"""
from __future__ import annotations

import functools
import sys

# Imported only by the worker: a test that pulls one in loads a real model.
HEAVY_MODULES = ("torch", "faster_whisper", "ctranslate2", "sentence_transformers", "bertopic", "spacy",
                 "transformers", "resemblyzer")
# Session fixtures that hold a loaded model (their loader runs once, for the first test only).
MODEL_FIXTURES = {"nlp", "corpus_app"}
LOADERS = (("engines.embeddings", "load_model"), ("engines.embeddings", "load_text_encoder"),
           ("engines.redaction.detect", "load_nlp"), ("engines.transcription.pipeline", "get_transcriber"))
ALSO_EXPORTED_BY = ("engines.redaction", "engines.transcription", "engines.transcribe")

model_used: list[str] = []
refuse_models = False  # set for each test not marked slow: a loader then raises instead of loading


class RealModelInFastTest(RuntimeError):
    """A test not marked slow asked for a real model."""


def heavy_loaded() -> set[str]:
    return {name for name in HEAVY_MODULES if name in sys.modules}


def _watched(name: str, loader):
    @functools.wraps(loader)
    def load(*args, **kwargs):
        model_used.append(name)
        if refuse_models:  # fail at once instead of spending a minute loading it
            raise RealModelInFastTest(f"{name}(): this test uses a real model; mark it @pytest.mark.slow")
        return loader(*args, **kwargs)

    load.watched = True
    return load


def start_watching() -> None:
    """Wrap each model loader where it is defined and wherever a package re-exports it."""
    import importlib

    for module_name, attribute in LOADERS:
        module = importlib.import_module(module_name)
        original = getattr(module, attribute)
        if getattr(original, "watched", False):
            continue
        wrapper = _watched(attribute, original)
        setattr(module, attribute, wrapper)
        for other in ALSO_EXPORTED_BY:
            exporting = importlib.import_module(other)
            if getattr(exporting, attribute, None) is original:
                setattr(exporting, attribute, wrapper)
