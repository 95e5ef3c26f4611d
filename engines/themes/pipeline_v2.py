"""The v2 theme pipeline (tuned on the dev corpus): calibrated passage seeds, story clusters on noun concepts.

Kept beside the story-tree pipeline (stories.py) so bench/themes.py can choose
between them leave-one-corpus-out; discovery.py calls `v2_labels` when
settings["pipeline"] == "v2". Figures on the dev corpus (where it was tuned):
story main-theme ARI 0.51 unseeded, 0.82 seeded.
"""
from __future__ import annotations

import math

import numpy as np

from engines.themes.features import normalise_rows, passage_features, with_story_context
from engines.themes.seeds import assign_to_seeds, assign_with_story_support, calibrated_threshold, seed_scores


def v2_labels(embeddings, texts, story_ids, seeds, cfg, random_state) -> tuple[np.ndarray, np.ndarray, dict]:
    """(passage labels: seeds 0..S-1, found S.., -1 unplaced; contextual vectors; extra settings used)."""
    feats = passage_features(embeddings, texts, story_ids, cfg["story_context"], cfg["embedding_model"], cfg["max_terms"])
    concepts = feats["concepts"]
    labels = np.full(len(texts), -1)
    used = {}
    if seeds:
        seed_view = with_story_context(feats["centred"], story_ids, cfg["seed_story_context"])
        scores = seed_scores(seed_view, feats["mean"], seeds, cfg["embedding_model"])
        threshold = calibrated_threshold(scores, cfg["v2_seed_min_similarity"], cfg["seed_threshold_mads"])
        labels = assign_with_story_support(scores, story_ids, threshold, 0.0, float(np.median(scores)))
        used["seed_threshold_used"] = round(threshold, 4)
    leftover = np.flatnonzero(labels == -1)
    leftover_stories = len({story_ids[i] for i in leftover})
    if len(leftover) and leftover_stories >= (cfg["new_theme_min_stories"] if seeds else 1):
        k = _auto_theme_count(leftover_stories, len(leftover), cfg)
        story_cluster = _cluster_stories(feats["centred"], feats["term_vectors"], story_ids, leftover, k, cfg, random_state)
        labels[leftover] = len(seeds) + _place_passages(concepts, story_ids, leftover, story_cluster, cfg["passage_switch_margin"])
    return labels, feats["contextual"], used


def _auto_theme_count(n_stories: int, n_passages: int, cfg: dict) -> int:
    if cfg.get("n_themes"):
        k = int(cfg["n_themes"])
    else:
        k = math.ceil(math.sqrt(n_stories))
    return int(max(1, min(k, cfg["max_themes"], n_passages)))


def _cluster(features: np.ndarray, n_clusters: int, random_state: int) -> np.ndarray:
    """KMeans labels 0..k-1 (deterministic for a fixed random_state)."""
    from sklearn.cluster import KMeans

    if n_clusters <= 1 or features.shape[0] <= n_clusters:
        return np.zeros(features.shape[0], dtype=int) if n_clusters <= 1 else np.arange(features.shape[0])
    return KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state).fit_predict(features)


def _cluster_stories(centred, term_vectors, story_ids, rows, n_clusters, cfg, random_state) -> dict:
    """Cluster the stories behind `rows` (passage indices); returns story_id -> cluster 0..k-1.

    The metric that matters to a workshop is "what is this story mainly
    about", and a story's passages together say more than any one of them, so
    the documents clustered are stories: the mean of their (centred) passage
    vectors, re-centred over stories and projected onto the corpus nouns.
    Agglomerative clustering with cosine distance and average linkage is
    deterministic (no random restarts) - on the dev corpus KMeans over
    passages scored ARI 0.20-0.37 depending only on random_state - and
    average linkage tolerates uneven theme sizes. BERTopic's docs list
    agglomerative clustering as a cluster model for exactly this case.
    """
    from sklearn.cluster import AgglomerativeClustering

    from engines.themes.features import centre, concept_projection, story_vectors

    vectors, order = story_vectors(centred[rows], [story_ids[i] for i in rows])
    if len(order) > 1:
        vectors = centre(vectors)
    features = concept_projection(vectors, term_vectors) if len(term_vectors) else vectors
    k = max(1, min(int(n_clusters), len(order)))
    if k == 1:
        labels = np.zeros(len(order), dtype=int)
    elif False:
        labels = _cluster(features, k, random_state)
    else:
        labels = AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(features)
    return {sid: int(label) for sid, label in zip(order, labels)}


def _place_passages(features, story_ids, rows, story_cluster, margin) -> np.ndarray:
    """Each passage takes its story's cluster unless clearly (by `margin`) closer to another cluster's centroid."""
    labels = np.array([story_cluster[story_ids[i]] for i in rows])
    keys = sorted(set(labels.tolist()))
    if len(keys) < 2:
        return labels
    centroids = np.stack([features[rows][labels == k].mean(axis=0) for k in keys])
    centroids = normalise_rows(centroids)
    sims = features[rows] @ centroids.T
    own = sims[np.arange(len(rows)), [keys.index(l) for l in labels]]
    best = sims.argmax(axis=1)
    switch = sims.max(axis=1) - own > margin
    labels[switch] = np.array(keys)[best[switch]]
    return labels
