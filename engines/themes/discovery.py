"""Theme discovery for tens to a few hundred stories: seeded + discovered themes over passages.

Pipeline (every choice measured with bench/themes.py on the 30-story dev corpus):

1. Features (features.py): centred embeddings mixed with story context, projected
   onto the corpus's nouns. Out-of-the-box BERTopic on raw MiniLM vectors puts
   most stories in one topic (ARI 0.07-0.18).
2. Seeds (seeds.py): passages whose best seed facet is similar enough join that
   seed's theme (zero-shot topic modelling, done by hand so facets and centring
   can be used; BERTopic's zeroshot_topic_list embeds one string per topic).
3. New themes from the remaining passages: KMeans on the concept features.
   BERTopic's maintainer advises a cluster model without outliers for small
   corpora (MaartenGr/BERTopic#1018); HDBSCAN on 60 passages labels most of
   them -1, and UMAP on < 100 points is unstable. KMeans with a fixed
   random_state is deterministic: the same input gives the same themes.
   Number of themes: ceil(sqrt(stories)), clipped to [2, max_themes] - a board
   a room can discuss, growing slowly with the corpus; override with
   settings["n_themes"].
4. Outlier reduction: themes drawing on fewer than `min_stories` stories are
   dissolved and their passages join the nearest theme by embedding similarity
   (BERTopic's reduce_outliers "embeddings" strategy) if similar enough, else
   they stay in an explicit outlier theme.
5. Representation: BERTopic in manual mode (the clusters above passed as y)
   computes c-TF-IDF keywords on English-stop-word 1-2 word phrases,
   reduce_frequent_words damping words every theme uses, re-ranked by
   KeyBERTInspired with the bundled MiniLM (offline). labels.py turns them
   into a short phrase.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

import numpy as np

from engines.themes.features import normalise_rows, passage_features
from engines.themes.labels import clean_keywords, label_from_keywords, phrase_analyzer
from engines.themes.seeds import assign_to_seeds, seed_scores

DEFAULT_SETTINGS = {
    "story_context": 0.5,  # weight of the story mean mixed into each passage
    "max_terms": 1500,  # nouns in the concept projection
    "n_themes": None,  # None = ceil(sqrt(stories)) for unseeded passages
    "max_themes": 12,
    "seed_min_similarity": 0.12,  # centred cosine; ~0.1 is unrelated, 0.3+ clearly on topic
    "seed_min_margin": 0.0,
    "new_theme_min_stories": 4,  # leftovers from fewer stories are not clustered into new themes
    "outlier_min_similarity": 0.05,  # below this a leftover passage stays an outlier
    "min_total_stories": 5,
    "min_total_passages": 8,
    "n_representative": 3,
    "n_keywords": 8,
    "embedding_model": None,  # None = bundled all-MiniLM-L6-v2
    "method": "seeded-zero-shot + kmeans(concept projection) + bertopic(manual, c-TF-IDF, KeyBERTInspired)",
    "version": 1,
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

    KeyBERTInspired embeds ~100 candidate words and 5 passages per theme on
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


def _bertopic_keywords(texts: list[str], labels: np.ndarray, embeddings: np.ndarray, cfg: dict, random_state: int) -> dict:
    """c-TF-IDF + KeyBERTInspired keywords per label (>= 0) from BERTopic in manual mode."""
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.representation import KeyBERTInspired
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
        representation_model=KeyBERTInspired(top_n_words=15, nr_repr_docs=5, random_state=random_state),
        top_n_words=15,
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
    if seeds:
        scores = seed_scores(contextual, feats["mean"], seeds, cfg["embedding_model"])
        labels = assign_to_seeds(scores, cfg["seed_min_similarity"], cfg["seed_min_margin"])

    leftover = np.flatnonzero(labels == -1)
    leftover_stories = len({story_ids[i] for i in leftover})
    if len(leftover) and leftover_stories >= (cfg["new_theme_min_stories"] if seeds else 1):
        k = _auto_theme_count(leftover_stories, len(leftover), cfg)
        labels[leftover] = len(seeds) + _cluster(concepts[leftover], k, random_state)

    # Seeded themes are kept even when small: the group asked for them by name.
    labels = _dissolve_small_themes(
        labels, story_ids, contextual, min_stories, set(range(len(seeds))), cfg["outlier_min_similarity"]
    )

    keywords = _bertopic_keywords(texts, labels, embeddings, cfg, random_state)
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
