"""Theme engine speed and memory on the dev corpus (rebuild with a cache; 1,000 stories); prints figures.

Run: .venv/bin/python bench/themes_scale.py [--skip-scale]  (quality: bench/themes.py)
"""
from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CORPUS = Path(__file__).resolve().parents[1] / "demo" / "dev_stories.json"


def corpus_passages(stories):
    """Each story's text as one untimed transcript, split into passages."""
    from engines.themes import split_passages

    passages = []
    for story in stories:
        for p in split_passages([{"start": None, "end": None, "text": story["text"]}]):
            passages.append({"id": f"{story['id']}-{p.index}", "story_id": story["id"], "text": p.text, "role": story["role"]})
    return passages


def score(result, stories):
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    truth = [s["theme"] for s in stories]
    found = [str(result.story_main.get(s["id"])) for s in stories]
    return adjusted_rand_score(truth, found), normalized_mutual_info_score(truth, found)


class PeakRSS:
    """Samples this process's RSS every 50 ms while active."""

    def __enter__(self):
        import psutil

        self.proc, self.peak, self.stop = psutil.Process(), 0, False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self.stop:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.05)

    def __exit__(self, *exc):
        self.stop = True
        self.thread.join()


def cached_embed(texts, cache):
    """Embed only texts missing from `cache` (keyed by text_key); returns (matrix, n_embedded)."""
    import numpy as np

    from engines.embeddings import embed_texts, text_key

    keys = [text_key(t) for t in texts]
    missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in cache))
    for t, v in zip(missing, embed_texts(missing)):
        cache[text_key(t)] = v
    return np.stack([cache[k] for k in keys]), len(missing)


def main():
    data = json.loads(CORPUS.read_text())
    stories, themes = data["stories"], data["themes"]
    seeds = [{"name": key, "description": desc} for key, desc in themes.items()]

    t0 = time.perf_counter()
    from engines.embeddings import embed_texts
    from engines.themes import discover_themes

    passages = corpus_passages(stories)
    embeddings = embed_texts([p["text"] for p in passages])
    t_embed = time.perf_counter() - t0
    print(f"corpus: {len(stories)} stories -> {len(passages)} passages; load model + embed {t_embed:.1f}s")

    t0 = time.perf_counter()
    import bertopic  # noqa: F401  (cold figure includes this import)

    result = discover_themes(passages, embeddings)
    t_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = discover_themes(passages, embeddings)
    t_warm = time.perf_counter() - t0
    ari, nmi = score(result, stories)
    print(f"unseeded: ARI {ari:.3f}  NMI {nmi:.3f}  themes {len(result.themes)}  fit cold {t_cold:.1f}s (incl. import bertopic)  warm {t_warm:.1f}s")
    spread = [score(discover_themes(passages, embeddings, random_state=rs), stories) for rs in range(10)]
    aris, nmis = [a for a, _ in spread], [n for _, n in spread]
    print(f"unseeded over random_state 0..9: ARI mean {sum(aris) / 10:.3f} min {min(aris):.3f}  "
          f"NMI mean {sum(nmis) / 10:.3f} min {min(nmis):.3f}")
    for theme in result.themes:
        print(f"   {theme.key:10s} {len(theme.passage_ids):3d}p  {theme.label!r}  {theme.keywords[:5]}")

    t0 = time.perf_counter()
    seeded = discover_themes(passages, embeddings, seeds=seeds)
    t_seeded = time.perf_counter() - t0
    ari, nmi = score(seeded, stories)
    unplaced = sum(v is None for v in seeded.assignments.values())
    print(f"seeded:   ARI {ari:.3f}  NMI {nmi:.3f}  themes {len(seeded.themes)}  unplaced passages {unplaced}  fit {t_seeded:.1f}s")
    for theme in seeded.themes:
        print(f"   {theme.key:24s} {len(theme.passage_ids):3d}p  {theme.label!r}  {theme.keywords[:5]}")

    # Rebuild after one new story, with an embedding cache keyed by text_key.
    cache: dict = {}
    cached_embed([p["text"] for p in passages], cache)
    new_story = {"id": "new01", "role": "service_user", "theme": "housing", "also": [],
                 "text": "The hostel gave me two weeks notice. I have been sofa surfing at my cousin's since. "
                         "My officer wrote to the council but nobody has called me back about a flat."}
    grown = passages + corpus_passages([new_story])
    t0 = time.perf_counter()
    grown_embeddings, n_embedded = cached_embed([p["text"] for p in grown], cache)
    rebuilt = discover_themes(grown, grown_embeddings)
    print(f"rebuild after +1 story: {time.perf_counter() - t0:.1f}s, texts embedded {n_embedded} of {len(grown)}, "
          f"new story main theme {rebuilt.theme(rebuilt.story_main['new01']).label!r}")

    if "--skip-scale" in sys.argv:
        return
    # 1,000 stories recombined from corpus passages (2-3 passages each).
    rng = random.Random(7)
    big = []
    for n in range(1000):
        for k, p in enumerate(rng.sample(passages, rng.choice([2, 3]))):
            big.append({"id": f"s{n}-{k}", "story_id": f"s{n}", "text": p["text"], "role": p["role"]})
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        big_embeddings, n_embedded = cached_embed([p["text"] for p in big], {})
        t_big_embed = time.perf_counter() - t0
        t0 = time.perf_counter()
        big_result = discover_themes(big, big_embeddings)
        t_big = time.perf_counter() - t0
    print(f"scale: 1000 stories / {len(big)} passages: embed {t_big_embed:.1f}s ({n_embedded} unique texts), "
          f"discover {t_big:.1f}s, total {t_big_embed + t_big:.1f}s, peak RSS {mem.peak / 2**20:.0f} MiB, themes {len(big_result.themes)}")
    t0 = time.perf_counter()
    big_embeddings2 = embed_texts([p["text"] + " Thanks." for p in big[:600]])
    print(f"   (uncached embedding rate: {600 / (time.perf_counter() - t0):.0f} passages/s -> "
          f"~{len(big) * (time.perf_counter() - t0) / 600:.0f}s for {len(big)} distinct passages)")


if __name__ == "__main__":
    main()
