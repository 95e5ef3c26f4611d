"""Story-level themes: one hierarchy over stories, cut at k, refined on passages.

The figure a workshop cares about is "what is this story mainly about", and a
story's passages together say more than any one of them. So:

1. story vectors: the mean of the story's centred passage vectors, centred
   again over stories (removes the "probation story" direction twice: once for
   what every passage says, once for what every story says);
2. hierarchy: average-linkage agglomerative clustering on cosine distance,
   computed once (scipy linkage); any number of themes is a cut of the same
   tree, which is what the board's "fewer / more themes" control re-cuts;
3. number of themes: the cut with the best silhouette among k in
   [k_min, k_max] (a criterion measured leave-one-corpus-out in bench/themes.py);
4. refinement: a few rounds of nearest-centroid on passages with each story's
   passages voting together (a spherical k-means started from the tree cut).
   Passages that clearly fit another theme better than their story's main theme
   give the story its theme mix.
"""
from __future__ import annotations

import math

import numpy as np

from engines.themes.features import normalise_rows


def story_matrix(vectors: np.ndarray, story_ids: list) -> tuple[np.ndarray, list, np.ndarray]:
    """(story vectors centred over stories, story order, row -> story index)."""
    order = list(dict.fromkeys(story_ids))
    index = {sid: n for n, sid in enumerate(order)}
    rows = np.array([index[s] for s in story_ids])
    sums = np.zeros((len(order), vectors.shape[1]), dtype="float32")
    np.add.at(sums, rows, vectors)
    stories = normalise_rows(sums)
    if len(order) > 2:
        stories = normalise_rows(stories - stories.mean(axis=0))
    return stories, order, rows


def build_hierarchy(stories: np.ndarray) -> np.ndarray:
    """scipy linkage matrix (average, cosine) over story vectors; empty for < 2 stories."""
    from scipy.cluster.hierarchy import linkage

    if stories.shape[0] < 2:
        return np.zeros((0, 4))
    return linkage(stories.astype("float64"), method="average", metric="cosine")


def cut(tree: np.ndarray, n_stories: int, k: int) -> np.ndarray:
    """Story labels 0..k-1 from cutting the tree into k groups (numbered by first story)."""
    from scipy.cluster.hierarchy import fcluster

    k = max(1, min(int(k), n_stories))
    if n_stories < 2 or k == 1:
        return np.zeros(n_stories, dtype=int)
    raw = fcluster(tree, t=k, criterion="maxclust")
    first = {}
    for label in raw:
        first.setdefault(label, len(first))
    return np.array([first[label] for label in raw])


def choose_k(stories: np.ndarray, tree: np.ndarray, k_min: int, k_max: int, criterion: str = "silhouette") -> int:
    """Number of themes: "sqrt" = ceil(sqrt(stories)); "silhouette" = best cut in [k_min, k_max]."""
    n = stories.shape[0]
    k_max = max(1, min(k_max, n - 1))
    k_min = max(2, min(k_min, k_max))
    if criterion == "sqrt" or n < 4:
        return int(max(1, min(math.ceil(math.sqrt(n)), k_max)))
    from sklearn.metrics import silhouette_score

    best, best_score = k_min, -2.0
    for k in range(k_min, k_max + 1):
        labels = cut(tree, n, k)
        if len(set(labels.tolist())) < 2:
            continue
        # Small clusters (singletons) inflate nothing here: their silhouette is 0.
        score = silhouette_score(stories, labels, metric="cosine")
        if score > best_score + 1e-9:
            best, best_score = k, score
    return best


def refine(passages: np.ndarray, story_rows: np.ndarray, story_labels: np.ndarray, rounds: int = 5,
           story_weight: float = 1.0) -> np.ndarray:
    """Nearest-centroid rounds on passages, each story voting as one; returns refined story labels.

    A story goes to the theme with the highest summed similarity over its
    passages (plus `story_weight` times its whole-story similarity), then
    centroids are recomputed from the passages of the stories in each theme.
    """
    labels = story_labels.copy()
    keys = sorted(set(labels.tolist()))
    if len(keys) < 2:
        return labels
    n_stories = len(labels)
    for _ in range(rounds):
        passage_labels = labels[story_rows]
        present = [k for k in keys if (passage_labels == k).any()]
        centroids = normalise_rows(np.stack([passages[passage_labels == k].mean(axis=0) for k in present]))
        sims = passages @ centroids.T
        votes = np.zeros((n_stories, len(present)))
        np.add.at(votes, story_rows, sims)
        counts = np.bincount(story_rows, minlength=n_stories)[:, None]
        votes = votes / np.maximum(counts, 1)
        if story_weight:
            story_vectors = normalise_rows(_story_sums(passages, story_rows, n_stories))
            votes = votes + story_weight * (story_vectors @ centroids.T)
        new = np.array(present)[votes.argmax(axis=1)]
        if (new == labels).all():
            break
        labels = new
    return labels


def _story_sums(passages, story_rows, n_stories):
    sums = np.zeros((n_stories, passages.shape[1]), dtype="float32")
    np.add.at(sums, story_rows, passages)
    return sums


def passage_mix(passages: np.ndarray, story_rows: np.ndarray, story_labels: np.ndarray, margin: float) -> np.ndarray:
    """Passage labels: the story's theme, unless the passage is closer to another theme's centroid by `margin`."""
    labels = story_labels[story_rows].copy()
    keys = sorted(set(labels.tolist()))
    if len(keys) < 2:
        return labels
    centroids = normalise_rows(np.stack([passages[labels == k].mean(axis=0) for k in keys]))
    sims = passages @ centroids.T
    column = {k: n for n, k in enumerate(keys)}
    own = sims[np.arange(len(labels)), [column[k] for k in labels]]
    best = sims.argmax(axis=1)
    switch = sims.max(axis=1) - own > margin
    labels[switch] = np.array(keys)[best[switch]]
    return labels
