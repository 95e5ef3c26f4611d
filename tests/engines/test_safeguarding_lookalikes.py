"""engines.safeguarding on ordinary talk that borrows a disclosure's words, and on disclosures no pattern names.

Real embeddings and the trained classifier (engines/safeguarding_weights.json).
"""
import os

import pytest

pytestmark = pytest.mark.slow

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from engines.safeguarding import flag_risks  # noqa: E402
from engines.safeguarding_filters import not_a_disclosure  # noqa: E402

# One of each kind the precision filters name: idiom, topic talk, a past that is over, another's death, medication.
LOOKALIKES = [
    "It kills me to think of the years I wasted.",
    "As an officer I ask everyone about self-harm at the first appointment.",
    "Half my caseload have children in care or on child protection plans.",
    "I used to self-harm when I was a teenager, but I found other ways to cope.",
    "I lost three mates to overdoses in the same year.",
    "I take my tablets every morning with my breakfast.",
    "My mate said he'd kill me if I missed his wedding.",
    "I'll get him back at pool next week, he's cheeky.",
    "The baby was crying all night with teething so I'm shattered.",
]


@pytest.mark.parametrize("sentence", LOOKALIKES)
def test_ordinary_talk_with_risk_words_does_not_flag(sentence):
    assert flag_risks([sentence]) == []


@pytest.mark.parametrize("category, sentence", [
    ("self_harm", "I used to self-harm when I was in care."),  # a past disclosure, not said to be over: the lead decides
    ("self_harm", "I used to self-harm but I've started again since the funeral."),
    ("domestic_abuse", "The man nearly killed me, he had his hands round my neck."),
])
def test_filters_leave_disclosures_alone(category, sentence):
    assert not not_a_disclosure(category, sentence.lower())
    assert category in {f.category for f in flag_risks([sentence])}


def test_a_disclosure_no_pattern_names_is_flagged_by_the_classifier():
    flags = flag_risks(["Lately I've been scratching my arms with my nails until they bleed."])
    assert [f.category for f in flags] == ["self_harm"]
    assert flags[0].evidence.startswith("similar to: ")


def test_asr_repair_leaves_inflections_of_risk_words_alone():
    from engines.safeguarding import normalise_asr

    assert normalise_asr("Someone at the hostel overdosed last year") == "someone at the hostel overdosed last year"
    assert normalise_asr("the pils and the nife") == "the pills and the knife"
    assert flag_risks(["Someone at the hostel overdosed last year and the staff saved him."]) == []
