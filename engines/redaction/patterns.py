"""Regex detectors for structured identifiers: phones, emails, postcodes, NI and prison
numbers, dates of birth and street addresses. Each returns a list of Span.

Transcripts may be lowercase and spell digits out ("oh seven seven..."), so every
pattern is case-insensitive and phones and emails have a spoken form too.
"""
from __future__ import annotations

import re

from .spans import Span

_SOURCE = "regex"


def _ignoring_case(*parts: str) -> re.Pattern:
    """One pattern from its parts (written one per line), matched whatever the case."""
    return re.compile("".join(parts), re.IGNORECASE)


def _spans(pattern: re.Pattern, text: str, kind: str, group: int = 0) -> list[Span]:
    return [
        Span(m.start(group), m.end(group), kind, m.group(group), _SOURCE)
        for m in pattern.finditer(text)
        if m.group(group)
    ]


# --- phone numbers -----------------------------------------------------------
# +44 or 0, then 9-10 more digits with up to two spaces, commas, dashes or brackets
# between them (Whisper writes slowly said digits one by one: "0 7 7 0 0 ..."), or 11:
# Whisper sometimes hears a digit too many in a number read out, and it is still a phone.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\s?44[\s\-]?(?:\(0\)[\s\-]?)?\(?|\(?0[\s,\-]?)\d(?:[\s,\-\)]{0,2}\d){8,10}(?!\d)"
)
_DIGIT_WORDS = {
    "zero": 1, "oh": 1, "o": 1, "nought": 1, "one": 1, "two": 1, "three": 1, "four": 1,
    "five": 1, "six": 1, "seven": 1, "eight": 1, "nine": 1,
    "hundred": 2,  # "nine hundred" in a number read out: 9, 0, 0
}
_SPOKEN_TOKEN = re.compile(r"\+?\d+|[a-z]+", re.IGNORECASE)


def find_phones(text: str) -> list[Span]:
    """UK phone numbers written as digits, plus spoken runs of nine or more digits."""
    spans = _spans(_PHONE, text, "phone")
    spans.extend(_spoken_digit_runs(text))
    return spans


def _spoken_digit_runs(text: str) -> list[Span]:
    """Runs like "oh seven seven double oh nine..." counting at least nine digits."""
    found: list[Span] = []
    run_start = run_end = None
    digits = 0
    pending_multiplier = 0
    has_word = False
    last_end = 0

    def close():
        if run_start is not None and digits >= 9 and has_word:
            found.append(Span(run_start, run_end, "phone", text[run_start:run_end], _SOURCE))

    for match in _SPOKEN_TOKEN.finditer(text):
        token = match.group().lower()
        separator = text[last_end : match.start()]
        contiguous = run_start is not None and re.fullmatch(r"[\s,\-]*", separator) is not None
        if token in ("double", "triple"):
            count = 0
            multiplier = 2 if token == "double" else 3
        elif token in _DIGIT_WORDS:
            count, multiplier = _DIGIT_WORDS[token], 0
        elif token.lstrip("+").isdigit():
            count, multiplier = len(token.lstrip("+")), 0
        else:
            close()
            run_start, digits, pending_multiplier, has_word = None, 0, 0, False
            last_end = match.end()
            continue
        if not contiguous:
            close()
            run_start, digits, pending_multiplier, has_word = match.start(), 0, 0, False
        if multiplier:
            pending_multiplier = multiplier
            has_word = True
        else:
            digits += count * (pending_multiplier or 1) if count == 1 else count
            pending_multiplier = 0
            has_word = has_word or not token.lstrip("+").isdigit()
        run_end = match.end()
        last_end = match.end()
    close()
    return found


# --- email -------------------------------------------------------------------
_EMAIL = re.compile(r"[\w.+\-']+@[\w\-]+(?:\.[\w\-]+)+", re.IGNORECASE)
_SPOKEN_EMAIL = _ignoring_case(
    r"\b[a-z0-9]+(?:\s(?:dot|underscore|dash)\s[a-z0-9]+)*\s(?:at)\s[a-z0-9]+"
    r"(?:\s(?:dot)\s(?:com|co|uk|org|net|gov|nhs|ac|me|io|info|sch))+\b",
)


def find_emails(text: str) -> list[Span]:
    """Email addresses, written or spoken ("jo dot smith at gmail dot com")."""
    return _spans(_EMAIL, text, "email") + _spans(_SPOKEN_EMAIL, text, "email")


# --- postcodes, NI numbers, prison numbers ------------------------------------
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[A-Z]{2}\b", re.IGNORECASE)
# HMRC rules out some prefixes, but examples and test records use them (QQ), so
# any two letters pass except everyday words before a spaced-out number.
_NI_NUMBER = _ignoring_case(
    r"\b(?!(?:in|is|at|on|to|of|or|so|no|up|we|he|me|my|by|do|go|an|as|be|if|it|us|am)\b)"
    r"[A-Z]{2}(?:[\s\-]?\d{2}){3}[\s\-]?[A-D]\b",
)
_PRISON_NUMBER = re.compile(r"\b[A-Z]\d{4}[A-Z]{2}\b", re.IGNORECASE)
# Spoken with gaps ("a 1234 bc") only right after a cue, as gapped forms are
# otherwise easily confused with ordinary words around a year.
_PRISON_NUMBER_SPACED = _ignoring_case(
    r"\b(?:prison|inmate|nomis|offender|my)\s+(?:number|no)\s+(?:is\s+|was\s+)?([A-Z]\s\d{4}\s?[A-Z]\s?[A-Z])\b",
)


def find_postcodes(text: str) -> list[Span]:
    """Full UK postcodes (outward and inward parts), any case, space optional."""
    return _spans(_POSTCODE, text, "postcode")


def find_ni_numbers(text: str) -> list[Span]:
    """National Insurance numbers: AB123456C, AB 12 34 56 C."""
    return _spans(_NI_NUMBER, text, "ni_number")


def find_prison_numbers(text: str) -> list[Span]:
    """Prison numbers in the A1234BC form (gapped only after "prison number")."""
    return _spans(_PRISON_NUMBER, text, "prison_number") + _spans(
        _PRISON_NUMBER_SPACED, text, "prison_number", group=1
    )


# --- dates of birth -----------------------------------------------------------
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORDINAL_WORD = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
    r"thirtieth|(?:twenty|thirty)[\s\-](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth))"
)
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL_WORD})"
_SPOKEN_YEAR = (
    r"(?:nineteen[\s\-]\w+(?:[\s\-](?:one|two|three|four|five|six|seven|eight|nine))?|"
    r"two thousand(?:\s(?:and\s)?\w+)?)"
)
_YEAR = rf"(?:\d{{4}}|'\d{{2}}|{_SPOKEN_YEAR})"
_FULL_DATE = _ignoring_case(
    rf"\b(?:\d{{1,2}}[/\-.]\d{{1,2}}[/\-.](?:\d{{4}}|\d{{2}})"
    rf"|(?:the\s)?{_DAY}(?:\sof)?\s{_MONTH},?\s{_YEAR}"
    rf"|{_MONTH}\s(?:the\s)?{_DAY},?\s{_YEAR})\b",
)
_BIRTH_CUE = re.compile(r"\b(?:born|date of birth|d\.?o\.?b\.?|birthday)\b", re.IGNORECASE)
# After a birth cue even a partial date identifies: "born on the 3rd of May", "born in 1985".
_PARTIAL_DATE = _ignoring_case(
    rf"\b(?:(?:the\s)?{_DAY}(?:\sof)?\s{_MONTH}(?:,?\s{_YEAR})?|{_MONTH}\s(?:the\s)?{_DAY}(?:,?\s{_YEAR})?"
    rf"|\d{{1,2}}[/\-.]\d{{1,2}}(?:[/\-.]\d{{2,4}})?|(?:19|20)\d{{2}}|{_SPOKEN_YEAR})\b",
)


def find_dates_of_birth(text: str) -> list[Span]:
    """Any full date (day, month, year), and partial dates just after "born"/"DOB"."""
    spans = _spans(_FULL_DATE, text, "date_of_birth")
    for cue in _BIRTH_CUE.finditer(text):
        window_end = min(len(text), cue.end() + 40)
        match = _PARTIAL_DATE.search(text, cue.end(), window_end)
        if match:
            spans.append(Span(match.start(), match.end(), "date_of_birth", match.group(), _SOURCE))
    return spans


# --- street addresses ---------------------------------------------------------
_STREET_SUFFIX = (
    r"(?:road|street|avenue|lane|close|drive|way|crescent|court|place|gardens|terrace|grove|"
    r"walk|square|row|rise|mews|view|green|hill|parade|vale|estate|rd|st|ave)"
)
# Words that cannot be part of a street's own name ("down the road", "2 hours walk").
_NOT_STREET_WORD = (
    r"(?:the|a|an|my|our|your|his|her|their|this|that|these|those|down|up|along|across|on|in|at|to|"
    r"of|off|by|near|round|around|past|from|into|onto|over|under|same|whole|one|two|three|four|"
    r"five|six|seven|eight|nine|ten|and|or|but|so|every|each|other|which|what|hours?|minutes?|"
    r"days?|weeks?|months?|years?|times?|miles?|pounds?|quid|is|was|it|i|we|you|he|she|they|"
    r"long|short|right|wrong|way|end|side|back|front|no|not|very|just|only|with|for|memory)"
)
_NAME_WORD = rf"(?!{_NOT_STREET_WORD}\b)[a-z][a-z'\-]*"
_NUMBERED_ADDRESS = _ignoring_case(
    rf"\b(?:(?:flat|apartment|unit)\s\d+[a-z]?,?\s)?\d{{1,4}}[a-z]?,?\s(?:{_NAME_WORD}\s){{1,2}}{_STREET_SUFFIX}\b",
)
# Without a house number, capitalised street names ("Acacia Road") or, in lowercase
# text, a street after "on/in/at/off" ("i lived on acacia road").
_STRONG_SUFFIX = r"(?:Road|Street|Avenue|Lane|Close|Drive|Crescent|Terrace|Grove|Gardens|Mews|Estate)"
_CAPITALISED_STREET = re.compile(
    rf"\b(?:(?!(?i:{_NOT_STREET_WORD})\b)[A-Z][a-z'\-]+\s){{1,2}}{_STRONG_SUFFIX}\b"
)
_LOWER_STREET = _ignoring_case(
    rf"\b(?:on|in|at|off|from|near|of|down|up)\s((?:{_NAME_WORD}\s){{1,2}}{_STRONG_SUFFIX.lower()})\b",
)
_FLAT = re.compile(r"\b(?:flat|apartment)\s\d+[a-z]?\b", re.IGNORECASE)


def find_addresses(text: str) -> list[Span]:
    """Street addresses ("flat 2, 12 Acacia Road") and bare street names ("Acacia Road")."""
    spans = _spans(_NUMBERED_ADDRESS, text, "address")
    spans += _spans(_CAPITALISED_STREET, text, "address")
    spans += _spans(_LOWER_STREET, text, "address", group=1)
    spans += _spans(_FLAT, text, "address")
    return spans


def find_structured(text: str) -> list[Span]:
    """All regex detectors together."""
    return (
        find_emails(text)
        + find_phones(text)
        + find_postcodes(text)
        + find_ni_numbers(text)
        + find_prison_numbers(text)
        + find_dates_of_birth(text)
        + find_addresses(text)
    )
