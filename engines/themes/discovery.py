"""Theme discovery for tens to a few hundred stories: seeded and discovered themes, story first.

Every choice here is measured by bench/themes.py on six corpora (the dev
corpus and five in bench/data/ as different as real projects), with settings
chosen leave-one-corpus-out, against plain baselines in the same run.

1. Text: placeholders ("[place]"), hesitations and spoken glue are removed
   before anything is embedded or counted (clean.py); callers embed
   `clean_for_themes(text)`.
Two clustering pipelines, chosen by settings["pipeline"]: "v2" (pipeline_v2.py,
tuned on the dev corpus; the default until the benchmark shows the tree
generalises better) and "tree" (steps 3-4 below, written for this benchmark).

2. Features: passage embeddings centred on the corpus mean (every probation
   story talks about officers and appointments), mixed with their story's mean.
3. Unseeded: stories are clustered (stories.py): one average-linkage tree over
   centred story vectors, cut where the silhouette is best, refined by a few
   nearest-centroid rounds in which a story's passages vote together. The tree
   is returned so the board can re-cut it ("fewer / more themes") at once.
4. Seeded: each passage is scored against each seed's facets (seeds.py); a
   story's seed evidence is the mean over its passages, standardised per seed
   so a general seed cannot swallow the corpus; a story goes to a seed when the
   evidence clears a bar calibrated on this corpus (median + 1.5 MAD), then
   self-training pulls in how this project talks about each seed. Stories no
   seed fits become new themes beside the seeds.
5. Mix: a passage leaves its story's theme only for a theme whose centroid it
   fits clearly better (seeds and discovered themes alike): the story's mix.
6. Small themes dissolve into the nearest; keywords come from BERTopic's
   c-TF-IDF re-ranked towards each theme's target (keywords.py), phrases said in
   at least two stories only; labels.py makes a short noun phrase of them.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np

from engines.themes.clean import clean_for_themes
from engines.themes.features import centre, centre_by_group, normalise_rows, with_story_context
from engines.themes.labels import label_from_keywords, word_classes
from engines.themes.seeds import calibrated_threshold, seed_description_vectors, seed_scores, seed_story_scores, self_train
from engines.themes.stories import build_hierarchy, choose_k, cut, passage_mix, refine, story_matrix

DEFAULT_SETTINGS = {
    "pipeline": "v2",  # "v2" (pipeline_v2.py, tuned on dev) or "tree" (stories.py); bench/themes.py compares them
    "max_terms": 1500,  # v2: nouns in the concept projection
    "v2_seed_min_similarity": 0.12,  # v2: floor under the calibrated passage-seed threshold
    "story_context": 0.5,  # weight of the story mean mixed into each passage
    "centre_by_role": False,  # tree: centre passages on their storyteller role's mean, not only the corpus mean
    "n_themes": None,  # None = the tree cut with the best silhouette in [k_min, max_themes]
    "k_criterion": "silhouette",  # or "sqrt": ceil(sqrt(stories))
    "k_min": 3,
    "max_themes": 12,
    "refine_rounds": 5,  # nearest-centroid rounds after the tree cut (0 = tree cut only)
    "refine_story_weight": 1.0,  # whole-story similarity added to the passages' vote
    "passage_switch_margin": 0.1,  # a passage leaves its story's theme only if clearly closer to another
    "mix_story_context": 0.5,  # tree: story-mean weight in the passage view the mix reads (0 = the passage alone)
    "story_main": "passages",  # tree: a story's main theme is the whole-story decision ("passages": its passages' majority)
    "seed_story_context": 0.3,  # story-mean weight when scoring passages against seeds
    "seed_min_similarity": 0.05,  # floor under the calibrated seed threshold (centred cosine)
    "seed_threshold_mads": 1.5,  # story joins a seed above median + this * MAD of story-seed evidence
    "seed_self_train": 1.0,  # weight of closeness to a seed's current stories (0 = zero-shot only)
    "new_theme_min_stories": 4,  # fewer unplaced stories than this join their best seed instead
    "outlier_min_similarity": 0.05,  # below this a passage of a dissolved theme stays an outlier
    "min_total_stories": 5,
    "min_total_passages": 8,
    "n_representative": 3,
    "n_keywords": 8,
    "keywords": True,  # False skips keywords and labels (the benchmark's settings search)
    "embedding_model": None,  # None = bundled all-MiniLM-L6-v2
    "method": "story tree (average, cosine, silhouette cut) + nearest-centroid refinement; seeds: standardised "
              "facet evidence, calibrated bar, self-training; c-TF-IDF (BERTopic's), target-reranked keywords",
    "version": 3,
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
    hierarchy: dict = field(default_factory=dict)  # {"stories": [...], "linkage": [[a, b, dist, n], ...], "k": k}

    def to_dict(self) -> dict:
        return asdict(self)

    def theme(self, key: str) -> ThemeResult | None:
        return next((t for t in self.themes if t.key == key), None)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "seed"


def _centroids(vectors: np.ndarray, labels: np.ndarray, keys: list) -> np.ndarray:
    return normalise_rows(np.stack([vectors[labels == k].mean(axis=0) for k in keys]))


def _unseeded_story_labels(stories, contextual, story_rows, cfg) -> tuple[np.ndarray, dict]:
    """Story labels 0..k-1 from the tree cut (refined), and the tree for re-cutting."""
    tree = build_hierarchy(stories)
    n = stories.shape[0]
    k = int(cfg["n_themes"]) if cfg.get("n_themes") else choose_k(stories, tree, cfg["k_min"], cfg["max_themes"], cfg["k_criterion"])
    labels = cut(tree, n, k)
    if cfg["refine_rounds"]:
        labels = refine(contextual, story_rows, labels, cfg["refine_rounds"], cfg["refine_story_weight"])
    return labels, {"linkage": tree.tolist(), "k": int(k)}


def _seeded_story_labels(feats, stories, story_rows, story_ids, seeds, cfg) -> tuple[np.ndarray, dict]:
    """Story labels: seeds 0..S-1 where the seed evidence clears the bar, new themes S.. for the rest."""
    n_stories, n_seeds = stories.shape[0], len(seeds)
    seed_view = with_story_context(feats["centred"], story_ids, cfg["seed_story_context"])
    passage_scores = seed_scores(seed_view, feats["mean"], seeds, cfg["embedding_model"])
    raw = np.zeros((n_stories, n_seeds))
    np.add.at(raw, story_rows, passage_scores)
    raw /= np.maximum(np.bincount(story_rows, minlength=n_stories), 1)[:, None]
    threshold = calibrated_threshold(raw, cfg["seed_min_similarity"], cfg["seed_threshold_mads"])
    prior = seed_story_scores(passage_scores, story_rows, n_stories)
    labels = prior.argmax(axis=1)
    fits = raw[np.arange(n_stories), labels] >= threshold
    if cfg["seed_self_train"] and fits.sum() >= 2:
        labels[fits] = self_train(stories[fits], prior[fits], weight=cfg["seed_self_train"])
    unplaced = np.flatnonzero(~fits)
    info = {"seed_threshold_used": round(float(threshold), 4)}
    if len(unplaced) >= cfg["new_theme_min_stories"]:
        sub_labels, tree = _unseeded_story_labels(stories[unplaced], None, None, {**cfg, "refine_rounds": 0})
        labels[unplaced] = n_seeds + sub_labels
        info["hierarchy"] = {**tree, "of": "unplaced stories"}
    return labels, info


def discover_themes(passages, embeddings, seeds=None, min_stories=2, random_state=42, settings=None) -> DiscoveryResult:
    """Find themes over passages [{id, story_id, text, role}] with aligned embeddings; see module doc."""
    cfg = {**DEFAULT_SETTINGS, **{k: v for k, v in (settings or {}).items() if k != "hierarchy"}}
    seeds = [s for s in (seeds or []) if s.get("name")]
    embeddings = np.asarray(embeddings, dtype="float32")
    if len(passages) != embeddings.shape[0]:
        raise ValueError(f"{len(passages)} passages but {embeddings.shape[0]} embeddings")
    story_ids = [p["story_id"] for p in passages]
    n_stories = len(set(story_ids))
    if not seeds and (n_stories < cfg["min_total_stories"] or len(passages) < cfg["min_total_passages"]):
        raise TooFewStoriesError(
            f"Theme discovery needs at least {cfg['min_total_stories']} stories and "
            f"{cfg['min_total_passages']} passages; this collection has {n_stories} stories and "
            f"{len(passages)} passages. Add more stories, or give seed themes to sort them into."
        )
    if not passages:
        return DiscoveryResult([], {}, {}, {}, {**cfg, "min_stories": min_stories, "random_state": random_state})

    from engines.themes.tagging import forget_all_but

    cleaned = [clean_for_themes(p["text"]) for p in passages]  # once: the tagger, v2 and keywords read these
    forget_all_but(cleaned)  # tagger readings of this run's passages only
    mean = embeddings.mean(axis=0)
    centred = (centre_by_group(embeddings, [p.get("role") for p in passages]) if cfg["centre_by_role"]
               else centre(embeddings, mean))
    feats = {"mean": mean, "centred": centred, "texts": cleaned}
    contextual = with_story_context(feats["centred"], story_ids, cfg["story_context"])
    stories, order, story_rows = story_matrix(feats["centred"], story_ids)
    hierarchy: dict = {}
    if cfg["pipeline"] == "v2":
        from engines.themes.pipeline_v2 import v2_labels

        labels, contextual, used = v2_labels(embeddings, cleaned, story_ids,
                                             seeds, cfg, random_state)
        cfg = {**cfg, **used}
        return _finish(passages, embeddings, labels, seeds, feats, contextual, cfg, min_stories, random_state, hierarchy)
    if seeds:
        story_labels, info = _seeded_story_labels(feats, stories, story_rows, story_ids, seeds, cfg)
        hierarchy = info.pop("hierarchy", {})
        cfg = {**cfg, **info}
    else:
        story_labels, hierarchy = _unseeded_story_labels(stories, contextual, story_rows, cfg)
    if hierarchy:
        hierarchy["stories"] = order
    # The mix asks what each passage is about, so it reads the passage with less (or none) of its story mixed in.
    mix_view = with_story_context(feats["centred"], story_ids, cfg["mix_story_context"])
    labels = passage_mix(mix_view, story_rows, story_labels, cfg["passage_switch_margin"])
    story_level = dict(zip(order, story_labels.tolist())) if cfg["story_main"] == "story" else None
    return _finish(passages, embeddings, labels, seeds, feats, contextual, cfg, min_stories, random_state, hierarchy,
                   story_level)


def _finish(passages, embeddings, labels, seeds, feats, contextual, cfg, min_stories, random_state, hierarchy,
            story_level=None):
    """Dissolve small themes, find keywords and labels, and build the result.

    `story_level` (story id -> theme decided on the whole story): the story's main theme, where that
    theme survives, even when most of its passages fit other themes better (those stay its mix)."""
    story_ids = [p["story_id"] for p in passages]
    # Seeded themes are kept even when small: the group asked for them by name.
    labels = _dissolve_small_themes(labels, story_ids, contextual, min_stories, set(range(len(seeds))), cfg["outlier_min_similarity"])
    keywords = _keywords(passages, embeddings, labels, seeds, feats, cfg) if cfg["keywords"] else {"words": {}, "classes": {}}
    result = _build_result(passages, labels, seeds, keywords, contextual, cfg, min_stories, random_state)
    key_of = {label: result.assignments[passages[i]["id"]] for i, label in enumerate(labels.tolist()) if label != -1}
    for sid, label in (story_level or {}).items():
        if label in key_of:
            result.story_main[sid] = key_of[label]
    result.hierarchy = hierarchy
    return result


def _keywords(passages, embeddings, labels, seeds, feats, cfg) -> dict:
    """Keyword targets: the seed description for seeded themes, the centred centroid for found ones."""
    from engines.themes.keywords import ctfidf_keywords, multi_story_phrases

    texts = feats["texts"]
    targets = {s: vector for s, vector in enumerate(seed_description_vectors(seeds, cfg["embedding_model"]))} if seeds else {}
    for label in sorted(set(labels.tolist()) - {-1} - set(targets)):
        targets[label] = normalise_rows((embeddings[labels == label].mean(axis=0) - feats["mean"])[None])[0]
    allowed = multi_story_phrases(texts, [p["story_id"] for p in passages])
    keywords = ctfidf_keywords(texts, labels, targets, cfg, allowed)
    return {"words": keywords, "classes": word_classes(texts)}


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
        words = keywords["words"].get(label, [])
        seed = seeds[label] if label < len(seeds) else None
        themes.append(
            ThemeResult(
                key=key_of[label],
                label=seed["name"] if seed else label_from_keywords(words, keywords["classes"]),
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
    rows_of: dict = {}
    for i, sid in enumerate(story_ids):  # once, not a pass over every passage per story
        rows_of.setdefault(sid, []).append(i)
    for sid, rows in rows_of.items():
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
