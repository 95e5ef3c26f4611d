"""Theme keywords: BERTopic's c-TF-IDF (without BERTopic, torch or its models), re-ranked towards each theme's target.

Only phrases said in at least two stories, each of their words too, qualify:
a word the recogniser misheard once ("hostile" for "hostel"), or a name left
in one story, is not a theme's keyword; nor is a word misheard more often
than that (misheard.py: "bleach" beside a commoner "breach"). Texts arrive cleaned (engines/themes/clean.py), so
placeholders and hesitations never compete.
"""
from __future__ import annotations

import numpy as np

from engines.themes.labels import clean_keywords, phrase_analyzer


def class_tfidf(texts: list[str], y: np.ndarray, analyzer):
    """BERTopic's c-TF-IDF, as its manual mode computes it: one document per label (outliers, -1, are a
    class too) of its texts joined by spaces (punctuation kept: BERTopic strips it only when it has no
    embedding model, and it had ours); phrase counts; each row L1-normalised and square-rooted
    (reduce_frequent_words); idf = log(1 + A / f), A the mean phrases per class, f a phrase's count over
    all classes. Returns (labels in row order, csr matrix, phrases). tests/engines/test_keywords.py holds
    it to BERTopic's own keywords."""
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.preprocessing import normalize

    classes = sorted(set(int(label) for label in y))
    joined = [" ".join(text for text, label in zip(texts, y) if label == c) for c in classes]
    cleaned = [doc.replace("\n", " ").replace("\t", " ") or "emptydoc" for doc in joined]
    vectorizer = CountVectorizer(analyzer=analyzer)
    counts = vectorizer.fit_transform(cleaned)
    frequency = np.squeeze(np.asarray(counts.sum(axis=0)))
    idf = np.log((int(counts.sum(axis=1).mean()) / frequency) + 1)
    weights = normalize(counts, axis=1, norm="l1", copy=False)
    weights.data = np.sqrt(weights.data)
    n = counts.shape[1]
    return classes, weights * sparse.diags(idf, offsets=0, shape=(n, n), format="csr", dtype=np.float64), \
        vectorizer.get_feature_names_out()


def top_phrases(matrix, phrases, n: int) -> list[list[tuple[str, float]]]:
    """Each row's n best (phrase, weight), best first, in BERTopic's order (ties included); a row with
    fewer phrases than n is filled with ("", 0.00001), as BERTopic fills it."""
    out = []
    for lo, hi in zip(matrix.indptr[:-1], matrix.indptr[1:]):
        pick = min(n, hi - lo)
        chosen = lo + np.argpartition(matrix.data[lo:hi], -pick)[-pick:]
        scores = np.zeros(n)  # a missing phrase weighs 0 while sorting, as in BERTopic
        scores[:pick] = matrix.data[chosen]
        out.append([(phrases[matrix.indices[chosen[i]]], scores[i]) if i < pick and scores[i] > 0
                    else ("", 0.00001) for i in np.argsort(scores)[::-1]])
    return out


def ranked_towards(words, target, model_name, n_candidates: int = 30, allowed: set | None = None) -> list[str]:
    """c-TF-IDF candidates re-ranked by closeness to the theme's target.

    KeyBERTInspired compares candidates with the theme's representative
    passages in raw embedding space, where every probation story is alike, so
    it favoured narrative words ("hour appointment", "friday afternoon"). Here
    the target is the seed's own description for seeded themes and the theme's
    centroid minus the corpus mean for found themes; the c-TF-IDF weight still
    counts, so a keyword must be both distinctive of the passages and on topic.
    """
    from engines.themes.features import embed_terms

    # Only phrases said in two stories (a theme of one story's words gets none): see module doc.
    said = [(w, v) for w, v in words if w and v > 0 and (allowed is None or w in allowed)]
    candidates = [(w, float(v)) for w, v in said[:n_candidates]]
    if target is None or not candidates:
        return [w for w, _ in candidates]
    weight = np.array([v for _, v in candidates])
    weight = weight / weight.max()
    score = (embed_terms([w for w, _ in candidates], model=model_name) @ target) * np.sqrt(weight)
    return [candidates[i][0] for i in np.argsort(-score, kind="stable")]


def ctfidf_keywords(texts, labels, targets, cfg, allowed: set | None = None) -> dict:
    """Keywords per label (>= 0): c-TF-IDF's 80 best phrases, re-ranked towards each theme's target."""
    present = sorted(set(labels.tolist()) - {-1})
    if not present:
        return {}
    classes, matrix, phrases = class_tfidf(texts, labels, phrase_analyzer)
    best = dict(zip(classes, top_phrases(matrix, phrases, 80)))
    return {label: clean_keywords(ranked_towards(best[label], targets.get(label), cfg["embedding_model"],
                                                 allowed=allowed), limit=cfg["n_keywords"])
            for label in present}


def multi_story_phrases(texts: list[str], story_ids: list) -> set[str]:
    """Phrases (as phrase_analyzer finds them) said in at least two stories, each of their words too,
    and no word a likely mishearing (misheard.py)."""
    from engines.themes.misheard import misheard_words

    seen: dict[str, set] = {}
    for text, sid in zip(texts, story_ids):
        for phrase in set(phrase_analyzer(text)):
            seen.setdefault(phrase, set()).add(sid)
    misheard = misheard_words(texts, story_ids)
    said = {phrase for phrase, sids in seen.items() if len(sids) >= 2}
    return {phrase for phrase in said if all(w in said and w not in misheard for w in phrase.split())}
