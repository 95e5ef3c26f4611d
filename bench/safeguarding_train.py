"""Train the safeguarding engine's sentence classifier on the dev data only; writes engines/safeguarding_weights.json.

Run: .venv/bin/python bench/safeguarding_train.py

Positives: the dev set's clear disclosures (bench/data/safeguarding_passages.py,
written and dev-garbled) and the engine's own EXAMPLES. Negatives: the dev
set's ordinary passages and lookalikes (bench/data/safeguarding_dev_lookalikes.py;
both forms), the engine's ORDINARY_EXAMPLES, and every
sentence of the development corpus (demo/dev_stories.json, written and
dev-garbled, and spoken through espeak-ng and the bundled Whisper), which
discloses nothing. One logistic regression per category on
MiniLM sentence vectors (one-vs-rest: other categories' disclosures are
negatives too). Each category's threshold is chosen on 5-fold cross-validated
dev scores: the lowest that keeps dev precision >= TARGET_PRECISION and flags
no development-corpus sentence and no lookalike (a whole story has many
sentences, so one sentence in a hundred flagging flags most stories). The held-out sets are never read here.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "bench" / "data"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

TARGET_PRECISION = 0.9
OUT = REPO / "engines" / "safeguarding_weights.json"


def training_set():
    from safeguarding import garble  # bench/safeguarding.py: the dev garbler
    from safeguarding_passages import CLEAR, ORDINARY

    import engines.safeguarding as engine

    texts, golds, corpus = [], [], []
    from safeguarding_dev_lookalikes import ORDINARY as LOOKALIKES

    items = [(t, c) for c, ts in CLEAR.items() for t in ts] + [(t, None) for t in ORDINARY + LOOKALIKES]
    for n, (text, gold) in enumerate(items):
        for form in (text, garble(text, n)):
            texts.append(form), golds.append(gold), corpus.append(text in LOOKALIKES)
    for category, examples in engine.EXAMPLES.items():
        for text in examples:
            texts.append(text), golds.append(category), corpus.append(False)
    for text in engine.ORDINARY_EXAMPLES:
        texts.append(text), golds.append(None), corpus.append(False)
    stories = json.load(open(REPO / "demo" / "dev_stories.json"))["stories"]
    for n, story in enumerate(stories):
        for form in (story["text"], garble(story["text"], 1000 + n)):
            for sentence in engine._sentences(form):
                texts.append(sentence), golds.append(None), corpus.append(True)
    import safeguarding_spoken  # the same stories spoken by espeak-ng and typed up by the bundled Whisper

    for passages in safeguarding_spoken.spoken_passages(stories, safeguarding_spoken.CACHE.with_name("safeguarding_dev_corpus")):
        for sentence in (s for p in passages for s in engine._sentences(p)):
            texts.append(sentence), golds.append(None), corpus.append(True)
    return texts, golds, corpus


def main():
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    import engines.safeguarding as engine
    from engines.embeddings import embed_texts

    texts, golds, corpus = training_set()
    x = embed_texts([engine.normalise_asr(t) for t in texts])
    corpus = np.array(corpus)
    out = {"model": "all-MiniLM-L6-v2", "target_precision": TARGET_PRECISION, "categories": {}}
    print(f"{len(texts)} dev sentences, {sum(bool(g) for g in golds)} disclosures, {int(corpus.sum())} that must not flag")
    for category in engine.CATEGORIES:
        y = np.array([g == category for g in golds])
        disclosure = np.array([bool(g) for g in golds])
        cv = np.zeros(len(y))
        for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
            model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(x[train], y[train])
            cv[test] = model.decision_function(x[test])
        threshold = cv[corpus].max() + 1e-3
        for t in sorted(set(cv[y])):
            flagged = cv >= t
            precision = (flagged & disclosure).sum() / max(flagged.sum(), 1)
            if t > cv[corpus].max() and precision >= TARGET_PRECISION:
                threshold = float(t)
                break
        flagged = cv >= threshold
        recall = (flagged & y).sum() / y.sum()
        precision = (flagged & disclosure).sum() / max(flagged.sum(), 1)
        print(f"  {category:18s} threshold {threshold:6.2f}  cross-validated dev P {precision:.2f} R {recall:.2f}")
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(x, y)
        out["categories"][category] = {"threshold": round(threshold, 4), "bias": float(model.intercept_[0]),
                                       "weights": [round(float(w), 5) for w in model.coef_[0]]}
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
