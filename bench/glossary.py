"""Benchmark: does the site glossary (faster-whisper hotwords) make local words come out right?

    .venv/bin/python bench/glossary.py [--model tiny.en|base]

Ten short stories that use local words (services, acronyms, towns, slang),
spoken by espeak-ng UK voices, transcribed by the product's engine without and
with the glossary as hotwords; six dev-corpus stories that use none of the words
show whether the glossary hurts ordinary speech. Prints WER and the share of
glossary words heard exactly, side by side. The glossary was written once from
the stories' words, not tuned on the results.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
CACHE = os.path.join(REPO, "bench", ".cache", "glossary")
GLOSSARY = ["MAPPA", "methadone", "Approved Premises", "Skelmersdale", "Ormskirk", "Subutex", "CRC",
            "Buvidal", "Kirkby", "Change Grow Live", "Bootle", "spice"]
STORIES = [
    "They put me under MAPPA when I came out, so everything had to be agreed by three agencies.",
    "I was on methadone for two years and now I am on Buvidal, which is an injection once a month.",
    "When I left prison I went to Approved Premises in Bootle and had to be in by nine every night.",
    "The bus from Skelmersdale to Ormskirk takes forty minutes and my appointment was at nine.",
    "My worker at Change Grow Live sorted my script and she never judged me.",
    "Before the CRC took over I had the same officer for three years.",
    "I moved to Kirkby to be near my mum, but the probation office was still in Bootle.",
    "Spice was everywhere in the hostel and I had to get out of there to stay clean.",
    "I went from Subutex to methadone and back again because nobody explained the difference.",
    "They held a MAPPA meeting about me and I was not even allowed to go to it.",
]
VOICES = ["en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb+f3"]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower())).strip()


def build() -> list[dict]:
    os.makedirs(CACHE, exist_ok=True)
    corpus = json.load(open(os.path.join(REPO, "demo", "dev_stories.json")))["stories"]
    items = [{"set": "glossary words", "text": t} for t in STORIES]
    items += [{"set": "no glossary words", "text": s["text"]} for s in corpus[12:18]]
    for i, item in enumerate(items):
        item["path"] = os.path.join(CACHE, f"{i:02d}.wav")
        if not os.path.exists(item["path"]):
            raw = item["path"] + ".raw.wav"
            subprocess.run(["espeak-ng", "-v", VOICES[i % len(VOICES)], "-s", "150", "-w", raw, item["text"]], check=True)
            subprocess.run(["sox", "-q", raw, "-r", "16000", item["path"], "pad", "0.3", "0.5"], check=True)
            os.remove(raw)
    return items


def heard(term: str, hyp: str) -> bool:
    return f" {normalise(term)} " in f" {normalise(hyp)} "


def main() -> None:
    import jiwer

    from engines.transcribe import get_transcriber
    from engines.transcription.models import resolve_model

    model = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else "tiny.en"
    transcriber = get_transcriber(resolve_model(model, os.path.join(REPO, "bench", ".cache")))
    items = build()
    prompt = ", ".join(GLOSSARY)
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min), {os.cpu_count()} cores; model {model}")
    print(f"{'set':20} {'WER plain':>9} {'WER glossary':>12} {'terms plain':>11} {'terms glossary':>14} {'s plain':>7} {'s gloss':>7}")
    for name in ("glossary words", "no glossary words"):
        rows = [it for it in items if it["set"] == name]
        out = {}
        for label, hot in (("plain", None), ("glossary", prompt)):
            t0 = time.perf_counter()
            hyps = [transcriber.transcribe(it["path"], hotwords=hot).text for it in rows]
            out[label] = (jiwer.wer([normalise(it["text"]) for it in rows], [normalise(h) for h in hyps]), hyps,
                          time.perf_counter() - t0)
        terms = [(t, it) for it in rows for t in GLOSSARY if heard(t, it["text"])]
        recall = {k: (sum(heard(t, out[k][1][rows.index(it)]) for t, it in terms) / len(terms)) if terms else None
                  for k in out}
        fmt = lambda v: "-" if v is None else f"{v:.0%}"  # noqa: E731
        print(f"{name:20} {out['plain'][0]:9.1%} {out['glossary'][0]:12.1%} {fmt(recall['plain']):>11} "
              f"{fmt(recall['glossary']):>14} {out['plain'][2]:7.1f} {out['glossary'][2]:7.1f}")


if __name__ == "__main__":
    main()
