"""Words a recogniser probably misheard, found from the corpus itself (no word list).

A small offline recogniser turns a word the project says often into a rarer
near-spelling ("breach" -> "bleach", "peer mentor" -> "pier mentor") or splits
it in two ("forklift" -> "fork lift"). Such a word can still be said in two
stories, so the two-story keyword rule alone lets it through. Here a word is
taken as misheard when the corpus also holds
- a near-spelling of it (edit distance 1, or 2 for words of six letters or
  more; not its own plural) said in at least twice as many stories, with the
  two used beside the same word at least once (the nearest word either side
  that is not a stop word: "paperwork for one bleach takes" / "paperwork for
  one breach takes"): the same sentence, heard two ways; or
- most of its uses beside a neighbour it glues onto to make a word that is
  said in more stories ("fork lift" / "forklift").
Only keywords are filtered: the text people read and what is embedded stay as they were.
"""
from __future__ import annotations

import re
from collections import defaultdict

_CLAUSE = re.compile(r"[.!?,;:()\"]+")
_WORD = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")


def _within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b is at most `limit` (banded, early exit)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def _same_word(a: str, b: str) -> bool:
    """Plural or possessive of each other: not a mishearing."""
    short, long_ = sorted((a, b), key=len)
    return long_ in {short + "s", short + "es", short + "'s"}


def _read(texts: list[str], story_ids: list):
    from engines.themes.labels import stop_words

    stops = stop_words()
    stories, contexts, glued = defaultdict(set), defaultdict(set), defaultdict(list)
    for text, sid in zip(texts, story_ids):
        for clause in _CLAUSE.split((text or "").lower().replace("’", "'")):
            words = _WORD.findall(clause)
            content = [n for n, w in enumerate(words) if w not in stops and len(w) > 2]
            for n, word in enumerate(words):
                stories[word].add(sid)
                left = [words[m] for m in content if m < n]
                right = [words[m] for m in content if m > n]
                contexts[word].update(([("left", left[-1])] if left else []) + ([("right", right[0])] if right else []))
                glued[word].append((words[n - 1] + word if n else "", word + words[n + 1] if n + 1 < len(words) else ""))
    return stories, contexts, glued


def misheard_words(texts: list[str], story_ids: list) -> set[str]:
    """Words of `texts` that are probably a recogniser's mishearing of a word the corpus says more often."""
    stories, contexts, glued = _read(texts, story_ids)
    by_start: dict[str, list[str]] = defaultdict(list)
    for word in stories:
        by_start[word[0]].append(word)
    from engines.themes.labels import stop_words

    stops, out = stop_words(), set()
    for word, said in stories.items():
        if len(word) < 4 or word in stops:
            continue
        limit = 2 if len(word) >= 6 else 1
        for other in by_start[word[0]]:
            if (other != word and len(stories[other]) >= 2 * len(said) and not _same_word(word, other)
                    and contexts[word] & contexts[other] and _within(word, other, limit)):
                out.add(word)
                break
        uses = glued[word]
        split = sum(any(g and len(stories.get(g, ())) > len(said) for g in pair) for pair in uses)
        if split * 2 > len(uses):
            out.add(word)
    return out
