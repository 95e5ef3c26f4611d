"""Seeded (zero-shot) themes: place passages under themes the group already named.

A seed is {name, description}. One embedding of "name: description" is a poor
target because the description lists several facets ("benefits, debt, jobs
and training") and their average matches none well. So each seed is split into
facet phrases, each phrase is embedded, and a passage's score for a seed is its
best facet match. Scores are computed in the corpus-centred space (see
features.py). Measured story-level ARI on the dev corpus: single embedding
0.51, centred 0.62, centred facets 0.82.
"""
from __future__ import annotations

import re

import numpy as np

from engines.themes.features import embed_terms, normalise_rows

_FACET_SPLIT = re.compile(r"[:;,/()]|\band\b|\bor\b")


def seed_phrases(seed: dict) -> list[str]:
    """The name, the whole description and each comma/and-separated facet of one seed."""
    name = str(seed.get("name", "")).replace("_", " ").strip()
    description = str(seed.get("description", "") or "").strip()
    phrases = [name] if name else []
    if description:
        phrases.append(f"{name}: {description}" if name else description)
        phrases += [part.strip() for part in _FACET_SPLIT.split(description) if len(part.strip()) > 2]
    seen, unique = set(), []
    for phrase in phrases:
        if phrase.lower() not in seen:
            seen.add(phrase.lower())
            unique.append(phrase)
    return unique


def seed_scores(contextual: np.ndarray, corpus_mean: np.ndarray, seeds: list[dict], model: str | None = None) -> np.ndarray:
    """(n_passages, n_seeds) best-facet cosine similarity, in the corpus-centred space."""
    scores = np.zeros((contextual.shape[0], len(seeds)), dtype="float32")
    for column, seed in enumerate(seeds):
        phrases = seed_phrases(seed)
        if not phrases:
            continue
        facets = normalise_rows(embed_terms(phrases, model=model) - corpus_mean)
        scores[:, column] = (contextual @ facets.T).max(axis=1)
    return scores


def assign_to_seeds(scores: np.ndarray, min_similarity: float, min_margin: float = 0.0) -> np.ndarray:
    """Seed column per passage, or -1 where no seed is similar enough (left for new themes)."""
    if scores.shape[1] == 0:
        return np.full(scores.shape[0], -1)
    best = scores.argmax(axis=1)
    top = scores.max(axis=1)
    if scores.shape[1] > 1 and min_margin > 0:
        runner_up = np.sort(scores, axis=1)[:, -2]
        confident = (top - runner_up) >= min_margin
    else:
        confident = np.ones_like(top, dtype=bool)
    return np.where((top >= min_similarity) & confident, best, -1)


def calibrated_threshold(scores: np.ndarray, floor: float, spread: float) -> float:
    """Seed-membership threshold relative to this corpus: median + spread * MAD of all passage-seed scores.

    Most passage-seed pairs are unrelated (a passage is about one or two of
    the seeds), so the median and median absolute deviation of the whole score
    matrix describe "unrelated" for this corpus and this seed list. An absolute
    cut-off cannot: centred cosines shift with corpus size, seed wording and
    how many seeds there are (with two seeds and 0.12, "Money" took 22 of 55
    dev passages at 40% precision; median + 1.5 MAD ~ 0.19 keeps 7 at 71%).
    `floor` stops a corpus of near-duplicates from lowering the bar to noise.
    """
    if scores.size == 0:
        return float(floor)
    median = float(np.median(scores))
    mad = float(np.median(np.abs(scores - median)))
    return max(float(floor), median + spread * mad)


def assign_with_story_support(scores: np.ndarray, story_ids: list, threshold: float, margin: float, loose: float) -> np.ndarray:
    """Confident seed per passage (score >= threshold and margin over the runner-up), then story support.

    A passage below the bar still joins its best seed when that score is at
    least `loose` (typically the corpus median: above "unrelated") and another
    passage of the same story was confidently placed: the storyteller's other
    words show what the story is about, so a short ambiguous passage ("I rang
    every time") does not have to carry the decision alone.
    """
    labels = assign_to_seeds(scores, threshold, margin)
    if scores.shape[1] == 0:
        return labels
    supported = {story_ids[i] for i in np.flatnonzero(labels >= 0)}
    best, top = scores.argmax(axis=1), scores.max(axis=1)
    for i in np.flatnonzero(labels == -1):
        if story_ids[i] in supported and top[i] >= loose:
            labels[i] = best[i]
    return labels


def seed_description_vectors(seeds: list[dict], model: str | None = None) -> np.ndarray:
    """Embedding of each seed's whole "name: description" (the target its keywords are ranked against)."""
    phrases = []
    for seed in seeds:
        name = str(seed.get("name", "")).replace("_", " ").strip()
        description = str(seed.get("description", "") or "").strip()
        phrases.append(f"{name}: {description}" if description else name)
    return embed_terms(phrases, model=model)


def _zscore_columns(matrix: np.ndarray) -> np.ndarray:
    """Each column (seed) standardised over rows: a seed whose description sits near every story
    (a "hub" such as "Staff workload") no longer wins stories just for being general."""
    if matrix.shape[0] < 3:
        return matrix - matrix.mean(axis=0)
    return (matrix - matrix.mean(axis=0)) / (matrix.std(axis=0) + 1e-6)


def seed_story_scores(passage_scores: np.ndarray, story_rows: np.ndarray, n_stories: int) -> np.ndarray:
    """(n_stories, n_seeds): mean of each story's passage scores, columns standardised over stories."""
    sums = np.zeros((n_stories, passage_scores.shape[1]))
    np.add.at(sums, story_rows, passage_scores)
    counts = np.maximum(np.bincount(story_rows, minlength=n_stories), 1)[:, None]
    return _zscore_columns(sums / counts)


def self_train(story_vectors: np.ndarray, prior: np.ndarray, rounds: int = 5, weight: float = 1.0) -> np.ndarray:
    """Story labels from seed evidence `prior` (stories x seeds, standardised) plus, round by round,
    closeness to the centroid of the stories each seed currently holds (standardised the same way).

    The seed text says what a theme is called; the stories it attracts say how
    people in this project talk about it. Zero-shot alone uses only the first.
    """
    labels = prior.argmax(axis=1)
    for _ in range(rounds):
        centroids = np.zeros((prior.shape[1], story_vectors.shape[1]), dtype="float32")
        for seed in range(prior.shape[1]):
            members = story_vectors[labels == seed]
            if len(members):
                centroids[seed] = members.mean(axis=0)
        centroids = normalise_rows(centroids)
        closeness = _zscore_columns(story_vectors @ centroids.T)
        new = (prior + weight * closeness).argmax(axis=1)
        if (new == labels).all():
            break
        labels = new
    return labels
