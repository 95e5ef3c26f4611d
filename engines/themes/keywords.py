"""Theme keywords: BERTopic c-TF-IDF in manual mode, re-ranked towards each theme's target.

Only phrases said in at least two stories, each of their words too, qualify:
a word the recogniser misheard once ("hostile" for "hostel"), or a name left
in one story, is not a theme's keyword; nor is a word misheard more often
than that (misheard.py: "bleach" beside a commoner "breach"). Texts arrive cleaned (engines/themes/clean.py), so
placeholders and hesitations never compete.
"""
from __future__ import annotations

import numpy as np

from engines.themes.labels import clean_keywords, phrase_analyzer


def memoised_embedder(model_name):
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


def target_ranker(targets: dict, labels: np.ndarray, model_name, n_candidates: int = 30, allowed: set | None = None):
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
                # Only phrases said in two stories (a theme of one story's words gets none): see module doc.
                said = [(w, v) for w, v in words if w and v > 0 and (allowed is None or w in allowed)]
                candidates = [(w, float(v)) for w, v in said[:n_candidates]]
                if target is None or not candidates:
                    updated[topic] = candidates or [("", 0.0)]  # BERTopic wants a list; clean_keywords drops ""
                    continue
                weight = np.array([v for _, v in candidates])
                weight = weight / weight.max()
                similarity = embed_terms([w for w, _ in candidates], model=model_name) @ target
                score = similarity * np.sqrt(weight)
                order = np.argsort(-score, kind="stable")
                updated[topic] = [(candidates[i][0], float(score[i])) for i in order]
            return updated

    return TargetRanked()


def bertopic_keywords(texts, labels, embeddings, targets, cfg, allowed: set | None = None) -> dict:
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
        embedding_model=memoised_embedder(cfg["embedding_model"]),
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=BaseCluster(),
        vectorizer_model=CountVectorizer(analyzer=phrase_analyzer),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        representation_model=target_ranker(targets, labels, cfg["embedding_model"], allowed=allowed),
        top_n_words=80,
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
