"""Multi-corpus theme benchmark: the product beside plain baselines, settings chosen leave-one-corpus-out.

Run: .venv/bin/python bench/themes.py [--no-bertopic] [--only NAME,...]

Corpora: demo/dev_stories.json and bench/data/*.json (bench/data/make_corpora.py).
For each corpus the product's settings are the grid point with the best
worst-case score on the OTHER corpora (never on the corpus reported), and the
table prints, per corpus and for the worst corpus:
- story main-theme ARI unseeded: product (its own number of themes) vs story-mean
  agglomerative with the true k, BERTopic defaults, BERTopic's small-data recipe;
- story main-theme ARI seeded (every theme given as a seed): product vs the
  centred zero-shot;
- theme mix: precision / recall of a story's other labelled themes (seeded run);
- the largest seed's share of stories against that theme's true share;
- the number of themes the product chose unseeded against the true number.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import theme_baselines as tb  # noqa: E402

# The settings searched (everything else is DEFAULT_SETTINGS): the number-of-themes criterion, and
# refinement on or off (nearest-centroid rounds unseeded, self-training seeded), and the v2 pipeline. Small on purpose: the
# machine is shared and every point runs on every corpus, seeded and unseeded.
# Session 7 added centring on each storyteller role's mean and a mix read on the passage alone (mix_story_context 0).
GRID = [
    {"pipeline": "v2"},
    {"pipeline": "tree", "k_criterion": "silhouette", "refine_rounds": 5, "seed_self_train": 1.0},
    {"pipeline": "tree", "k_criterion": "sqrt", "refine_rounds": 5, "seed_self_train": 1.0},
    {"pipeline": "tree", "k_criterion": "sqrt", "refine_rounds": 0, "seed_self_train": 0.0},
    {"pipeline": "tree", "k_criterion": "silhouette", "centre_by_role": True, "mix_story_context": 0.0},
    {"pipeline": "tree", "k_criterion": "silhouette", "centre_by_role": True, "mix_story_context": 0.0, "passage_switch_margin": 0.0},
    {"pipeline": "tree", "k_criterion": "sqrt", "mix_story_context": 0.0, "passage_switch_margin": 0.0},
]


def grid_points() -> list[dict]:
    return [dict(point) for point in GRID]


def product_scores(corpus, passages, embeddings, settings) -> dict:
    from engines.themes import discover_themes

    stories = corpus["stories"]
    ids = [s["id"] for s in stories]
    truth = [s["theme"] for s in stories]
    unseeded = discover_themes(passages, embeddings, settings=settings)
    seeds = tb.seeds_of(corpus)
    seeded = discover_themes(passages, embeddings, seeds=seeds, settings=settings)
    key_truth = {f"seed-{s['name'].lower().replace(' ', '-')}": s["truth"] for s in seeds}
    key_truth.update({k: v for k, v in tb.cluster_to_truth(passages, seeded.assignments, stories).items() if k not in key_truth})
    precision, recall = tb.mix_precision_recall(seeded.story_mix, seeded.story_main, key_truth, stories)
    name, share, true_share = tb.largest_seed_share(seeded.story_main, key_truth, stories)
    return {
        "ari_u": tb.ari(truth, [unseeded.story_main.get(i) for i in ids]),
        "ari_s": tb.ari(truth, [seeded.story_main.get(i) for i in ids]),
        "mix_p": precision, "mix_r": recall, "k": len([t for t in unseeded.themes if not t.is_outlier]),
        "big_seed": name, "big_share": share, "big_true": true_share,
        "unseeded": unseeded, "seeded": seeded,
    }


def objective(scores: dict) -> float:
    """What the settings search maximises on the training corpora: the worst of the targeted figures."""
    return min(scores["ari_u"] / 0.5, scores["ari_s"] / 0.8, scores["mix_p"] / 0.6, scores["mix_r"] / 0.6)


def baseline_scores(corpus, passages, raw_embeddings, with_bertopic) -> dict:
    stories, k = corpus["stories"], len(corpus["themes"])
    ids = [s["id"] for s in stories]
    truth = [s["theme"] for s in stories]
    out = {"agglomerative": tb.ari(truth, [tb.baseline_agglomerative(passages, raw_embeddings, k)[i] for i in ids]),
           "zero_shot": tb.ari(truth, [tb.baseline_zero_shot(passages, raw_embeddings, tb.seeds_of(corpus))[i] for i in ids])}
    if with_bertopic:
        out["bertopic_default"] = tb.ari(truth, [tb.baseline_bertopic(passages, raw_embeddings)[i] for i in ids])
        out["bertopic_small"] = tb.ari(truth, [tb.baseline_bertopic(passages, raw_embeddings, k, small=True)[i] for i in ids])
    return out


def prepare(corpora, cache):
    from engines.themes.clean import clean_for_themes

    prepared = []
    for corpus in corpora:
        passages = tb.corpus_passages(corpus["stories"])
        raw = cache.embed([p["text"] for p in passages])
        clean = cache.embed([clean_for_themes(p["text"]) for p in passages])
        prepared.append((corpus, passages, raw, clean))
    cache.save()
    return prepared


def leave_one_out(prepared, points) -> dict:
    """For each corpus: the grid point best (worst case over the other corpora) and its scores there."""
    table = {}
    t0 = time.perf_counter()
    for n, point in enumerate(points):
        settings = {**point, "keywords": False}
        for corpus, passages, _, clean in prepared:
            table[(n, corpus["name"])] = scores = product_scores(corpus, passages, clean, settings)
            print(f"  #{n} {corpus['name']}: ARI_u {scores['ari_u']:.3f} ARI_s {scores['ari_s']:.3f} "
                  f"mix P {scores['mix_p']:.2f} R {scores['mix_r']:.2f} k {scores['k']}", flush=True)
    print(f"settings search: {len(points)} points x {len(prepared)} corpora in {time.perf_counter() - t0:.0f}s")
    chosen = {}
    for corpus, *_ in prepared:
        others = [c["name"] for c, *_ in prepared if c["name"] != corpus["name"]]
        best = max(range(len(points)), key=lambda n: (min(objective(table[(n, o)]) for o in others), -n))
        chosen[corpus["name"]] = (best, table[(best, corpus["name"])])
    return chosen


def print_table(prepared, chosen, baselines, points):
    cols = ["corpus", "stories", "k", "k_found", "ARI_u", "agglo", "bt_def", "bt_small", "ARI_s", "zeroshot",
            "mix_P", "mix_R", "big seed share/true"]
    print("\n" + " | ".join(cols))
    worst = {}
    for corpus, *_ in prepared:
        name = corpus["name"]
        n, s = chosen[name]
        b = baselines[name]
        row = [name, len(corpus["stories"]), len(corpus["themes"]), s["k"], s["ari_u"], b["agglomerative"],
               b.get("bertopic_default", float("nan")), b.get("bertopic_small", float("nan")), s["ari_s"], b["zero_shot"],
               s["mix_p"], s["mix_r"], f"{s['big_seed']} {s['big_share']:.2f}/{s['big_true']:.2f}"]
        print(" | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + f"   (settings #{n}: {points[n]})")
        for key in ("ari_u", "ari_s", "mix_p", "mix_r"):
            worst[key] = min(worst.get(key, 1.0), s[key])
        beats_u = s["ari_u"] > max(v for k, v in b.items() if k != "zero_shot")
        beats_s = s["ari_s"] > b["zero_shot"]
        worst.setdefault("losses", []).extend([f"{name} unseeded"] * (not beats_u) + [f"{name} seeded"] * (not beats_s))
    print(f"\nworst corpus: ARI unseeded {worst['ari_u']:.3f} (target 0.5)  ARI seeded {worst['ari_s']:.3f} (target 0.8)  "
          f"mix P {worst['mix_p']:.3f} R {worst['mix_r']:.3f} (target 0.6)")
    print("product loses to a baseline on: " + (", ".join(worst["losses"]) or "none"))


def print_labels(prepared, chosen):
    """Unseeded labels with the corpus's acceptable head words (the label test set)."""
    from labels_check import judge_labels

    judge_labels([(corpus, chosen[corpus["name"]][1]["unseeded"]) for corpus, *_ in prepared])


def main():
    args = sys.argv[1:]
    only = set(args[args.index("--only") + 1].split(",")) if "--only" in args else None
    corpora = [c for c in tb.load_corpora() if not only or c["name"] in only]
    cache = tb.EmbeddingCache()
    t0 = time.perf_counter()
    prepared = prepare(corpora, cache)
    print(f"corpora: " + ", ".join(f"{c['name']} ({len(c['stories'])} stories, {len(p)} passages)" for c, p, *_ in prepared)
          + f"; embed {time.perf_counter() - t0:.0f}s")
    baselines = {}
    for corpus, passages, raw, _ in prepared:
        t1 = time.perf_counter()
        baselines[corpus["name"]], cached = tb.cached_baselines(
            corpus, lambda: baseline_scores(corpus, passages, raw, "--no-bertopic" not in args), "--no-bertopic" not in args)
        print(f"  baselines {corpus['name']}: " + "  ".join(f"{k} {v:.3f}" for k, v in baselines[corpus["name"]].items())
              + (" (from /tmp cache: same corpus, same baseline code)" if cached else f" ({time.perf_counter() - t1:.0f}s)"), flush=True)
    points = grid_points()
    chosen = leave_one_out(prepared, points)
    # Labels need keywords: re-run the chosen settings with keywords on.
    for corpus, passages, _, clean in prepared:
        n, _ = chosen[corpus["name"]]
        chosen[corpus["name"]] = (n, product_scores(corpus, passages, clean, points[n]))
    print_table(prepared, chosen, baselines, points)
    if "--no-labels" not in args:
        print_labels(prepared, chosen)
    print(f"load: {os.getloadavg()[0]:.1f} (1-min average) on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
