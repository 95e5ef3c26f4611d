"""Theme discovery for tens to a few hundred stories: seeded + discovered themes over passages.

Pipeline (every choice measured with bench/themes.py on the 30-story dev corpus;
figures are story-main-theme ARI, unseeded as mean/min over random_state 0..9):

1. Features (features.py): centred embeddings mixed with story context, projected
   onto the corpus's nouns. Out-of-the-box BERTopic on raw MiniLM vectors puts
   most stories in one topic (ARI 0.07-0.18).
2. Seeds (seeds.py): zero-shot topic modelling done by hand so facets and
   centring can be used (BERTopic's zeroshot_topic_list embeds one string per
   topic). Passages are scored with a lighter story context (0.3) and join a
   seed above a threshold calibrated on this corpus's own scores (median +
   1.5 MAD) instead of an absolute 0.12, which let one seed of two take 40% of
   the passages; a weaker passage joins its best seed when another passage of
   its story was confidently seeded. Seeded ARI 0.72 -> 0.82.
3. New themes from the remaining passages: stories are clustered (agglomerative,
   cosine, average linkage, on the story's concept projection), then each
   passage takes its story's theme unless clearly closer to another. The
   metric a workshop cares about is the story's main theme, a story's passages
   together are less ambiguous than one passage, and agglomerative clustering
   is deterministic: ARI 0.51 for every random_state, against 0.31 mean /
   0.20 min for KMeans on passages. BERTopic's maintainer advises a cluster
   model without outliers for small corpora (MaartenGr/BERTopic#1018); HDBSCAN
   on 60 passages labels most of them -1, and UMAP on < 100 points is unstable.
   Number of themes: ceil(sqrt(stories)), clipped to [2, max_themes] - a board
   a room can discuss, growing slowly with the corpus; override with
   settings["n_themes"]. Silhouette was flat (0.14-0.17 for k = 3..10) and did
   not pick a better k.
4. Outlier reduction: themes drawing on fewer than `min_stories` stories are
   dissolved and their passages join the nearest theme by embedding similarity
   (BERTopic's reduce_outliers "embeddings" strategy) if similar enough, else
   they stay in an explicit outlier theme.
5. Representation: BERTopic in manual mode (the clusters above passed as y)
   computes c-TF-IDF keywords on English-stop-word 1-2 word phrases with
   reduce_frequent_words; a custom representation model re-ranks the top
   candidates by similarity to the seed description (seeded themes) or to the
   centred theme centroid (found themes). labels.py turns them into a phrase.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

import numpy as np

from engines.themes.features import normalise_rows, passage_features, with_story_context
from engines.themes.labels import clean_keywords, label_from_keywords, phrase_analyzer
from engines.themes.seeds import (
    assign_to_seeds,
    assign_with_story_support,
    calibrated_threshold,
    seed_description_vectors,
    seed_scores,
)

DEFAULT_SETTINGS = {
    "story_context": 0.5,  # weight of the story mean mixed into each passage (clustering, outliers, quotes)
    "max_terms": 1500,  # nouns in the concept projection
    "n_themes": None,  # None = ceil(sqrt(stories)) for unseeded stories
    "max_themes": 12,
    "cluster_level": "story",  # "story": cluster stories, then place passages; "passage": KMeans on passages (v1)
    "cluster_linkage": "average",  # agglomerative linkage (cosine) for story-level clustering
    "passage_switch_margin": 0.1,  # a passage leaves its story's theme only if clearly closer to another
    "seed_story_context": 0.3,  # story-mean weight when scoring passages against seeds
    "seed_min_similarity": 0.12,  # floor under the calibrated seed threshold (centred cosine)
    "seed_threshold_mads": 1.5,  # seed threshold = median + this * MAD of all passage-seed scores
    "seed_min_margin": 0.0,  # best seed must beat the runner-up by this much (0.02 measured worse: 0.67 vs 0.82)
    "seed_story_support": True,  # weaker passages join their best seed when their story is confidently seeded
    "new_theme_min_stories": 4,  # leftovers from fewer stories are not clustered into new themes
    "outlier_min_similarity": 0.05,  # below this a leftover passage stays an outlier
    "min_total_stories": 5,
    "min_total_passages": 8,
    "n_representative": 3,
    "n_keywords": 8,
    "embedding_model": None,  # None = bundled all-MiniLM-L6-v2
    "method": "seeded-zero-shot (calibrated) + agglomerative(stories, concept projection) + "
              "bertopic(manual, c-TF-IDF, target-reranked keywords)",
    "version": 2,
}


class TooFewStoriesError(ValueError):
    """Raised when there are too few stories to find themes without seeds."""


@dataclass
class ThemeResult:
    key: str
    label: str
    keywords: list[str]
    seed_name: str | None
    passage_ids: list
    representative_passage_ids: list
    is_outlier: bool = False


@dataclass
class DiscoveryResult:
    themes: list[ThemeResult]
    assignments: dict  # passage_id -> theme key or None
    story_mix: dict  # story_id -> {theme key: share of its passages}
    story_main: dict  # story_id -> theme key
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def theme(self, key: str) -> ThemeResult | None:
        return next((t for t in self.themes if t.key == key), None)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "seed"


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
    elif cfg.get("cluster_linkage") == "kmeans":
        labels = _cluster(features, k, random_state)
    else:
        labels = AgglomerativeClustering(n_clusters=k, metric="cosine", linkage=cfg.get("cluster_linkage") or "average").fit_predict(features)
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


def _centroids(vectors: np.ndarray, labels: np.ndarray, keys: list) -> np.ndarray:
    return normalise_rows(np.stack([vectors[labels == k].mean(axis=0) for k in keys]))


def _dissolve_small_themes(labels, story_ids, vectors, min_stories, protected, min_similarity):
    """Reassign passages of themes with < min_stories stories to the nearest remaining theme, else -1."""
    labels = labels.copy()
    while True:
        sizes = {k: len({story_ids[i] for i in np.flatnonzero(labels == k)}) for k in set(labels) - {-1}}
        small = [k for k, n in sizes.items() if n < min_stories and k not in protected]
        keep = [k for k in sizes if k not in small]
        if not small:
            break
        victim = min(small, key=lambda k: (sizes[k], str(k)))  # one at a time: targets may change
        labels[labels == victim] = -2
        if not keep:
            labels[labels == -2] = -1
            continue
        rows = np.flatnonzero(labels == -2)
        sims = vectors[rows] @ _centroids(vectors, labels, keep).T
        best = sims.argmax(axis=1)
        labels[rows] = [keep[b] if sims[r, b] >= min_similarity else -1 for r, b in enumerate(best)]
    return labels


def _memoised_embedder(model_name):
    """BERTopic embedding backend over the bundled model, memoised per text.

    The keyword re-ranking embeds ~30 candidate phrases per theme on
    every fit; across rebuilds they are mostly the same texts, so the cache
    turns a 10-15 s step into well under a second.
    """
    from bertopic.backend import BaseEmbedder

    from engines.embeddings import load_model
    from engines.themes.features import embed_terms

    class MemoisedEmbedder(BaseEmbedder):
        def __init__(self):
            super().__init__(embedding_model=load_model(model_name))

        def embed(self, documents, verbose=False):
            return embed_terms(list(documents), model=model_name)

    return MemoisedEmbedder()


def _target_ranker(targets: dict, labels: np.ndarray, model_name, n_candidates: int = 30):
    """A BERTopic representation model: c-TF-IDF candidates re-ranked by closeness to each theme's target.

    KeyBERTInspired compares candidates with the theme's representative
    passages in raw embedding space, where every probation story is alike, so
    it favoured narrative words ("hour appointment", "friday afternoon"). Here
    the target is the seed's own description for seeded themes and the theme's
    centroid minus the corpus mean for found themes; the c-TF-IDF weight still
    counts, so a keyword must be both distinctive of the passages and on topic.
    """
    from bertopic.representation._base import BaseRepresentation

    from engines.themes.features import embed_terms

    class TargetRanked(BaseRepresentation):
        def extract_topics(self, topic_model, documents, c_tf_idf, topics, embeddings=None):
            updated = {}
            for topic, words in topics.items():
                ids = documents.loc[documents.Topic == topic, "ID"].to_numpy()
                ours = np.unique(labels[ids], return_counts=True) if len(ids) else ([], [])
                target = targets.get(int(ours[0][np.argmax(ours[1])])) if len(ids) else None
                candidates = [(w, float(v)) for w, v in words[:n_candidates] if w and v > 0]
                if target is None or not candidates:
                    updated[topic] = words
                    continue
                weight = np.array([v for _, v in candidates])
                weight = weight / weight.max()
                similarity = embed_terms([w for w, _ in candidates], model=model_name) @ target
                score = similarity * np.sqrt(weight)
                order = np.argsort(-score, kind="stable")
                updated[topic] = [(candidates[i][0], float(score[i])) for i in order]
            return updated

    return TargetRanked()


def _bertopic_keywords(texts, labels, embeddings, targets, cfg) -> dict:
    """c-TF-IDF keywords per label (>= 0) from BERTopic in manual mode, re-ranked towards each theme's target."""
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.feature_extraction.text import CountVectorizer

    present = sorted(set(labels.tolist()) - {-1})
    if not present:
        return {}
    # BERTopic wants labels 0..k-1; outliers stay -1.
    remap = {old: new for new, old in enumerate(present)}
    y = np.array([remap.get(int(l), -1) for l in labels])
    model = BERTopic(
        embedding_model=_memoised_embedder(cfg["embedding_model"]),
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=BaseCluster(),
        vectorizer_model=CountVectorizer(analyzer=phrase_analyzer),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        representation_model=_target_ranker(targets, labels, cfg["embedding_model"]),
        top_n_words=30,
        calculate_probabilities=False,
    )
    model.fit(texts, embeddings=embeddings, y=y)
    # BERTopic renumbers topics by size after fitting, so map ours through its per-document topics.
    keywords = {}
    fitted = np.asarray(model.topics_)
    for old in present:
        topic_ids, counts = np.unique(fitted[labels == old], return_counts=True)
        words = [w for w, _ in (model.get_topic(int(topic_ids[counts.argmax()])) or [])]
        keywords[old] = clean_keywords(words, limit=cfg["n_keywords"])
    return keywords


def discover_themes(passages, embeddings, seeds=None, min_stories=2, random_state=42, settings=None) -> DiscoveryResult:
    """Find themes over passages [{id, story_id, text, role}] with aligned embeddings; see module doc."""
    cfg = {**DEFAULT_SETTINGS, **(settings or {})}
    seeds = [s for s in (seeds or []) if s.get("name")]
    embeddings = np.asarray(embeddings, dtype="float32")
    if len(passages) != embeddings.shape[0]:
        raise ValueError(f"{len(passages)} passages but {embeddings.shape[0]} embeddings")
    ids = [p["id"] for p in passages]
    story_ids = [p["story_id"] for p in passages]
    texts = [p["text"] for p in passages]
    n_stories = len(set(story_ids))
    if not seeds and (n_stories < cfg["min_total_stories"] or len(passages) < cfg["min_total_passages"]):
        raise TooFewStoriesError(
            f"Theme discovery needs at least {cfg['min_total_stories']} stories and "
            f"{cfg['min_total_passages']} passages; this collection has {n_stories} stories and "
            f"{len(passages)} passages. Add more stories, or give seed themes to sort them into."
        )
    if not passages:
        return DiscoveryResult([], {}, {}, {}, {**cfg, "min_stories": min_stories, "random_state": random_state})

    feats = passage_features(embeddings, texts, story_ids, cfg["story_context"], cfg["embedding_model"], cfg["max_terms"])
    contextual, concepts = feats["contextual"], feats["concepts"]

    # Labels: seeds are 0..S-1, discovered themes S.., outliers -1.
    labels = np.full(len(passages), -1)
    seed_targets = {}
    if seeds:
        seed_view = with_story_context(feats["centred"], story_ids, cfg["seed_story_context"])
        scores = seed_scores(seed_view, feats["mean"], seeds, cfg["embedding_model"])
        threshold = calibrated_threshold(scores, cfg["seed_min_similarity"], cfg["seed_threshold_mads"])
        if cfg["seed_story_support"]:
            labels = assign_with_story_support(scores, story_ids, threshold, cfg["seed_min_margin"], float(np.median(scores)))
        else:
            labels = assign_to_seeds(scores, threshold, cfg["seed_min_margin"])
        cfg = {**cfg, "seed_threshold_used": round(threshold, 4)}
        seed_targets = {s: vector for s, vector in enumerate(seed_description_vectors(seeds, cfg["embedding_model"]))}

    leftover = np.flatnonzero(labels == -1)
    leftover_stories = len({story_ids[i] for i in leftover})
    if len(leftover) and leftover_stories >= (cfg["new_theme_min_stories"] if seeds else 1):
        k = _auto_theme_count(leftover_stories, len(leftover), cfg)
        if cfg.get("cluster_level", "story") == "story":
            story_cluster = _cluster_stories(feats["centred"], feats["term_vectors"], story_ids, leftover, k, cfg, random_state)
            placed = _place_passages(concepts, story_ids, leftover, story_cluster, cfg["passage_switch_margin"])
        else:
            placed = _cluster(concepts[leftover], k, random_state)
        labels[leftover] = len(seeds) + placed

    # Seeded themes are kept even when small: the group asked for them by name.
    labels = _dissolve_small_themes(
        labels, story_ids, contextual, min_stories, set(range(len(seeds))), cfg["outlier_min_similarity"]
    )

    # Keyword targets: the seed description for seeded themes, the centred centroid for found ones.
    targets = dict(seed_targets)
    for label in sorted(set(labels.tolist()) - {-1} - set(seed_targets)):
        targets[label] = normalise_rows((embeddings[labels == label].mean(axis=0) - feats["mean"])[None])[0]
    keywords = _bertopic_keywords(texts, labels, embeddings, targets, cfg)
    return _build_result(passages, labels, seeds, keywords, contextual, cfg, min_stories, random_state)


def _build_result(passages, labels, seeds, keywords, vectors, cfg, min_stories, random_state) -> DiscoveryResult:
    ids = [p["id"] for p in passages]
    story_ids = [p["story_id"] for p in passages]
    discovered = sorted(set(labels.tolist()) - {-1} - set(range(len(seeds))), key=lambda k: (-int((labels == k).sum()), k))
    key_of = {s: f"seed-{_slug(seed['name'])}" for s, seed in enumerate(seeds)}
    key_of.update({k: f"theme-{n + 1}" for n, k in enumerate(discovered)})

    themes = []
    for label in list(range(len(seeds))) + discovered:
        rows = np.flatnonzero(labels == label)
        representative = []
        if len(rows):
            centroid = normalise_rows(vectors[rows].mean(axis=0, keepdims=True))[0]
            order = rows[np.argsort(-(vectors[rows] @ centroid), kind="stable")]
            representative = [ids[i] for i in order[: cfg["n_representative"]]]
        words = keywords.get(label, [])
        seed = seeds[label] if label < len(seeds) else None
        themes.append(
            ThemeResult(
                key=key_of[label],
                label=seed["name"] if seed else label_from_keywords(words),
                keywords=words,
                seed_name=seed["name"] if seed else None,
                passage_ids=[ids[i] for i in rows],
                representative_passage_ids=representative,
            )
        )
    outliers = np.flatnonzero(labels == -1)
    if len(outliers):
        themes.append(ThemeResult("outliers", "Not yet placed", [], None, [ids[i] for i in outliers], [], True))

    assignments = {ids[i]: (key_of[int(l)] if l != -1 else None) for i, l in enumerate(labels)}
    story_mix, story_main = _story_mix(story_ids, labels, key_of, vectors)
    used = {**cfg, "min_stories": min_stories, "random_state": random_state,
            "seeds": [dict(s) for s in seeds], "n_passages": len(passages), "n_stories": len(set(story_ids))}
    return DiscoveryResult(themes, assignments, story_mix, story_main, used)


def _story_mix(story_ids, labels, key_of, vectors):
    """Share of each story's passages per theme; main theme = largest share.

    Ties (a two-passage story split across two themes) go to the theme whose
    centroid is closest to the whole story, not to whichever came first.
    """
    placed = sorted(set(labels.tolist()) - {-1})
    centroids = _centroids(vectors, labels, placed) if placed else None
    story_mix, story_main = {}, {}
    for sid in dict.fromkeys(story_ids):
        rows = [i for i, s in enumerate(story_ids) if s == sid]
        counts: dict = {}
        for i in rows:
            if labels[i] != -1:
                counts[int(labels[i])] = counts.get(int(labels[i]), 0) + 1
        story_mix[sid] = {key_of[k]: round(n / len(rows), 4) for k, n in counts.items()}
        if not counts:
            story_main[sid] = None
            continue
        top = max(counts.values())
        tied = [k for k, n in counts.items() if n == top]
        if len(tied) > 1:
            story_vector = normalise_rows(vectors[rows].mean(axis=0, keepdims=True))[0]
            sims = {k: float(centroids[placed.index(k)] @ story_vector) for k in tied}
            tied = [max(tied, key=lambda k: sims[k])]
        story_main[sid] = key_of[tied[0]]
    return story_mix, story_main
