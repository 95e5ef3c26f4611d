"""The spaCy tagger's reading of each passage, once per process: nouns for the concept vocabulary and
words' parts of speech for labels, from one pass (they were two, each over every passage of the corpus).

A rebuild after one new story tags only that story's passages: the readings are kept in memory for the
passages of the last run (`forget_all_but` drops the others when a run starts, so the words of a story
withdrawn or erased since leave the worker's memory at the next run; nothing is written anywhere).
"""
from __future__ import annotations

_READINGS: dict[str, tuple[tuple, tuple]] = {}


def readings(texts: list[str]) -> list[tuple[tuple, tuple]] | None:
    """Per text: (noun lemmas in order, (lower-cased word, part of speech) of its alphabetic tokens in order);
    None without the tagger."""
    from engines.themes.features import _spacy_tagger

    nlp = _spacy_tagger()
    if nlp is None:
        return None
    missing = [t for t in dict.fromkeys(texts) if t not in _READINGS]
    for text, doc in zip(missing, nlp.pipe(missing, batch_size=64)):
        nouns = tuple(token.lemma_.lower().strip() for token in doc if token.pos_ == "NOUN")
        words = tuple((token.lower_, token.pos_) for token in doc if token.is_alpha)
        _READINGS[text] = (nouns, words)
    return [_READINGS[t] for t in texts]


def forget_all_but(texts: list[str]) -> None:
    """Keep only the readings of `texts` (the run starting now)."""
    keep = set(texts)
    for text in [t for t in _READINGS if t not in keep]:
        del _READINGS[text]
