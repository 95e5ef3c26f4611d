"""The tagger reads each passage once per process: a rebuild after one new story tags only its passages,
and what discovery gets from the readings (nouns, word classes) is what one pass of the tagger says."""
from collections import Counter

import pytest

TEXTS = ["The hostel gave me two weeks notice and the council never rang back.",
         "My officer helped me fill in the housing forms at the office.",
         "I lost my job when the bus stopped running early in the morning."]


@pytest.mark.slow
def test_a_rebuild_tags_only_the_new_passages_and_forgets_the_rest(monkeypatch):
    from engines.themes import tagging
    from engines.themes.features import _spacy_tagger

    nlp = _spacy_tagger()
    assert nlp is not None
    tagging.forget_all_but([])
    tagged: list[str] = []
    real_pipe = nlp.pipe

    def counting_pipe(texts, **kwargs):
        texts = list(texts)
        tagged.extend(texts)
        return real_pipe(texts, **kwargs)

    monkeypatch.setattr(nlp, "pipe", counting_pipe)
    tagging.readings(TEXTS[:2])
    new = "The drug worker at the clinic sorted my script."
    tagging.readings(TEXTS[:2] + [new])
    assert tagged == TEXTS[:2] + [new]
    tagging.forget_all_but([new])
    assert set(tagging._READINGS) == {new}


@pytest.mark.slow
def test_nouns_and_word_classes_are_the_taggers_own():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from engines.themes import tagging
    from engines.themes.features import _spacy_tagger, concept_vocabulary
    from engines.themes.labels import word_classes

    tagging.forget_all_but([])
    nouns, classes = Counter(), {}
    for doc in _spacy_tagger().pipe(TEXTS):
        for token in doc:
            lemma = token.lemma_.lower().strip()
            if token.pos_ == "NOUN" and len(lemma) > 2 and lemma.isalpha() and lemma not in ENGLISH_STOP_WORDS:
                nouns[lemma] += 1
            if token.is_alpha:
                classes.setdefault(token.lower_, Counter())[token.pos_] += 1
    assert concept_vocabulary(TEXTS) == [t for t, _ in nouns.most_common(1500)]
    assert word_classes(TEXTS) == {w: c.most_common(1)[0][0] for w, c in classes.items()}
