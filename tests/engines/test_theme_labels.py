"""Theme labels a facilitator would write on a card, and keywords only from words really said (real spaCy)."""
import pytest

from engines.themes.keywords import multi_story_phrases
from engines.themes.labels import label_for, label_from_keywords, reads_as_card
from engines.themes.misheard import misheard_words

NOUNS = {w: "NOUN" for w in ("heroin", "drink", "methadone", "script", "family", "kids", "hostel", "council", "court")}


@pytest.mark.slow
def test_spacy_reads_a_card_as_a_noun_phrase_of_two_to_five_words():
    assert reads_as_card("Hostel and council") and reads_as_card("Drug worker and trust")
    # bench/themes.py, session 6: the parser reads both as verbs; a bare word is not a card either.
    assert not reads_as_card("Heroin and drink")
    assert not reads_as_card("Family") and not reads_as_card("Hostel and") and not reads_as_card("Evenings and different")
    assert not reads_as_card("Housing benefit and council tax arrears")  # six words


@pytest.mark.slow
def test_a_label_the_parser_reads_as_verbs_gives_way_to_the_next_candidate():
    label = label_from_keywords(["heroin", "drink", "methadone script"], NOUNS)
    assert label != "Heroin and drink" and reads_as_card(label)
    assert "methadone script" in label.lower()


@pytest.mark.slow
def test_a_single_bare_word_is_never_a_label():
    assert label_from_keywords(["family", "kids"], NOUNS) == "Family and kids"
    assert label_from_keywords(["family"], NOUNS) != "Family"
    assert label_from_keywords(["family", "families"], NOUNS) != "Family"


def test_a_word_misheard_beside_a_commoner_near_spelling_is_found():
    said = ["The paperwork for one breach takes longer than a whole session.",
            "Treat it as information, not as a reason to breach.",
            "A peer mentor met me at the gate.", "I want to be a peer mentor one day.",
            "The peer mentor came to court.", "Breach paperwork again.", "Another breach letter came.", "The forklift course was good.",
            "I did my forklift licence.", "A forklift job came up.", "The hostel was full."]
    heard = ["The paperwork for one bleach takes longer than a whole session.",
             "Treat it as information, not as a reason to bleach.", "A pier mentor met me.",
             "I did my fork lift licence.", "The fork lift course was good."]
    texts = said + heard
    ids = [f"s{n}" for n in range(len(texts))]
    misheard = misheard_words(texts, ids)
    assert {"bleach", "pier", "fork", "lift"} <= misheard
    assert not misheard & {"breach", "peer", "mentor", "forklift", "hostel", "paperwork", "court"}
    allowed = multi_story_phrases(texts, ids)
    assert "breach" in allowed and "peer mentor" in allowed
    assert not {"bleach", "pier", "pier mentor", "fork lift", "lift"} & allowed


def test_a_keyword_phrase_needs_each_of_its_words_said_in_two_stories():
    texts = ["debt advice helped", "debt advice again", "debt again", "a food bank"]
    allowed = multi_story_phrases(texts, ["a", "b", "c", "d"])
    assert "debt advice" in allowed and "debt" in allowed and "food bank" not in allowed and "bank" not in allowed


@pytest.mark.slow
def test_a_hand_made_theme_takes_keywords_said_in_two_of_its_stories_only():
    texts = ["the hostel was full and the council said no", "the hostel again, the council again",
             "my mum's caravan in the hostel car park"]
    label, keywords = label_for(texts, story_ids=["a", "b", "c"])
    words = {w for k in keywords for w in k.split()}
    assert "hostel" in words and not words & {"caravan", "mum's", "park"}
    assert reads_as_card(label) or label == "Unnamed theme"
