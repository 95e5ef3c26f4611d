"""Retyped words are never given made-up times: unchanged words keep theirs, changed words wait for
forced alignment (stories.alignment). The matcher is near-linear (bench/retime.py has the figures)."""
from __future__ import annotations

from engines.align import AlignedWord
from stories.alignment import place_aligned
from stories.transcript import matched_pairs, retime_words


def _words(text: str, step: float = 0.5):
    return [{"text": t, "start": i * step, "end": i * step + 0.4, "probability": 0.9} for i, t in enumerate(text.split())]


def test_changed_words_get_no_spread_out_times_and_unchanged_words_keep_theirs():
    old = _words("my number is oh seven seven double oh nine hundred and call me")
    new = retime_words(old, "my number is [phone] and call me", 0.0, 7.0)
    assert [w["text"] for w in new] == ["my", "number", "is", "[phone]", "and", "call", "me"]
    assert [(w["start"], w["end"]) for w in new[:3]] == [(0.0, 0.4), (0.5, 0.9), (1.0, 1.4)]
    assert [(w["start"], w["end"]) for w in new[4:]] == [(5.0, 5.4), (5.5, 5.9), (6.0, 6.4)]
    assert new[3]["start"] is None and new[3]["end"] is None and new[3]["edited"]


def test_matching_keeps_every_unchanged_word_across_many_edits():
    old = [f"w{i}" for i in range(5000)]
    new = list(old)
    for i in range(10, 5000, 500):
        new[i] = "changed"
    del new[2000:2003]
    pairs = matched_pairs(old, new)
    assert len(pairs) == 5000 - 10 - 3
    assert all(old[i] == new[j] for i, j in pairs)
    assert all(a < b and c < d for (a, c), (b, d) in zip(pairs, pairs[1:]))


def test_aligned_words_are_placed_on_the_tokens_they_cover():
    tokens = ["My", "name", "is", "a", "person."]
    aligned = [AlignedWord("My", 0.0, 0.3, 0.9), AlignedWord("name", 0.3, 0.5, 0.9), AlignedWord("is", 0.5, 0.8, 0.9),
               AlignedWord("a", 0.8, 0.9, 0.2), AlignedWord("person", 0.9, 1.4, 0.3), AlignedWord(".", 1.4, 1.5, 0.9)]
    placed = place_aligned(tokens, aligned)
    assert placed[3] == (0.8, 0.9, 0.2) and placed[4] == (0.9, 1.5, 0.3)
