"""Story-level safeguarding scores: whole stories, written and spoken (espeak-ng -> the bundled Whisper).

Run: .venv/bin/python bench/safeguarding_spoken.py [--no-speech]   (also run by bench/safeguarding.py)

Stories: bench/data/safeguarding_stories.py (34 stories, 12 with one labelled
disclosure sentence). Written form: each sentence is one passage (as the
product's segments are). Spoken form: each story is spoken by an espeak-ng UK
voice and typed up by the product's transcriber; its segments are the passages
(cached in bench/.cache/safeguarding_stories). A story's flags are the union of
its passages' flags.

Story level: recall of a category = share of the stories disclosing it that are
flagged with it; "ordinary flagged" = stories with no disclosure that get any
flag (the over-flagging a listening room notices); "urgent added" = stories
flagged with an urgent category (immediate danger, harm to a child) they do not
disclose. Sentence level (written only): precision / recall of any flag per
sentence. Only counts are printed, never the held-out sentences themselves.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench" / "data"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from safeguarding_stories import STORIES, story_labels, story_sentences  # noqa: E402

CACHE = REPO / "bench" / ".cache" / "safeguarding_stories"
VOICES = ["en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb+f3", "en-gb-x-gbcwmd"]
URGENT = {"immediate_danger", "child_harm"}


def spoken_passages(stories: list[dict] | None = None, cache: Path = CACHE) -> list[list[str]]:
    """Each story's transcript segments, spoken and transcribed once (then cached)."""
    cache.mkdir(parents=True, exist_ok=True)
    transcriber = None
    out = []
    for i, story in enumerate(STORIES if stories is None else stories):
        done = cache / f"{story['id']}.json"
        if not done.exists():
            if transcriber is None:
                from engines.transcribe import get_transcriber

                transcriber = get_transcriber()
            wav, raw = cache / f"{story['id']}.wav", cache / f"{story['id']}.raw.wav"
            text = story["text"] if "text" in story else " ".join(s for s, _ in story_sentences(story))
            subprocess.run(["espeak-ng", "-v", VOICES[i % len(VOICES)], "-s", str(150 + (i * 7) % 25), "-w", str(raw),
                            text], check=True)
            subprocess.run(["sox", "-q", str(raw), "-r", "16000", str(wav), "pad", "0.5", "1.0"], check=True)
            raw.unlink()
            result = transcriber.transcribe(str(wav))
            done.write_text(json.dumps([s.text.strip() for s in result.segments if s.text.strip()]))
            wav.unlink()
        out.append(json.loads(done.read_text()))
    return out


def story_found(passages_per_story: list[list[str]], system) -> tuple[list[set[str]], list[set[str]]]:
    """`system(flat passages) -> list of category sets`, folded back to one set per story; also the flat sets."""
    flat = [p for passages in passages_per_story for p in passages]
    found = system(flat)
    out, at = [], 0
    for passages in passages_per_story:
        out.append(set().union(*found[at: at + len(passages)]) if passages else set())
        at += len(passages)
    return out, found


def story_table(title: str, golds: list[set[str]], systems: dict[str, list[set[str]]], categories) -> None:
    print(f"\nstories / {title}: {len(golds)} stories ({sum(bool(g) for g in golds)} with a disclosure)")
    print(f"  {'category':18s} {'n':>3s} " + " ".join(f"{name:>17s}" for name in systems))
    for category in list(categories) + ["any"]:
        cells = []
        for found in systems.values():
            if category == "any":
                gold = [i for i, g in enumerate(golds) if g]
                hit = sum(bool(found[i]) for i in gold)
                flagged = [i for i, f in enumerate(found) if f]
            else:
                gold = [i for i, g in enumerate(golds) if category in g]
                hit = sum(category in found[i] for i in gold)
                flagged = [i for i, f in enumerate(found) if category in f]
            precision = sum(bool(golds[i]) for i in flagged) / max(len(flagged), 1)
            cells.append(f"P {precision:.2f} R {hit / max(len(gold), 1):.2f}".rjust(17))
        print(f"  {category:18s} {len(gold):3d} " + " ".join(cells))
    ordinary = sum(not g for g in golds)
    for label, count, total in (("ordinary flagged", lambda g, f: not g and bool(f), ordinary),
                                ("urgent added", lambda g, f: bool((f & URGENT) - g), len(golds))):
        cells = [f"{sum(count(g, f) for g, f in zip(golds, found))} of {total}".rjust(17) for found in systems.values()]
        print(f"  {label:22s} " + " ".join(cells))


def sentence_line(golds: list[str | None], systems: dict[str, list[set[str]]]) -> None:
    cells = []
    for found in systems.values():
        flagged = [i for i, f in enumerate(found) if f]
        precision = sum(bool(golds[i]) for i in flagged) / max(len(flagged), 1)
        recall = sum(bool(found[i]) for i, g in enumerate(golds) if g) / max(sum(bool(g) for g in golds), 1)
        cells.append(f"P {precision:.2f} R {recall:.2f}".rjust(17))
    print(f"  {'any, per sentence':22s} " + " ".join(cells))


def dev_corpus_line(systems: dict, speech: bool) -> None:
    """The development corpus discloses nothing: how many of its stories each system flags (dev, may be read)."""
    from engines.safeguarding import _sentences

    stories = json.load(open(REPO / "demo" / "dev_stories.json"))["stories"]
    forms = {"written": [_sentences(s["text"]) for s in stories]}
    if speech:
        forms["spoken"] = spoken_passages(stories, CACHE.with_name("safeguarding_dev_corpus"))
    for form, passages in forms.items():
        cells = [f"{sum(bool(f) for f in story_found(passages, fn)[0])} of {len(stories)}".rjust(17)
                 for fn in systems.values()]
        print(f"  {'dev corpus ' + form + ' flagged':22s} " + " ".join(cells))


def run(systems: dict, categories, speech: bool = True) -> None:
    """`systems`: name -> function(list of passages) -> list of category sets."""
    print("\ndevelopment corpus (dev: no disclosures)")
    dev_corpus_line(systems, speech)
    golds = [story_labels(s) for s in STORIES]
    written = [[s for s, _ in story_sentences(story)] for story in STORIES]
    results = {name: story_found(written, fn) for name, fn in systems.items()}
    story_table("written, one passage per sentence", golds, {n: r[0] for n, r in results.items()}, categories)
    sentence_golds = [c for story in STORIES for _, c in story_sentences(story)]
    sentence_line(sentence_golds, {n: r[1] for n, r in results.items()})
    if speech:
        spoken = spoken_passages()
        found = {name: story_found(spoken, fn)[0] for name, fn in systems.items()}
        story_table("spoken (espeak-ng -> bundled Whisper), one passage per segment", golds, found, categories)


if __name__ == "__main__":
    from safeguarding import product  # noqa: E402  (bench/safeguarding.py)

    from engines.safeguarding import CATEGORIES

    run({"product": product}, CATEGORIES, speech="--no-speech" not in sys.argv)
