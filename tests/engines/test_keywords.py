"""Theme keywords come from BERTopic's c-TF-IDF without BERTopic (which imports torch and
sentence-transformers: ~8 s of CPU and ~400 MB in every theme worker): the same keywords as
BERTopic's manual mode gives them, on two corpora, with the same target re-ranking."""
import json

import numpy as np
import pytest

from engines.themes.keywords import ctfidf_keywords, multi_story_phrases
from engines.themes.labels import clean_keywords, phrase_analyzer
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # BERTopic (and torch) as the reference

CFG = {"embedding_model": None, "n_keywords": 8}


def _import_bertopic_without_umap() -> None:
    """bertopic.plotting imports umap when it can, and umap's pynndescent compiles ~40 numba functions
    (13 s on a fresh machine); manual mode never runs UMAP, and BERTopic works on without it."""
    import sys

    if "bertopic" in sys.modules or "umap" in sys.modules:
        return
    sys.modules["umap"] = None  # `import umap` raises ImportError while BERTopic loads
    try:
        import bertopic  # noqa: F401
    finally:
        del sys.modules["umap"]


def _bertopic_keywords(texts, labels, embeddings, targets, allowed):
    """The keywords as BERTopic computed them here before: manual mode (our labels, no UMAP or
    HDBSCAN), c-TF-IDF with reduce_frequent_words, 80 candidates re-ranked towards each target."""
    _import_bertopic_without_umap()
    from bertopic import BERTopic
    from bertopic.backend import BaseEmbedder
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.representation._base import BaseRepresentation
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.feature_extraction.text import CountVectorizer

    from engines.themes.features import embed_terms

    class TargetRanked(BaseRepresentation):
        def extract_topics(self, topic_model, documents, c_tf_idf, topics, embeddings=None):
            updated = {}
            for topic, words in topics.items():
                ids = documents.loc[documents.Topic == topic, "ID"].to_numpy()
                ours = np.unique(labels[ids], return_counts=True)
                target = targets.get(int(ours[0][np.argmax(ours[1])]))
                said = [(w, v) for w, v in words if w and v > 0 and w in allowed]
                candidates = [(w, float(v)) for w, v in said[:30]]
                if target is None or not candidates:
                    updated[topic] = candidates or [("", 0.0)]
                    continue
                weight = np.array([v for _, v in candidates])
                score = (embed_terms([w for w, _ in candidates]) @ target) * np.sqrt(weight / weight.max())
                updated[topic] = [(candidates[i][0], float(score[i])) for i in np.argsort(-score, kind="stable")]
            return updated

    present = sorted(set(labels.tolist()) - {-1})
    remap = {old: new for new, old in enumerate(present)}
    model = BERTopic(embedding_model=BaseEmbedder(), umap_model=BaseDimensionalityReduction(),
                     hdbscan_model=BaseCluster(), vectorizer_model=CountVectorizer(analyzer=phrase_analyzer),
                     ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True), representation_model=TargetRanked(),
                     top_n_words=80, calculate_probabilities=False)
    model.fit(texts, embeddings=embeddings, y=np.array([remap.get(int(l), -1) for l in labels]))
    fitted = np.asarray(model.topics_)
    out = {}
    for old in present:
        topic_ids, counts = np.unique(fitted[labels == old], return_counts=True)
        out[old] = clean_keywords([w for w, _ in model.get_topic(int(topic_ids[counts.argmax()]))], limit=8)
    return out


@pytest.mark.parametrize("corpus", ["demo/dev_stories.json", "bench/data/city_voices.json"])
def test_keywords_are_bertopics(corpus):
    from sklearn.cluster import AgglomerativeClustering

    from engines.embeddings import embed_texts
    from engines.themes import split_passages

    stories = json.loads((ROOT / corpus).read_text())["stories"]
    passages = [(s["id"], p.text) for s in stories
                for p in split_passages([{"start": None, "end": None, "text": s["text"]}])]
    texts, story_ids = [t for _, t in passages], [sid for sid, _ in passages]
    embeddings = embed_texts(texts)
    labels = AgglomerativeClustering(n_clusters=7, metric="cosine", linkage="average").fit_predict(embeddings)
    labels[labels == 6] = -1  # one cluster as the outliers: they are a class of c-TF-IDF too
    mean = embeddings.mean(axis=0)
    targets = {k: v / np.linalg.norm(v) for k in set(labels.tolist()) - {-1}
               for v in [embeddings[labels == k].mean(axis=0) - mean]}
    targets.pop(0)  # a theme without a target keeps c-TF-IDF's own order
    allowed = multi_story_phrases(texts, story_ids)

    ours = ctfidf_keywords(texts, labels, targets, CFG, allowed)
    assert ours == _bertopic_keywords(texts, labels, embeddings, targets, allowed)
    assert sum(len(words) for words in ours.values()) >= 20  # keywords were found, not two empty answers


# In a fresh process, as a theme worker runs it: embeddings, themes, keywords and labels.
DISCOVER = """
import json, sys
from engines.embeddings import embed_texts
from engines.themes import discover_themes, split_passages
stories = json.load(open("demo/dev_stories.json"))["stories"]
passages = [{"id": f"{s['id']}-{p.index}", "story_id": s["id"], "text": p.text, "role": s["role"]}
            for s in stories for p in split_passages([{"start": None, "end": None, "text": s["text"]}])]
result = discover_themes(passages, embed_texts([p["text"] for p in passages]))
assert [t for t in result.themes if t.keywords], result.themes
print("HEAVY", sorted(m for m in ("torch", "transformers", "sentence_transformers", "bertopic") if m in sys.modules))
"""


def test_finding_themes_imports_no_torch_transformers_or_bertopic():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", DISCOVER], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr[-2000:]
