"""Corpora, scoring and the plain baselines for bench/themes.py.

Baselines (each given the true number of themes k where it needs one):
- agglomerative: the mean of each story's raw MiniLM passage vectors,
  AgglomerativeClustering(k, cosine, average).
- bertopic-default: BERTopic() on the passages with their embeddings (UMAP +
  HDBSCAN, min_topic_size 10); a story's main theme = its most common topic.
- bertopic-small: BERTopic's own advice for small data (maintainer, MaartenGr/
  BERTopic#1018 and the FAQ): a cluster model without outliers (KMeans with k)
  after UMAP(n_neighbors=5, n_components=5, min_dist=0, cosine), min_topic_size 2.
- zero-shot (seeded): (story vector - corpus mean) . (seed vector - mean of
  seed vectors), argmax; a seed vector embeds "name: description".
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [ROOT / "demo" / "dev_stories.json"] + sorted((ROOT / "bench" / "data").glob("*.json"))
CACHE = Path("/tmp/storyloom-bench-embeddings.npz")
BASELINE_CACHE = Path("/tmp/storyloom-bench-baselines.json")


def cached_baselines(corpus: dict, compute, with_bertopic: bool) -> tuple[dict, bool]:
    """Baseline scores, kept in /tmp keyed by the corpus and this file's code: the baselines are
    deterministic (fixed random_state) and BERTopic's take most of a run on a shared machine."""
    import hashlib

    key = hashlib.sha256((json.dumps(corpus, sort_keys=True) + Path(__file__).read_text()
                          + str(with_bertopic)).encode()).hexdigest()
    store = json.loads(BASELINE_CACHE.read_text()) if BASELINE_CACHE.exists() else {}
    if key in store:
        return store[key], True
    store[key] = scores = compute()
    BASELINE_CACHE.write_text(json.dumps(store))
    return scores, False


def load_corpora() -> list[dict]:
    out = []
    for path in CORPORA:
        data = json.loads(path.read_text())
        name = "dev" if path.parent.name == "demo" else path.stem
        out.append({"name": name, "themes": data["themes"], "stories": data["stories"],
                    "heads": data.get("label_heads") or {}})
    return out


def seeds_of(corpus: dict) -> list[dict]:
    return [{"name": key.replace("_", " ").capitalize(), "description": desc, "truth": key}
            for key, desc in corpus["themes"].items()]


def corpus_passages(stories) -> list[dict]:
    """Each story's text as one untimed transcript, split into passages (as the product does)."""
    from engines.themes import split_passages

    passages = []
    for story in stories:
        for p in split_passages([{"start": None, "end": None, "text": story["text"]}]):
            passages.append({"id": f"{story['id']}-{p.index}", "story_id": story["id"], "text": p.text, "role": story["role"]})
    return passages


class EmbeddingCache:
    """Embeddings keyed by text_key, kept in /tmp between benchmark runs (never in the repo)."""

    def __init__(self):
        self.store = dict(np.load(CACHE)) if CACHE.exists() else {}
        self.dirty = False

    def embed(self, texts: list[str]) -> np.ndarray:
        from engines.embeddings import embed_texts, text_key

        keys = [text_key(t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self.store))
        for text, vector in zip(missing, embed_texts(missing)):
            self.store[text_key(text)] = vector
            self.dirty = True
        return np.stack([self.store[k] for k in keys]) if keys else np.zeros((0, 384), dtype="float32")

    def save(self):
        if self.dirty:
            np.savez(CACHE, **self.store)


def ari(truth: list, found: list) -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score([str(t) for t in truth], [str(f) for f in found]))


def story_means(passages, embeddings):
    """Normalised mean of raw passage vectors per story, in first-seen story order."""
    order = list(dict.fromkeys(p["story_id"] for p in passages))
    index = {sid: n for n, sid in enumerate(order)}
    sums = np.zeros((len(order), embeddings.shape[1]), dtype="float32")
    for p, vector in zip(passages, embeddings):
        sums[index[p["story_id"]]] += vector
    return sums / np.linalg.norm(sums, axis=1, keepdims=True), order


def baseline_agglomerative(passages, embeddings, k) -> dict:
    from sklearn.cluster import AgglomerativeClustering

    vectors, order = story_means(passages, embeddings)
    labels = AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(vectors)
    return dict(zip(order, labels.tolist()))


def _story_majority(passages, topics) -> dict:
    per_story: dict = {}
    for p, topic in zip(passages, topics):
        per_story.setdefault(p["story_id"], []).append(int(topic))
    main = {}
    for sid, found in per_story.items():
        placed = [t for t in found if t != -1] or found
        main[sid] = Counter(placed).most_common(1)[0][0]
    return main


def baseline_bertopic(passages, embeddings, k=None, small=False) -> dict:
    from bertopic import BERTopic

    texts = [p["text"] for p in passages]
    if small:
        from sklearn.cluster import KMeans
        from umap import UMAP

        model = BERTopic(umap_model=UMAP(n_neighbors=5, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
                         hdbscan_model=KMeans(n_clusters=k, n_init=10, random_state=42), min_topic_size=2)
    else:
        from umap import UMAP

        # Defaults, with UMAP's random_state fixed so the run repeats (BERTopic FAQ).
        model = BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42))
    try:
        topics, _ = model.fit_transform(texts, embeddings=embeddings)
    except (ValueError, TypeError) as exc:  # too few documents for UMAP/HDBSCAN
        print(f"      (bertopic {'small' if small else 'default'} failed: {exc.__class__.__name__})")
        topics = [0] * len(texts)
    return _story_majority(passages, topics)


def baseline_zero_shot(passages, embeddings, seeds) -> dict:
    from engines.embeddings import embed_texts

    vectors, order = story_means(passages, embeddings)
    vectors = vectors - vectors.mean(axis=0)
    seed_vectors = embed_texts([f"{s['name']}: {s['description']}" for s in seeds])
    seed_vectors = seed_vectors - seed_vectors.mean(axis=0)
    best = (vectors @ seed_vectors.T).argmax(axis=1)
    return {sid: seeds[b]["truth"] for sid, b in zip(order, best)}


def cluster_to_truth(passages, assignments: dict, stories) -> dict:
    """Map each found theme key to the true main theme most common among its passages' stories."""
    truth = {s["id"]: s["theme"] for s in stories}
    votes: dict = {}
    for p in passages:
        key = assignments.get(p["id"])
        if key is not None:
            votes.setdefault(key, Counter())[truth[p["story_id"]]] += 1
    return {key: c.most_common(1)[0][0] for key, c in votes.items()}


def mix_precision_recall(story_mix: dict, story_main: dict, key_truth: dict, stories, min_share=0.0) -> tuple:
    """Micro precision/recall of a story's other labelled themes among its other found themes."""
    hit = predicted = wanted = 0
    for story in stories:
        main = key_truth.get(story_main.get(story["id"]))
        found = {key_truth.get(k) for k, share in (story_mix.get(story["id"]) or {}).items() if share > min_share}
        found -= {None, main, story["theme"]}
        want = set(story.get("also") or []) - {story["theme"]}
        hit += len(found & want)
        predicted += len(found)
        wanted += len(want)
    return (hit / predicted if predicted else 0.0), (hit / wanted if wanted else 1.0)


def largest_seed_share(story_main: dict, key_truth: dict, stories) -> tuple:
    """(name, found share, true share) of the seed that took most stories."""
    found = Counter(key_truth.get(story_main.get(s["id"])) for s in stories)
    name, count = max(((k, v) for k, v in found.items() if k), key=lambda kv: kv[1], default=(None, 0))
    true = sum(s["theme"] == name for s in stories)
    return name, count / len(stories), true / len(stories)
