"""Text as theme discovery should see it: no redaction placeholders, no hesitations or spoken glue.

A placeholder such as "[place]" or "[name]" stands for different things in
different stories, yet to an embedding model every "[place]" is the same
token, so passages that share one drift together and it can win a keyword.
Hesitations ("um", "erm") and glue ("you know", "to be honest") are what ASR
transcripts and spoken stories add everywhere and carry no theme. The text a
person reads is never changed: this is only what is embedded and counted.
"""
from __future__ import annotations

import re
from functools import lru_cache

PLACEHOLDER = re.compile(r"\[[^\[\]]{1,40}\]|\b(?:REDACTED|XXX+)\b")
_HESITATION = re.compile(r"\b(?:u+m+|u+h+|e+r+m*|a+h+|m{2,}|h+m{2,})\b[,.]?", re.IGNORECASE)
_GLUE = re.compile(r"\b(?:you know|i mean|to be honest|sort of|kind of|and that|basically|honestly|like,)(?=[\s,.]|$),?", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:])")


@lru_cache(maxsize=65536)  # the job and the engine both clean each passage; a rebuild cleans only new ones
def clean_for_themes(text: str) -> str:
    """`text` without placeholders, hesitations and spoken glue; whitespace tidied."""
    text = PLACEHOLDER.sub(" ", text or "")
    text = _HESITATION.sub(" ", text)
    text = _GLUE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text))
    return re.sub(r"([,.!?;:])(?:\s*[,;:])+", r"\1", text).strip()
