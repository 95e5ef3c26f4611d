"""Split one theme into sub-themes when a workshop says "this is really two things"."""
from __future__ import annotations

import numpy as np

from engines.themes.features import centre, concept_projection, concept_vocabulary, embed_terms


def recluster_theme(passages, embeddings, n_clusters: int = 2, random_state: int = 42, model: str | None = None) -> list[list]:
    """Split passages [{id, text, ...}] (with aligned embeddings) into n_clusters groups of passage ids.

    Uses the same centred concept features as discovery, but centred on this
    theme only, so the split follows what differs *inside* the theme. Groups are
    returned largest first; deterministic for a fixed random_state.
    """
    from sklearn.cluster import KMeans

    ids = [p["id"] for p in passages]
    n_clusters = max(1, min(int(n_clusters), len(ids)))
    if n_clusters == 1 or len(ids) < 2:
        return [ids] if ids else []
    vectors = centre(np.asarray(embeddings, dtype="float32"))
    terms = concept_vocabulary([p["text"] for p in passages])
    features = concept_projection(vectors, embed_terms(terms, model=model)) if terms else vectors
    labels = KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state).fit_predict(features)
    groups = [[ids[i] for i in np.flatnonzero(labels == k)] for k in range(n_clusters)]
    return sorted((g for g in groups if g), key=lambda g: (-len(g), str(g[0])))
