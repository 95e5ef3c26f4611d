"""The cached embeddings of a run's passages, read without a model (the web process never loads one).

Discovery embeds each passage as `clean_for_themes(text)` (placeholders and hesitations left out) and
caches the vector under `text_key(that, model)`; every reader here asks under the same key, so a passage
with a "[name]" in it is found like any other.
"""
from __future__ import annotations

from extensions import db
from themes.models import EmbeddingCache, ThemeRun


def cached_vectors(run: ThemeRun, passages) -> dict:
    """{passage id: unit float32 vector} from EmbeddingCache for the passages (anything with .id and .text)
    whose vectors are stored."""
    import numpy as np

    from engines.embeddings import text_key
    from engines.themes.clean import clean_for_themes

    model = (run.settings or {}).get("embedding_model")
    keys = {p.id: text_key(clean_for_themes(p.text), model) for p in passages}
    found = {}
    unique = list(set(keys.values()))
    for start in range(0, len(unique), 500):
        rows = db.session.execute(db.select(EmbeddingCache.key, EmbeddingCache.vector)
                                  .where(EmbeddingCache.key.in_(unique[start:start + 500]))).all()
        found.update({key: np.frombuffer(vector, dtype="float32") for key, vector in rows})
    out = {}
    for pid, key in keys.items():
        if key in found:
            vector = found[key]
            out[pid] = vector / (float(np.linalg.norm(vector)) or 1.0)
    return out
