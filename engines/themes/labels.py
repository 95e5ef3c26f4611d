"""Readable theme labels and keywords.

Discovered themes get their keywords from BERTopic (c-TF-IDF candidates
re-ranked towards each theme's target, see discovery.py). `label_for` does the same
job for a hand-made or merged theme without a fitted model: candidate words
and two-word phrases from the theme's passages, ranked by how close their
embedding is to the passages' mean embedding (the KeyBERT idea), weighted by
how often they occur.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

# Words every story in this service uses; as a label they say nothing about the theme.
DOMAIN_STOP_WORDS = frozenset(
    "probation officer officers people person someone thing things lot time way day days "
    "week weeks year years really just like got get know think said told".split()
)


_STOPS: set[str] = set()


def stop_words() -> set[str]:
    """English stop words plus the domain's ubiquitous words."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    if not _STOPS:
        _STOPS.update(ENGLISH_STOP_WORDS, DOMAIN_STOP_WORDS)
    return _STOPS


def is_informative(phrase: str, stops: set[str] | None = None) -> bool:
    """A phrase is informative if it has at least one word that is not a stop word."""
    stops = stop_words() if stops is None else stops
    words = [w for w in phrase.lower().split() if w.isalpha()]
    return any(w not in stops and len(w) > 2 for w in words)


def clean_keywords(keywords: list[str], limit: int = 8) -> list[str]:
    """Drop stop-word-only phrases and phrases whose words are all in an earlier keyword."""
    stops = stop_words()
    kept: list[str] = []
    for keyword in keywords:
        keyword = " ".join(keyword.split()).lower()
        if not keyword or not is_informative(keyword, stops):
            continue
        # Strip leading/trailing stop words ("the debt" -> "debt").
        words = keyword.split()
        while words and words[0] in stops:
            words.pop(0)
        while words and words[-1] in stops:
            words.pop()
        keyword = " ".join(words)
        content = {_stem(w) for w in words if w not in stops}
        if not content or any(content <= {_stem(w) for w in prev.split()} for prev in kept):
            continue
        # A longer phrase replaces a single word it contains ("debt" -> "debt adviser").
        kept = [prev for prev in kept if not (len(prev.split()) == 1 and _stem(prev) in content)]
        kept.append(keyword)
        if len(kept) >= limit:
            break
    return kept


def word_classes(texts: list[str]) -> dict[str, str]:
    """Each lower-cased word's most frequent part of speech in `texts` (spaCy tagger; {} without it)."""
    from collections import Counter

    from engines.themes.tagging import readings

    read = readings(texts)
    if read is None:
        return {}
    # One Counter of (word, part of speech), not one per word; a tie goes to the part seen first.
    best: dict[str, tuple] = {}
    for (word, pos), n in Counter((word, pos) for _nouns, words in read for word, pos in words).items():
        if word not in best or n > best[word][1]:
            best[word] = (pos, n)
    return {word: pos for word, (pos, _) in best.items()}


def is_noun_phrase(phrase: str, classes: dict[str, str]) -> bool:
    """A card-style noun phrase: ends in a noun, other words nouns or adjectives ("drug worker", "temporary staff")."""
    words = phrase.split()
    if not words or classes.get(words[-1]) not in {"NOUN", "PROPN"}:
        return False
    return all(classes.get(w) in {"NOUN", "PROPN", "ADJ"} for w in words[:-1])


def _noun_part(phrase: str, classes: dict[str, str]) -> str:
    """The longest leading noun phrase of a keyword ("trust takes" -> "trust"), or "" if none."""
    words = phrase.split()
    for end in range(len(words), 0, -1):
        if is_noun_phrase(" ".join(words[:end]), classes):
            return " ".join(words[:end])
    return ""


def label_from_keywords(keywords: list[str], classes: dict[str, str] | None = None, max_words: int = 5) -> str:
    """A short noun phrase for a card: "Hostel and council", "Drug worker and recovery".

    With `classes` (word -> part of speech from the theme's own passages) only
    noun phrases qualify, so no "Evenings and different" or "Trust and tell".
    Candidates, best keywords first: two distinct phrases joined by "and", or
    one phrase of two words or more, within `max_words` words. The first that
    spaCy's parser reads as a card (`reads_as_card`) is the label, so a pair it
    reads as verbs ("Heroin and drink") gives way to the next candidate.
    """
    candidates = clean_keywords(keywords, limit=12)
    if classes:
        candidates = [k for k in dict.fromkeys(_noun_part(k, classes) for k in candidates) if k]
    for n, label in enumerate(_label_candidates(candidates, max_words)):
        if n >= 40:
            break
        label = " ".join(ACRONYMS.get(word, word) for word in label.split(" "))
        label = label[0].upper() + label[1:]
        if reads_as_card(label):
            return label
    return "Unnamed theme"


def _label_candidates(phrases: list[str], max_words: int):
    """"first and second" for each pair in rank order (no shared word stems), then the first alone if it is 2+ words."""
    for i, first in enumerate(phrases):
        stems = {_stem(w) for w in first.split()}
        for second in phrases[i + 1:]:
            # "missed appointments and appointment times" reads badly
            if not stems & {_stem(w) for w in second.split()} and len(first.split()) + len(second.split()) < max_words:
                yield f"{first} and {second}"
        if 2 <= len(first.split()) <= max_words:
            yield first


_PARSER: dict = {}


def reads_as_card(label: str) -> bool:
    """spaCy's parser reads `label` as a noun phrase of 2-5 words: a noun at the root and at the end, no verb.

    Ending in a noun is what rules out a dangling "and", "of" or "and different".

    Without the bundled spaCy model only the length is checked.
    """
    if "nlp" not in _PARSER:
        try:  # the redaction check's pipeline (it has the parser): one copy of spaCy's model per process
            from engines.redaction import load_nlp

            _PARSER["nlp"] = load_nlp()
        except Exception:  # noqa: BLE001 - no parser: the word-class filter above still holds
            _PARSER["nlp"] = None
    words = label.split()
    if not 2 <= len(words) <= 5:
        return False
    if _PARSER["nlp"] is None:
        return True
    doc = _PARSER["nlp"](label)
    tokens = [t for t in doc if not t.is_punct]
    if not tokens or tokens[-1].pos_ not in {"NOUN", "PROPN"}:
        return False
    return all(t.pos_ not in {"VERB", "AUX"} for t in doc) and any(t.dep_ == "ROOT" and t.pos_ in {"NOUN", "PROPN"} for t in doc)


# Keyphrases are lower-cased for matching; these read wrong that way on a board.
ACRONYMS = {word: word.upper() for word in (
    "adhd", "ptsd", "nhs", "gp", "gps", "dwp", "cv", "id", "a&e", "aa", "na", "mp", "ocd", "hiv", "esa", "pip", "uc",
)} | {"gps": "GPs"}


_CLAUSE = re.compile(r"[.!?,;:()\"]+")
_WORD = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")


def phrase_analyzer(text: str) -> list[str]:
    """`phrases_of(text)` as a list of the caller's own (CountVectorizer's analyzer)."""
    return list(phrases_of(text))


@lru_cache(maxsize=65536)  # read twice per run (stories per phrase, BERTopic's counts) and again by a rebuild
def phrases_of(text: str) -> tuple[str, ...]:
    """Adjacent 1-2 word phrases with no stop word inside.

    sklearn's stop_words removes stop words *before* building n-grams, which
    glues words that were never next to each other ("tenancy ... settle" ->
    "tenancy settle"); this analyzer only keeps phrases that were really said.
    """
    stops = _STOPS or stop_words()
    phrases: list[str] = []
    # Phrases never span punctuation: "settle. Payday" is not a phrase.
    for clause in _CLAUSE.split(text.lower().replace("’", "'")):
        words = _WORD.findall(clause)
        keep = [w not in stops and len(w) > 2 and "'" not in w for w in words]
        phrases += [w for w, ok in zip(words, keep) if ok]
        phrases += [f"{a} {b}" for a, b, ka, kb in zip(words, words[1:], keep, keep[1:]) if ka and kb]
    return tuple(phrases)


def _stem(word: str) -> str:
    """Crude plural folding so "appointment" and "appointments" count as one idea."""
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def rank_keyphrases(texts: list[str], model: str | None = None, top_n: int = 10, allowed: set | None = None) -> list[str]:
    """KeyBERT-style ranking of the 1-2 word phrases in `texts` (stop words removed)."""
    from sklearn.feature_extraction.text import CountVectorizer

    from engines.embeddings import embed_texts
    from engines.themes.features import embed_terms, normalise_rows

    texts = [t for t in texts if t and t.strip()]
    if not texts:
        return []
    vectorizer = CountVectorizer(analyzer=phrase_analyzer)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # only stop words
        return []
    candidates = list(vectorizer.get_feature_names_out())
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    if allowed is not None:
        frequency = np.where([c in allowed for c in candidates], frequency, 0)
        if not frequency.any():
            return []
    # Bound the embedding work: keep the most frequent candidates.
    order = np.argsort(-frequency, kind="stable")[:min(300, int((frequency > 0).sum()))]
    candidates = [candidates[i] for i in order]
    frequency = frequency[order]
    centroid = normalise_rows(embed_texts(texts, model=model).mean(axis=0, keepdims=True))[0]
    similarity = embed_terms(candidates, model=model) @ centroid
    score = similarity * np.array([1 + math.log(f) for f in frequency])
    return [candidates[i] for i in np.argsort(-score, kind="stable")[:top_n]]


def label_for(texts: list[str], model: str | None = None, story_ids: list | None = None) -> tuple[str, list[str]]:
    """(label, keywords) for a theme made of these passage texts, e.g. after a split.

    With `story_ids` (one per text) the keyword rule of discovery holds here too:
    only phrases said in two of the stories, no likely mishearing.
    """
    from engines.themes.keywords import multi_story_phrases

    allowed = multi_story_phrases(texts, story_ids) if story_ids is not None else None
    keywords = clean_keywords(rank_keyphrases(texts, model=model, top_n=15, allowed=allowed), limit=8)
    return label_from_keywords(keywords, word_classes(texts)), keywords
