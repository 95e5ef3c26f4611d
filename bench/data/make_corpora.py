"""Write the benchmark corpora bench/data/*.json from the hand-written phrase banks (deterministic).

Run: .venv/bin/python bench/data/make_corpora.py

Five corpora, as different as real projects: size (30-200 stories), theme
count (5-12), length (40-500 words), voice (mostly people on probation, mostly
staff, mixed), register (clean writing, spoken fillers, ASR-style mis-hearings)
and redaction ([name]/[place] placeholders in place). Each story has a main
theme and, mostly, one or two other themes ("also"), each said in a block of
two or more sentences. ASR errors are written, not recognised: word-level
confusions a small recogniser makes (phrasebank.ASR_CONFUSIONS), lost
capitals and full stops, "um"s and dropped short words - see `garble`.
"""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from phrasebank import ASR_CONFUSIONS, FILLERS, GENERIC, NAMES, PLACES, THEMES  # noqa: E402

OUT = Path(__file__).resolve().parent
ALL = list(THEMES)

SPECS = [
    {"name": "city_voices", "seed": 11, "stories": 60, "themes": ["substance", "accommodation", "trust", "family", "work", "money", "access", "mental_health"],
     "staff_share": 0.2, "words": (80, 250), "fillers": 0.05, "asr": 0.0, "redacted": False,
     "about": "60 written stories from people on probation in a city project, some staff; clean text."},
    {"name": "staff_asr", "seed": 23, "stories": 40, "themes": ["workload", "continuity", "risk", "volunteering", "trust", "substance"],
     "staff_share": 0.7, "words": (60, 180), "fillers": 0.15, "asr": 0.6, "redacted": False,
     "about": "40 spoken stories, mostly staff, transcribed with ASR-style errors."},
    {"name": "county_redacted", "seed": 37, "stories": 200, "themes": ALL,
     "staff_share": 0.35, "words": (40, 300), "fillers": 0.08, "asr": 0.25, "redacted": True,
     "about": "200 stories across a county, every theme, names and places redacted to placeholders; a quarter ASR-garbled."},
    {"name": "womens_centre", "seed": 41, "stories": 30, "themes": ["family", "mental_health", "accommodation", "trust", "volunteering"],
     "staff_share": 0.1, "words": (250, 500), "fillers": 0.12, "asr": 0.5, "redacted": True,
     "about": "30 long stories told at a women's centre; spoken, half ASR-garbled, redacted."},
    {"name": "peer_short", "seed": 53, "stories": 120, "themes": ["substance", "accommodation", "continuity", "family", "volunteering", "risk", "mental_health", "work", "money", "access"],
     "staff_share": 0.3, "words": (40, 120), "fillers": 0.1, "asr": 0.15, "redacted": True,
     "about": "120 short stories gathered by peer mentors; 10 themes, some ASR-garbled, redacted."},
]


def expand(template: str, rng: random.Random, redacted: bool) -> str:
    """Pick one alternative of each {a|b} and fill {NAME}/{PLACE}."""
    text = re.sub(r"\{([^{}]*\|[^{}]*)\}", lambda m: rng.choice(m.group(1).split("|")), template)
    text = text.replace("{NAME}", "[name]" if redacted else rng.choice(NAMES))
    return text.replace("{PLACE}", "[place]" if redacted else rng.choice(PLACES))


def words(text: str) -> int:
    return len(text.split())


class Bank:
    """Sentences of one theme and voice, drawn without repetition inside a story."""

    def __init__(self, theme: str | None, voice: str):
        pool = GENERIC[voice] if theme is None else THEMES[theme][voice]
        if theme is not None and len(pool) < 8:  # thin bank: borrow the other voice's lines
            pool = pool + THEMES[theme]["su" if voice == "staff" else "staff"]
        self.pool = pool

    def draw(self, rng: random.Random, used: set, n: int) -> list[str]:
        fresh = [s for s in self.pool if s not in used]
        rng.shuffle(fresh)
        picked = fresh[:n]
        used.update(picked)
        return picked


def story_plan(rng: random.Random, themes: list[str], target_words: int) -> tuple[str, list[str], list[tuple[str, int]]]:
    """Main theme, other themes and the blocks [(theme or None, n_sentences)] in telling order."""
    main = rng.choice(themes)
    n_other = rng.choices([0, 1, 2], weights=[0.15, 0.5, 0.35])[0]
    others = rng.sample([t for t in themes if t != main], k=min(n_other, len(themes) - 1))
    n_sentences = max(3, round(target_words / 17))
    other_each = max(2, round(n_sentences * rng.uniform(0.15, 0.25))) if others else 0
    n_main = max(2, n_sentences - other_each * len(others) - 1)
    if n_sentences < 5 and others:  # very short story: one other theme, one sentence of it is not enough
        others, other_each, n_main = others[:1], 2, max(2, n_sentences - 2)
    first = max(1, n_main // 2 + rng.choice([0, 1]))
    blocks = [(None, 1)] if rng.random() < 0.6 else []
    blocks.append((main, first))
    for other in others:
        blocks.append((other, other_each))
    if n_main - first > 0:
        blocks.append((main, n_main - first))
    if rng.random() < 0.4:
        blocks.append((None, 1))
    return main, others, blocks


def add_fillers(sentence: str, rng: random.Random, rate: float) -> str:
    """Spoken glue: with probability 4 * rate one filler ("you know,") somewhere inside the sentence."""
    words = sentence.split()
    if len(words) > 3 and rng.random() < min(0.8, 4 * rate):
        words.insert(rng.randrange(1, len(words) - 1), rng.choice(FILLERS))
    return " ".join(words)


def garble(text: str, rng: random.Random, strength: float) -> str:
    """ASR-style transcript: confusions, lost capitals and full stops, hesitations, dropped short words."""
    for right, wrong in ASR_CONFUSIONS.items():
        text = re.sub(rf"\b{re.escape(right)}\b", lambda m: wrong if rng.random() < strength else m.group(0), text)
    pieces = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if rng.random() < 0.5 * strength and pieces:  # run-on: the recogniser missed the full stop
            pieces[-1] = pieces[-1].rstrip(".!?") + " " + sentence[:1].lower() + sentence[1:]
        else:
            pieces.append(sentence)
    out = []
    for word in " ".join(pieces).split():
        if len(word) <= 3 and word.isalpha() and rng.random() < 0.04 * strength:
            continue
        if rng.random() < 0.03 * strength:
            out.append(rng.choice(["um", "uh", "erm"]))
        out.append(word.replace(",", "") if rng.random() < 0.5 * strength else word)
    return " ".join(out)


def make_story(n: int, spec: dict, rng: random.Random) -> dict:
    voice = "staff" if rng.random() < spec["staff_share"] else "su"
    main, others, blocks = story_plan(rng, spec["themes"], rng.randint(*spec["words"]))
    used: set = set()
    sentences = []
    for theme, count in blocks:
        for template in Bank(theme, voice).draw(rng, used, count):
            sentences.append(add_fillers(expand(template, rng, spec["redacted"]), rng, spec["fillers"]))
    text = " ".join(sentences)
    spoken = rng.random() < spec["asr"]
    if spoken:
        text = garble(text, rng, strength=rng.uniform(0.5, 1.0))
    role = "service_user" if voice == "su" else rng.choice(["staff", "staff", "peer_mentor"])
    return {"id": f"{spec['name'][:3]}{n:03d}", "role": role, "theme": main, "also": others, "asr": spoken, "text": text}


def make_corpus(spec: dict) -> dict:
    rng = random.Random(spec["seed"])
    stories = [make_story(n + 1, spec, rng) for n in range(spec["stories"])]
    return {
        "about": spec["about"] + " Generated by bench/data/make_corpora.py from bench/data/phrasebank.py (seed "
                 f"{spec['seed']}); ASR errors are written (not recognised).",
        "themes": {t: THEMES[t]["description"] for t in spec["themes"]},
        "label_heads": {t: THEMES[t]["heads"] for t in spec["themes"]},
        "stories": stories,
    }


def main():
    for spec in SPECS:
        corpus = make_corpus(spec)
        path = OUT / f"{spec['name']}.json"
        path.write_text(json.dumps(corpus, indent=1, ensure_ascii=False) + "\n")
        lengths = sorted(words(s["text"]) for s in corpus["stories"])
        print(f"{path.name}: {len(corpus['stories'])} stories, {len(corpus['themes'])} themes, "
              f"words {lengths[0]}-{lengths[-1]} (median {lengths[len(lengths) // 2]})")


if __name__ == "__main__":
    main()
