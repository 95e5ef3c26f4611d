"""Safeguarding flags: per-category precision / recall on a dev set and a held-out set, beside two plain baselines.

Run: .venv/bin/python bench/safeguarding.py [--no-speech]     (--tune: the engine's threshold grid, dev set only)

Dev set: bench/data/safeguarding_passages.py (151 passages, clear disclosures
in six categories and ordinary probation talk that uses the same words), each
also ASR-garbled here (SAFEGUARDING_CONFUSIONS). Both of its halves have been
read while tuning, so all of it is dev now; with it, 87 dev lookalikes
(bench/data/safeguarding_dev_lookalikes.py: ordinary sentences dense with risk words).
Held-out set: bench/data/safeguarding_heldout.py (240 passages written fresh
and committed before the product was first scored on them; its own garbler).
Nothing is tuned on it and its mistakes are never printed.
Notes set: bench/data/safeguarding_notes.py (152 passages in another style:
staff speaking in the third person, and short lower-case messages; written
fresh and committed before anything scored it), garbled by the held-out
garbler. Story set: bench/safeguarding_spoken.py (whole stories, written and
spoken). Same rule for both: nothing tuned, mistakes never printed.

Scoring: a passage's gold category is the one it was written for. Recall of a
category = share of its passages flagged with it (an immediate-danger passage
flagged only as self-harm counts as a miss for immediate danger, since the
alert would not be urgent). Precision of a category = share of its flags that
land on a passage of that category or on another clear disclosure of the
lead's concern (a neighbouring category still reaches the lead). "any" =
flagged at all, over clear disclosures (recall) and over all flags (precision).

Baselines: a keyword list (the words a person would first search for) and a
zero-shot embedding similarity (MiniLM: passage vs one description per
category, threshold tuned on the dev set for F1). "worst" is the lowest
per-category recall and precision over the six categories.
"""
from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))

import safeguarding_notes as notes  # noqa: E402
from safeguarding_heldout import garble as heldout_garble  # noqa: E402
from safeguarding_heldout import heldout_set  # noqa: E402
from safeguarding_dev_lookalikes import ORDINARY as LOOKALIKES  # noqa: E402
from safeguarding_passages import CLEAR, ORDINARY  # noqa: E402

HALVES = ("dev", "held-out", "notes")

# How a small recogniser mishears these passages (plus make_corpora's general confusions).
SAFEGUARDING_CONFUSIONS = {
    "myself": "my self", "overdose": "over dose", "suicidal": "suicide all", "self-harm": "self harm",
    "kill": "kil", "nine": "dying", "stab": "stub", "strangled": "strangle", "tablets": "tablet",
    "knife": "nife", "hang": "hung", "cutting": "cuttin", "bruises": "brews is", "throat": "throw it",
    "pills": "pils", "shoplifting": "shop lifting", "weed": "we'd", "grassed": "grass", "petrol": "patrol",
}

KEYWORDS = {
    "self_harm": ["suicide", "kill myself", "overdose", "self-harm", "cut myself", "end it"],
    "child_harm": ["hit my son", "hit my daughter", "the kids", "baby", "abuse"],
    "domestic_abuse": ["partner", "boyfriend", "husband", "hits me", "abuse", "scared of him"],
    "threat": ["kill", "stab", "threat", "hurt", "batter"],
    "new_offence": ["shoplifting", "dealing", "knife", "stole", "nicked", "robbed"],
    "immediate_danger": ["right now", "tonight", "now", "already taken"],
}
DESCRIPTIONS = {
    "self_harm": "I want to hurt myself or end my life.",
    "child_harm": "A child is being hurt or neglected.",
    "domestic_abuse": "My partner is violent, abusive or controlling towards me.",
    "threat": "I am going to hurt someone, or someone has threatened to hurt me.",
    "new_offence": "I have committed a new crime recently.",
    "immediate_danger": "Someone is in danger right now and needs help immediately.",
}


def garble(text: str, seed: int) -> str:
    from make_corpora import garble as general

    rng = random.Random(seed)
    for right, wrong in SAFEGUARDING_CONFUSIONS.items():
        text = re.sub(rf"\b{re.escape(right)}\b", lambda m: wrong if rng.random() < 0.7 else m.group(0), text, flags=re.I)
    return general(text, rng, strength=0.8)


def labelled_set() -> list[dict]:
    """Dev passages (written and garbled) followed by the held-out ones."""
    items = [(t, c) for c, texts in CLEAR.items() for t in texts] + [(t, None) for t in ORDINARY + LOOKALIKES]
    out = []
    for n, (text, gold) in enumerate(items):
        out.append({"text": text, "gold": gold, "form": "written", "half": "dev"})
        out.append({"text": garble(text, n), "gold": gold, "form": "asr", "half": "dev"})
    out += [{**it, "half": "held-out"} for it in heldout_set()]
    for text, gold in [(t, c) for c, texts in notes.CLEAR.items() for t in texts] + [(t, None) for t in notes.ORDINARY]:
        out.append({"text": text, "gold": gold, "form": "written", "half": "notes"})
        out.append({"text": heldout_garble(text), "gold": gold, "form": "asr", "half": "notes"})
    return out


def keyword_baseline(texts):
    return [{c for c, words in KEYWORDS.items() if any(w in t.lower() for w in words)} for t in texts]


def zero_shot_baseline(texts, tune_mask, golds):
    import numpy as np

    sims = _zero_shot_similarity(texts)
    best_t, best_f = 0.3, -1.0
    for t in np.arange(0.1, 0.7, 0.02):
        tp = sum(1 for i, row in enumerate(sims) if tune_mask[i] and golds[i] and row.max() >= t)
        fp = sum(1 for i, row in enumerate(sims) if tune_mask[i] and not golds[i] and row.max() >= t)
        fn = sum(1 for i, row in enumerate(sims) if tune_mask[i] and golds[i] and row.max() < t)
        f = 2 * tp / max(2 * tp + fp + fn, 1)
        if f > best_f:
            best_t, best_f = float(t), f
    return zero_shot_apply(texts, best_t, sims), best_t


def _zero_shot_similarity(texts):
    from engines.embeddings import embed_texts

    return embed_texts(texts) @ embed_texts([DESCRIPTIONS[c] for c in DESCRIPTIONS]).T


def zero_shot_apply(texts, threshold, sims=None):
    cats = list(DESCRIPTIONS)
    sims = _zero_shot_similarity(texts) if sims is None else sims
    return [{cats[j] for j in range(len(cats)) if row[j] >= threshold} for row in sims]


def product(texts):
    from engines.safeguarding import flag_risks

    flags = flag_risks(texts)
    found = [set() for _ in texts]
    for flag in flags:
        found[flag.passage_index].add(flag.category)
    return found


def scores(items, found, category):
    cats = [category] if category != "any" else None
    if cats is None:
        clear = [i for i, it in enumerate(items) if it["gold"]]
        recall = sum(bool(found[i]) for i in clear) / max(len(clear), 1)
        flagged = [i for i, f in enumerate(found) if f]
        precision = sum(bool(items[i]["gold"]) for i in flagged) / max(len(flagged), 1)
        return precision, recall, len(clear)
    gold = [i for i, it in enumerate(items) if it["gold"] == category]
    recall = sum(category in found[i] for i in gold) / max(len(gold), 1)
    flagged = [i for i, f in enumerate(found) if category in f]
    precision = sum(bool(items[i]["gold"]) for i in flagged) / max(len(flagged), 1)
    return precision, recall, len(gold)


def print_tables(items, systems):
    for half in HALVES:
        for form in ("written", "asr"):
            rows = [i for i, it in enumerate(items) if it["half"] == half and it["form"] == form]
            sub = [items[i] for i in rows]
            print(f"\n{half} / {form}: {len(sub)} passages ({sum(bool(s['gold']) for s in sub)} clear disclosures)")
            print(f"  {'category':18s} {'n':>3s} " + " ".join(f"{name:>17s}" for name in systems))
            worst = {name: [1.0, 1.0] for name in systems}
            for category in list(CLEAR) + ["any"]:
                cells = []
                for name, found in systems.items():
                    p, r, n = scores(sub, [found[i] for i in rows], category)
                    cells.append(f"P {p:.2f} R {r:.2f}".rjust(17))
                    if category != "any":
                        worst[name] = [min(worst[name][0], p), min(worst[name][1], r)]
                print(f"  {category:18s} {n:3d} " + " ".join(cells))
            print(f"  {'worst category':18s} {'':3s} " + " ".join(f"P {p:.2f} R {r:.2f}".rjust(17) for p, r in worst.values()))


def tune(items):
    """Similarity threshold and margin with the best F1 of "any flag" on the dev set (prints the grid)."""
    import engines.safeguarding as engine

    tune_items = [it for it in items if it["half"] == "dev"]
    best = None
    for threshold in (0.40, 0.45, 0.50, 0.55, 0.60):
        for margin in (0.0, 0.05, 0.10):
            engine.DEFAULT_THRESHOLD, engine.SIMILARITY_MARGIN = threshold, margin
            found = product([it["text"] for it in tune_items])
            p, r, _ = scores(tune_items, found, "any")
            f1 = 2 * p * r / max(p + r, 1e-9)
            print(f"  tune: threshold {threshold:.2f} margin {margin:.2f}: P {p:.2f} R {r:.2f} F1 {f1:.3f}")
            if best is None or f1 > best[0]:
                best = (f1, threshold, margin)
    print(f"best on the dev set: threshold {best[1]:.2f} margin {best[2]:.2f}")


def main():
    items = labelled_set()
    if "--tune" in sys.argv:
        return tune(items)
    texts = [it["text"] for it in items]
    tune_mask = [it["half"] == "dev" for it in items]
    zero_shot, threshold = zero_shot_baseline(texts, tune_mask, [it["gold"] for it in items])
    systems = {"product": product(texts), "keyword list": keyword_baseline(texts), f"zero-shot@{threshold:.2f}": zero_shot}
    for half in HALVES:
        sub = [i for i in items if i["half"] == half]
        print(f"{half}: {len(sub) // 2} passages, {sum(bool(i['gold']) for i in sub) // 2} clear disclosures and "
              f"{sum(not i['gold'] for i in sub) // 2} ordinary, each written and ASR-garbled")
    print_tables(items, systems)
    # Only the dev set's mistakes are printed: reading the held-out ones would be tuning on them.
    missed = [it for it, f in zip(items, systems["product"]) if it["gold"] and it["gold"] not in f and it["half"] == "dev"]
    false = [(it, f) for it, f in zip(items, systems["product"]) if not it["gold"] and f and it["half"] == "dev"]
    print(f"\ndev misses ({len(missed)}):" + "".join(f"\n  [{m['gold']}/{m['form']}] {m['text']}" for m in missed))
    print(f"dev false flags ({len(false)}):" + "".join(f"\n  [{sorted(f)}/{it['form']}] {it['text']}" for it, f in false))
    import safeguarding_spoken

    safeguarding_spoken.run({"product": product, "keyword list": keyword_baseline,
                             f"zero-shot@{threshold:.2f}": lambda t: zero_shot_apply(t, threshold)}, CLEAR,
                            speech="--no-speech" not in sys.argv)
    print(f"load: {os.getloadavg()[0]:.1f} (1-min average) on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
