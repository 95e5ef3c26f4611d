"""Tests for engines.redaction: detection on cased and lowercase speech, merging, tags, audio ranges."""
import pytest

from engines.redaction import (
    Span,
    apply_redactions,
    detect_redactions,
    load_nlp,
    merge_spans,
    time_ranges_for_spans,
)


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def kinds_of(text, nlp, **kwargs):
    return {(s.text, s.kind) for s in detect_redactions(text, nlp=nlp, **kwargs)}


@pytest.mark.slow
def test_load_nlp_is_cached():
    assert load_nlp() is load_nlp()


@pytest.mark.slow
def test_cased_story_names_places_and_numbers(nlp):
    text = ("My probation officer Sarah Jones said I could move to Leeds. "
            "Call me on 07700 900123 or email sarah.jones@example.org.")
    found = kinds_of(text, nlp)
    assert ("Sarah Jones", "name") in found
    assert ("Leeds", "place") in found
    assert ("07700 900123", "phone") in found
    assert ("sarah.jones@example.org", "email") in found
    assert apply_redactions(text, detect_redactions(text, nlp=nlp)) == (
        "My probation officer [name] said I could move to [place]. "
        "Call me on [phone] or email [email]."
    )


@pytest.mark.slow
def test_lowercase_transcript_still_finds_names_and_places(nlp):
    text = "my probation officer angela sinclair said i could go to my nan's in goole. me and dawn went."
    found = {s.text: s.kind for s in detect_redactions(text, nlp=nlp)}
    assert found["angela sinclair"] == "name" and found["dawn"] == "name"
    assert found["goole"] in ("place", "organisation")  # spaCy and the place rule may disagree


# The examples of each kind of identifier; the words the check must find are in [brackets].
STRUCTURED = {
    "phone": ["ring me on [+44 7700 900123] tonight", "the office is [0113 496 0000] ok",
              "call [(0161) 496 0234] please", "it's [oh seven seven double oh nine oh oh one two three]"],
    "email": ["email [jo dot smith at gmail dot com]"],
    "postcode": ["we lived near [ls6 2ab] then"],
    "ni_number": ["my ni is [QQ 12 34 56 C]"],
    "prison_number": ["prison number [a1234bc] on the form"],
    "date_of_birth": ["I was born on [the 3rd of May 1985]", "dob [12/03/1985]", "I was born in [1991] in a hospital"],
    "address": ["they put me in [flat 2, 12 acacia road] for a year"],
    "organisation": ["I did a year in [hmp wandsworth]"],
}


def unmarked(marked: str) -> tuple[str, str]:
    """"a [b] c" -> ("a b c", "b"): the text, and the words in brackets."""
    before, rest = marked.split("[", 1)
    words, after = rest.split("]", 1)
    return before + words + after, words


@pytest.mark.parametrize("kind, marked", [(kind, marked) for kind, examples in STRUCTURED.items() for marked in examples])
@pytest.mark.slow
def test_structured_identifiers(nlp, kind, marked):
    text, expected = unmarked(marked)
    assert (expected, kind) in kinds_of(text, nlp)


@pytest.mark.slow
def test_unaltered_dev_style_story_has_nothing_to_redact(nlp):
    text = ("I walked down the road for 2 hours and the bus costs five pounds return. "
            "I missed an appointment because I thought the letter said Thursday. "
            "My officer now meets me in a small room and helped me register with a doctor, which was good.")
    assert detect_redactions(text, nlp=nlp) == []
    assert detect_redactions(text.lower(), nlp=nlp) == []


@pytest.mark.slow
def test_ambiguous_first_names_need_a_cue(nlp):
    assert detect_redactions("will you help me with the form? i hope so.", nlp=nlp) == []
    assert ("Will", "name") in kinds_of("I spoke to my mate Will yesterday.", nlp)


@pytest.mark.slow
def test_always_redact_is_case_insensitive_and_whole_word(nlp):
    text = "we met at the hyde park estate with jo-anne. Hyde Parkers are fine."
    spans = detect_redactions(
        text, always_redact=["Hyde Park Estate", ("Jo-Anne", "name")], nlp=nlp, merge=False)
    custom = {(s.text, s.kind) for s in spans if s.source == "always_redact"}
    assert custom == {("hyde park estate", "name"), ("jo-anne", "name")}  # not "Hyde Parkers"
    leeds = detect_redactions("the team in leeds", always_redact=["Leeds"], nlp=nlp)
    assert [s.kind for s in leeds] == ["place"]


def test_merge_spans_overlap_adjacency_and_kind():
    spans = [
        Span(0, 5, "name", "Sarah", "lexicon"),
        Span(6, 11, "name", "Jones", "lexicon"),
        Span(20, 34, "place", "Acacia Road", "spacy"),
        Span(17, 34, "address", "12 Acacia Road", "regex"),
        Span(35, 40, "place", "Leeds", "spacy"),
    ]
    merged = merge_spans(spans)
    assert [(s.start_char, s.end_char, s.kind) for s in merged] == [
        (0, 11, "name"), (17, 34, "address"), (35, 40, "place")]
    assert merged[1].source == "regex+spacy"
    # Equal length: the more specific kind wins.
    tie = merge_spans([Span(0, 7, "place", "x", "spacy"), Span(0, 7, "postcode", "x", "regex")])
    assert [s.kind for s in tie] == ["postcode"]


def test_apply_redactions_tags_every_kind():
    text = "a b c d e f g h i j"
    kinds = ["name", "place", "organisation", "date_of_birth", "phone",
             "email", "postcode", "address", "ni_number", "prison_number"]
    spans = [Span(i * 2, i * 2 + 1, kind, text[i * 2], "test") for i, kind in enumerate(kinds)]
    assert apply_redactions(text, spans) == (
        "[name] [place] [organisation] [date] [phone] [email] [postcode] "
        "[address] [ni number] [prison number]")


def test_time_ranges_cover_words_across_segments_with_padding():
    # "call sarah jones now": "sarah" ends segment 1, "jones" starts segment 2.
    words = [
        {"start": 0.0, "end": 0.4, "char_start": 0, "char_end": 4},
        {"start": 0.5, "end": 0.9, "char_start": 5, "char_end": 10},
        {"start": 3.0, "end": 3.5, "char_start": 11, "char_end": 16},
        {"start": 3.6, "end": 4.0, "char_start": 17, "char_end": 20},
    ]
    spans = [Span(5, 16, "name", "sarah jones", "lexicon")]
    assert time_ranges_for_spans(spans, words) == [(0.45, 3.55)]
    assert time_ranges_for_spans([Span(0, 2, "name", "ca", "x")], words, pad=0.1) == [(0.0, 0.5)]
    assert time_ranges_for_spans([], words) == []


def test_empty_text():
    assert detect_redactions("") == []


@pytest.mark.parametrize("text, expected", [
    ("ring 0 7 7 0 0 9 0 0 1 2 3 tonight", "0 7 7 0 0 9 0 0 1 2 3"),  # Whisper, digits said slowly
    ("it is 07700, 900, 123 ok", "07700, 900, 123"),
    ("the office, 0 1 6 3 2  9 6 0  9 8 3", "0 1 6 3 2  9 6 0  9 8 3"),
    ("oh seven seven hundred nine hundred one two three", "oh seven seven hundred nine hundred one two three"),
    ("+44 7 7 0 0 9 0 0 1 2 3", "+44 7 7 0 0 9 0 0 1 2 3"),
    ("call me on 0,770,090,0123 after six", "0,770,090,0123"),  # Whisper groups digits in thousands
    ("My phone number is 077700900123.", "077700900123"),  # misheard with a digit too many
    ("my number is 0770090012 ok", "0770090012"),  # and with one too few
])
def test_grouped_and_spaced_phone_digits_are_found(text, expected):
    from engines.redaction.patterns import find_phones

    assert expected in [span.text for span in find_phones(text)]


@pytest.mark.parametrize("text", [
    "in 2019, 2020 and 2021 i was inside",
    "it cost two hundred pounds and three hundred more",
    "rooms 1, 2, 3, 4, 5 and 6",
    "0, 1, 2 or 3 times a week",
])
def test_ordinary_numbers_are_not_phones(text):
    from engines.redaction.patterns import find_phones

    assert find_phones(text) == []
