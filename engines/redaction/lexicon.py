"""Word-list detectors for names, places and organisations, for transcripts without capitals.

spaCy's small English model leans on capital letters: "sarah jones" or "leeds" in a
lowercase Whisper transcript is easily missed. So we also match bundled lists of
common UK first names, surnames and places, capitalise what we find (`truecase`)
before spaCy runs, and match the site's own always-redact terms.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .spans import Span

_DATA = Path(__file__).parent / "data"

# First names that are also everyday words: only taken when capitalised mid-sentence,
# followed by a surname, or introduced by a cue ("my officer", "called").
AMBIGUOUS_FIRST_NAMES = frozenset(
    """will mark grace hope rose faith may june april bill pat sue jack frank dean joy summer
    amber ruby jade holly bob rob ray rich don guy iris ivy daisy poppy violet heather hazel dawn
    carol crystal autumn sky river angel chase hunter mason miles max star pearl penny sandy ted
    drew jay kay mo jo nick norman grant lee leigh robin chris lily kim jan gail glen terry
    harvey morgan brooke shannon stanley tyler logan russell sam jean""".split()
)
# Surnames that are also everyday words: only taken right after a first name or title.
AMBIGUOUS_SURNAMES = frozenset(
    """brown white green grey gray hall wood woods young king hill baker cook walker turner parker
    wright ward moore lee martin price bell mason hunt fox ford day brooks west cole ball rose
    booth perry grant wells hart newman page marsh dunn berry stone reed read bird gardner dean
    lane bishop burns shepherd cross long freeman sharp hardy potter may miles barber mann frost
    banks french field norman jordan tucker heath bond stokes holt kemp poole nash todd lucas
    hayes cox rice savage payne bruce tyler carter miller fisher butler knight palmer spencer
    porter gill carr lowe oliver ryan george ross kelly james thomas lawrence francis gordon
    morris allen scott mills cooper marshall hunter chambers slater potts winter farmer collier
    manning austin stanley blake sutton arnold wallace douglas alexander field preston storey""".split()
)
# Places that are also everyday words: matched only when capitalised.
CASE_SENSITIVE_PLACES = frozenset({"bury", "reading", "bath", "sale", "wells", "march", "deal"})
# Words that introduce a name: "my officer sarah", "called kev", "mr potts".
_NAME_CUES = frozenset(
    """officer worker mentor manager mate friend pal brother sister cousin son daughter partner
    boyfriend girlfriend husband wife nan nanna gran grandad mum dad uncle auntie aunt named
    called nurse doctor counsellor supervisor landlord foreman boss keyworker""".split()
)
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mister", "dr"})
# Words never taken as a name even after a cue ("my officer said", "my son was").
_NOT_NAME = frozenset(
    """i me my you your he him his she her they them their we us our it its the a an and or but
    so to of in on at by for with from as is was were are be been being do did does done have has
    had not no never now then there here this that these those who what when where why how all
    any some every each just also still only very really always often too well said says told
    asked rang came went got gets get would could should will can may might must shall again
    about after before into over under up down out off back away yet even though because if than
    today yesterday tomorrow tonight once twice first last next new old good bad big little""".split()
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


@lru_cache(maxsize=1)
def _word_list(name: str) -> frozenset[str]:
    words: set[str] = set()
    for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        words.update(line.split())
    return frozenset(words)


@lru_cache(maxsize=1)
def _place_phrases() -> tuple[str, ...]:
    lines = (_DATA / "places.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def first_names() -> frozenset[str]:
    """Bundled common UK first names, lowercase (the ambiguous ones included)."""
    return _word_list("first_names.txt") | AMBIGUOUS_FIRST_NAMES


def surnames() -> frozenset[str]:
    """Bundled common UK surnames, lowercase."""
    return _word_list("surnames.txt")


def _is_sentence_start(text: str, index: int) -> bool:
    before = text[:index].rstrip()
    return not before or before[-1] in ".!?\n\"'"


def find_lexicon_names(text: str, word_tests: "WordTests | None" = None) -> list[Span]:
    """Names from the bundled lists: "sarah jones", "Kev", "mr potts", "called Dazza".

    With `word_tests` (meant for lowercase text, where capitals cannot tell), a
    word in no dictionary after a cue ("my mate dazza") is a name, and a noun-like
    word after a first name ("sarah sinclair") is taken as its surname.
    """
    unknown_word = word_tests.unknown if word_tests else (lambda word: False)
    could_be_surname = word_tests.could_be_surname if word_tests else (lambda word: False)
    tokens = list(_WORD.finditer(text))
    firsts, lasts = first_names(), surnames()
    spans: list[Span] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        word = token.group().lower()
        if word.endswith("'s"):
            word = word[:-2]
        previous = tokens[index - 1].group().lower() if index else ""
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        next_word = following.group().lower() if following else ""
        capitalised = token.group()[0].isupper() and not _is_sentence_start(text, token.start())
        after_space = index > 0 and _only_space_between(text, tokens[index - 1], token)
        me_and = previous == "and" and index > 1 and tokens[index - 2].group().lower() == "me"
        cued = after_space and (previous in _NAME_CUES or previous in _TITLES or me_and)
        titled = after_space and previous in _TITLES
        is_name = False
        if word in firsts:
            is_name = (
                word not in AMBIGUOUS_FIRST_NAMES
                or capitalised
                or (cued and word not in _NOT_NAME)
                or (next_word in lasts and next_word not in AMBIGUOUS_SURNAMES)
            )
        elif word in lasts:
            is_name = (word not in AMBIGUOUS_SURNAMES and word not in _NOT_NAME) or titled
        elif titled or (cued and previous in ("called", "named") and capitalised):
            is_name = word not in _NOT_NAME
        elif cued and len(word) > 2 and unknown_word(word):
            is_name = True
        if not is_name:
            index += 1
            continue
        start, end = token.start(), token.end()
        if titled:
            start = tokens[index - 1].start()
        # Take a following surname: from the list, capitalised, or (lowercase) noun-like.
        if following and _only_space_between(text, token, following):
            follower = following.group()
            known_surname = follower.lower() in lasts or follower[0].isupper()
            if (known_surname or could_be_surname(follower)) and follower.lower() not in _NOT_NAME:
                end = following.end()
                index += 1
        spans.append(Span(start, end, "name", text[start:end], "lexicon"))
        index += 1
    return spans


def _only_space_between(text: str, left: re.Match, right: re.Match) -> bool:
    return text[left.end() : right.start()] == " "


def find_lexicon_places(text: str) -> list[Span]:
    """UK towns, cities, counties and nations from the bundled list, any case."""
    spans: list[Span] = []
    for phrase in _place_phrases():
        flags = 0 if phrase in CASE_SENSITIVE_PLACES else re.IGNORECASE
        target = phrase.title() if phrase in CASE_SENSITIVE_PLACES else re.escape(phrase)
        for match in re.finditer(rf"(?<![\w'])({target})(?![\w'])", text, flags):
            spans.append(Span(match.start(), match.end(), "place", match.group(), "lexicon"))
    return spans


_PLACE_CUE = re.compile(r"\b(?:in|to|from|near|round|outside|of)\s([a-z][a-z'\-]{3,}(?:\s[a-z][a-z'\-]{3,})?)\b")
_CAPITALISED_AFTER_PREPOSITION = re.compile(
    r"\b(?:in|to|from|near|outside)\s((?:[A-Z][a-z'\-]{2,})(?:\s[A-Z][a-z'\-]{2,})?)\b"
)
_NOT_PLACE = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday christmas easter english maths
    court prison probation hospital god jesus""".split()
)


def find_unknown_places(text: str, unknown_word) -> list[Span]:
    """In lowercase text, non-dictionary words after "in/to/from/near" ("a hostel in goole")."""
    spans = []
    for match in _PLACE_CUE.finditer(text):
        words = match.group(1).split()
        # Keep the second word only if it is unknown too ("merthyr tydfil").
        if words[0] in _NOT_NAME or not unknown_word(words[0]):
            continue
        end = match.end(1) if len(words) > 1 and unknown_word(words[1]) else match.start(1) + len(words[0])
        spans.append(Span(match.start(1), end, "place", text[match.start(1) : end], "lexicon"))
    return spans


def find_capitalised_places(text: str) -> list[Span]:
    """In cased text, a capitalised word after "in/to/from" ("in Scunthorpe"), which
    spaCy's small model sometimes leaves untagged."""
    return [
        Span(m.start(1), m.end(1), "place", m.group(1), "lexicon")
        for m in _CAPITALISED_AFTER_PREPOSITION.finditer(text)
        if not any(word.lower() in _NOT_PLACE for word in m.group(1).split())
    ]


_SUFFIXES = (("'s", ""), ("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""),
             ("ing", "e"), ("ly", ""), ("er", ""), ("est", ""), ("ied", "y"), ("n't", ""))


class WordTests:
    """Dictionary tests built from the word lists inside a spaCy pipeline.

    `unknown(word)`: in no English word list (WordNet lemma index, irregular forms,
    stop words), so likely a name or a place. `could_be_surname(word)`: may follow
    a first name as its surname: not a function word, adverb or inflected verb
    ("sinclair", "bird", "wade", but not "said", "helped", "always").
    Crude suffix stripping covers inflections.
    """

    def __init__(self, nlp):
        self.known: set[str] = set(_NOT_NAME) | set(nlp.Defaults.stop_words)
        self.not_noun: set[str] = set(_NOT_NAME) | set(nlp.Defaults.stop_words)
        try:
            lookups = nlp.get_pipe("lemmatizer").lookups
            noun = nlp.vocab.strings.add("noun")
            for table_name in ("lemma_index", "lemma_exc"):
                table = lookups.get_table(table_name)
                for pos, words in table.items():
                    self.known.update(words)
                    if pos != noun:
                        self.not_noun.update(words)
        except (KeyError, ValueError):
            pass
        self.known -= first_names()
        self.not_noun -= first_names() | surnames()
        # Words that cannot follow a first name as its surname: inflected or
        # irregular verb forms ("sarah rang", "kev helped") and adverbs.
        self.not_after_name: set[str] = set(_NOT_NAME) | set(nlp.Defaults.stop_words)
        self._verbs: set[str] = set()
        try:
            lookups = nlp.get_pipe("lemmatizer").lookups
            verb, adverb = nlp.vocab.strings.add("verb"), nlp.vocab.strings.add("adv")
            index, exceptions = lookups.get_table("lemma_index"), lookups.get_table("lemma_exc")
            self._verbs = set(index.get(verb, ()))
            self.not_after_name.update(exceptions.get(verb, {}))
            self.not_after_name.update(index.get(adverb, ()))
            self.not_after_name.update(exceptions.get(adverb, {}))
        except (KeyError, ValueError):
            pass

    @staticmethod
    def _in(word: str, words: set[str]) -> bool:
        if word in words:
            return True
        return any(
            word.endswith(suffix) and word[: -len(suffix)] + replacement in words
            for suffix, replacement in _SUFFIXES
        )

    def unknown(self, word: str) -> bool:
        word = word.lower()
        if not word.replace("'", "").isalpha():
            return False
        return not self._in(word, self.known)

    def could_be_surname(self, word: str) -> bool:
        word = word.lower()
        if not word.replace("'", "").isalpha() or len(word) < 2 or word in self.not_after_name:
            return False
        if word in surnames() or word not in self.known:
            return True
        for suffix, replacement in (("s", ""), ("es", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("ies", "y"), ("ied", "y")):
            if word.endswith(suffix) and word[: -len(suffix)] + replacement in self._verbs:
                return False
        return True


# Prisons and public bodies said in lowercase: "hmp leeds", "leeds city council".
_PRISON = re.compile(
    r"\b(?:hmp|hmyoi|hmp\s?yoi|hm\sprison)\s[a-z]+(?:\s(?!and\b|in\b|for\b|was\b|is\b|to\b)[a-z]+)?",
    re.IGNORECASE,
)
_CAPITALISED_BODY = re.compile(
    r"\b(?:[A-Z][a-z]+\s){1,3}(?:Council|Prison|Hospital|College|Academy|University|Police|"
    r"Housing|Trust|Foundation|Centre|Center|Church|Mosque|Magistrates|Crown\sCourt)\b"
)
_ORG_SUFFIX_LOWER = re.compile(
    r"\s(?:city\s|borough\s|county\s)?(?:council|prison|hospital|college|police|crown\scourt|"
    r"magistrates(?:'|\scourt)?)\b",
    re.IGNORECASE,
)


def find_organisations(text: str, place_spans: list[Span]) -> list[Span]:
    """Prisons ("HMP Leeds") and bodies named after a place ("leeds city council")."""
    spans = []
    for match in list(_PRISON.finditer(text)) + list(_CAPITALISED_BODY.finditer(text)):
        spans.append(Span(match.start(), match.end(), "organisation", match.group(), "regex"))
    for place in place_spans:
        suffix = _ORG_SUFFIX_LOWER.match(text, place.end_char)
        if suffix:
            spans.append(
                Span(place.start_char, suffix.end(), "organisation", text[place.start_char : suffix.end()], "lexicon")
            )
    return spans


def find_always_redact(text: str, always_redact) -> list[Span]:
    """Site-wide terms, whole words, any case. Items are "term" or ("term", kind).

    A bare term is a place if it is in the bundled place list, otherwise a name.
    """
    spans: list[Span] = []
    places = set(_place_phrases())
    for item in always_redact or ():
        term, kind = (item, None) if isinstance(item, str) else (item[0], item[1])
        term = " ".join(term.split())
        if not term:
            continue
        kind = kind or ("place" if term.lower() in places else "name")
        pattern = r"\s+".join(re.escape(part) for part in term.split(" "))
        for match in re.finditer(rf"(?<![\w])({pattern})(?![\w])", text, re.IGNORECASE):
            spans.append(Span(match.start(), match.end(), kind, match.group(), "always_redact"))
    return spans


def looks_lowercase(text: str) -> bool:
    """True if the text has almost no capitals beyond "I", as some transcripts do."""
    words = [w for w in _WORD.findall(text) if w != "I"]
    if len(words) < 4:
        return not any(w[0].isupper() for w in words)
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised / len(words) < 0.04


def truecase(text: str, spans: list[Span]) -> str:
    """Capitalise sentence starts, "i" and each word inside `spans`, keeping every offset."""
    chars = list(text)

    def capitalise(index: int) -> None:
        upper = chars[index].upper()
        if len(upper) == 1:
            chars[index] = upper

    for match in _WORD.finditer(text):
        if match.group() == "i" or _is_sentence_start(text, match.start()):
            capitalise(match.start())
    for span in spans:
        for match in _WORD.finditer(text, span.start_char, span.end_char):
            capitalise(match.start())
    return "".join(chars)
