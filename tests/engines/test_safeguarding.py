"""Tests for engines.safeguarding: real embeddings, written disclosures, the dev corpus."""
import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from engines.safeguarding import CATEGORIES, DEFAULT_THRESHOLD, RiskFlag, flag_risks  # noqa: E402

DEV_CORPUS = Path(__file__).resolve().parents[2] / "demo" / "dev_stories.json"

# Disclosures the patterns were written against.
DISCLOSURES = [
    ("self_harm", "Some nights I just sit there thinking everyone would be better off without me."),
    ("self_harm", "Last month I took a load of pills and woke up in hospital."),
    ("self_harm", "I used to self-harm when I was in care."),
    ("child_harm", "When he's had a drink he takes it out on the little one."),
    ("child_harm", "My lad is fifteen and he has started punching me when he doesn't get his way."),
    ("domestic_abuse", "My fella checks my phone and I'm not allowed to see my sister."),
    ("domestic_abuse", "He pinned me against the wall by my throat last week."),
    ("new_offence", "To be honest I've been doing a bit of dealing on the side to get by."),
    ("new_offence", "Last weekend I nicked a bottle of vodka from the shop."),
    ("threat", "If I see him again I swear I'll do him in."),
    ("threat", "Some lads told me they'd cut my face if I didn't pay up."),
]
# Written after the patterns were fixed, never tuned against: a fair sample.
HELD_OUT = [
    ("self_harm", "There were times I wanted to end it all."),
    ("self_harm", "I have been cutting my arms again since the funeral."),
    ("child_harm", "My ex used to hit our daughter when she cried."),
    ("domestic_abuse", "My husband beats me when he's drunk."),
    ("new_offence", "I've been shoplifting again because the benefits haven't come through."),
    ("threat", "I'm going to kill him if he goes near my sister."),
]
NOT_RISKS = [
    "I would never hurt my kids, they are my world.",
    "My offence was a burglary six years ago and I served my time.",
    "I used to steal to feed my habit but that is behind me.",
    "I was terrified of going back to prison.",
    "The bus to the office costs five pounds and I get paid fortnightly.",
]


@pytest.fixture(scope="module")
def dev_stories():
    return json.loads(DEV_CORPUS.read_text())["stories"]


def categories_for(flags, index):
    return {f.category for f in flags if f.passage_index == index}


def test_categories_have_plain_descriptions():
    assert set(CATEGORIES) == {"self_harm", "child_harm", "domestic_abuse", "new_offence", "threat", "immediate_danger"}
    assert all(len(text) > 20 for text in CATEGORIES.values())


@pytest.mark.slow
def test_written_disclosures_flag_their_category():
    flags = flag_risks([text for _, text in DISCLOSURES])
    for index, (category, text) in enumerate(DISCLOSURES):
        assert category in categories_for(flags, index), text
    assert all(isinstance(f, RiskFlag) and f.evidence for f in flags)


@pytest.mark.slow
def test_held_out_disclosures_mostly_flag():
    flags = flag_risks([text for _, text in HELD_OUT])
    hits = sum(category in categories_for(flags, i) for i, (category, _) in enumerate(HELD_OUT))
    assert hits >= len(HELD_OUT) - 1


@pytest.mark.slow
def test_negated_and_past_offence_sentences_do_not_flag():
    assert flag_risks(NOT_RISKS) == []


@pytest.mark.slow
def test_past_self_harm_still_flags_for_the_lead():
    [flag] = flag_risks(["I used to self-harm when I was younger."])
    assert flag.category == "self_harm" and flag.score == 1.0 and "self-harm" in flag.evidence


@pytest.mark.slow
def test_dev_corpus_mostly_does_not_flag(dev_stories):
    flags = flag_risks([s["text"] for s in dev_stories])
    assert len({f.passage_index for f in flags}) <= 3


@pytest.mark.slow
def test_similarity_alone_can_flag_and_threshold_matters():
    # No pattern matches this; only the embedding does (the similarity stage alone: no classifier).
    text = "My partner gets so angry that I'm frightened to be in the house with him."
    assert flag_risks([text], threshold=0.99, classifier=False) == []
    flags = flag_risks([text], threshold=0.3, classifier=False)
    assert any(f.category == "domestic_abuse" and f.evidence.startswith("similar to:") for f in flags)
    assert 0.3 < DEFAULT_THRESHOLD < 0.99


@pytest.mark.slow
def test_empty_input():
    assert flag_risks([]) == []
    assert flag_risks([""]) == []


@pytest.mark.slow
def test_ordinary_talk_with_risky_words_does_not_flag():
    # The three false flags: a drug history, a recall worry, and "nine" misheard as "dying".
    ordinary = ["Heroin took ten years of my life and I'm not giving it any more.",
                "They could send me back for one missed appointment.",
                "My son is nine and he loves football."]
    assert flag_risks(ordinary) == []


@pytest.mark.slow
def test_garbled_disclosures_still_flag_and_urgent_ones_are_urgent():
    from engines.safeguarding import severity_of

    garbled = ["erm I want to kill my self", "I took an over dose last week", "I've taken the pils already an hour ago"]
    flags = flag_risks(garbled)
    assert {f.passage_index for f in flags} == {0, 1, 2}
    assert any(f.passage_index == 2 and f.category == "immediate_danger" for f in flags)
    assert severity_of("immediate_danger") == severity_of("child_harm") == "urgent"
    assert severity_of("new_offence") == "medium"
