"""The safeguarding engine's sentence classifier: one linear score per category over MiniLM sentence vectors.

The weights and thresholds (engines/safeguarding_weights.json) are trained by
bench/safeguarding_train.py on the dev data only: the dev passages, the
engine's examples, and the development corpus's sentences as things that must
not flag. Plain numpy at run time.
"""
from __future__ import annotations

import json
from pathlib import Path

WEIGHTS = Path(__file__).with_name("safeguarding_weights.json")
_cache: dict = {}


def _load():
    if "model" not in _cache:
        import numpy as np

        data = json.loads(WEIGHTS.read_text()) if WEIGHTS.exists() else {"categories": {}}
        categories = list(data["categories"])
        if not categories:
            _cache["model"] = None
        else:
            weights = np.array([data["categories"][c]["weights"] for c in categories], dtype="float32")
            bias = np.array([data["categories"][c]["bias"] for c in categories], dtype="float32")
            thresholds = np.array([data["categories"][c]["threshold"] for c in categories], dtype="float32")
            _cache["model"] = (categories, weights, bias, thresholds)
    return _cache["model"]


def classifier_flags(vectors) -> list[list[tuple[str, float]]]:
    """Per row of `vectors` (normalised sentence embeddings), the (category, confidence 0-1) pairs over threshold."""
    import numpy as np

    model = _load()
    if model is None or len(vectors) == 0 or vectors.shape[1] != model[1].shape[1]:
        return [[] for _ in range(len(vectors))]
    categories, weights, bias, thresholds = model
    scores = vectors @ weights.T + bias
    confidence = 1.0 / (1.0 + np.exp(-scores))
    return [[(categories[j], round(float(confidence[i, j]), 3)) for j in np.flatnonzero(scores[i] >= thresholds)]
            for i in range(len(vectors))]
