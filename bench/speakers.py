"""Benchmark: who-spoke-when (engines/diarize.py) against bare resemblyzer + agglomerative clustering.

    .venv/bin/python bench/speakers.py

Builds 24 two-voice interviews in bench/.cache/interviews (first run only):
18 from pairs of distinct espeak-ng voices (a reporter asking short questions,
a storyteller answering with sentences from the dev corpus) and 6 from the real
recorded speakers in Debian's pocketsphinx-testdata (the LibriVox reader of
Sense and Sensibility as storyteller, the "cards" and "go forward" speakers or
an espeak voice as reporter), spliced with pauses of 0.3-0.9 s.

The product's cluster threshold is chosen on the 8 tuning interviews (every
third one) and the diarization error rate is reported on the other 16, for the
product (which is not told how many speakers there are) and for the baseline
(resemblyzer's partial embeddings every 0.25 s over the whole recording,
agglomerative clustering told there are exactly two speakers, each frame
labelled by the nearest partial). DER = (missed speech + false alarm + speaker
confusion) / reference speech, 10 ms frames, best one-to-one speaker mapping,
with the usual 0.25 s forgiveness collar around reference boundaries and
without it.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
CACHE = os.path.join(REPO, "bench", ".cache", "interviews")
CORPUS = os.path.join(REPO, "demo", "dev_stories.json")
PSDATA = "/usr/share/pocketsphinx/test/data"
RATE = 16000
FRAME = 0.01
QUESTIONS = [
    "Can you tell me about that?", "How did that make you feel?", "What happened next?",
    "Who helped you most?", "What would you change?", "When did that start?",
    "Was that the same officer?", "How long did it take?", "What made the difference?",
    "Did anyone explain why?", "And how are things now?", "What would you tell someone starting out?",
]
VOICE_PAIRS = [  # (reporter, storyteller): different accents, sexes and pitches; some close pairs
    ("en-gb", "en-us+f3"), ("en-gb-scotland", "en+f2"), ("en-gb-x-rp", "en-us+m3"),
    ("en-us", "en-gb-x-gbclan+f4"), ("en-029", "en-gb+f1"), ("en-gb+m4", "en-gb-scotland+f5"),
    ("en-us+f2", "en-gb-x-rp"), ("en-gb+f3", "en-us+m7"), ("en-gb-x-gbcwmd", "en+f4"),
    ("en-gb", "en-gb-scotland"), ("en-us", "en-gb-x-rp"), ("en+f2", "en-us+f5"),
    ("en-gb+Andy", "en-us+annie"), ("en-gb+michel", "en-gb-scotland+linda"), ("en-us+steph", "en-gb+max"),
    ("en-gb-x-rp+f1", "en-029+m2"), ("en-gb+belinda", "en-us+edward"), ("en-gb-scotland+m1", "en-us+m5"),
]


def _sentences() -> list[str]:
    stories = json.load(open(CORPUS))["stories"]
    out = []
    for story in stories:
        out.extend(s.strip() + "." for s in story["text"].split(".") if len(s.split()) >= 5)
    return out


def _espeak(text: str, voice: str, speed: int) -> np.ndarray:
    raw = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
                         check=True, capture_output=True).stdout
    out = subprocess.run(["sox", "-q", "-t", "wav", "-", "-r", str(RATE), "-b", "16", "-c", "1", "-t", "raw", "-"],
                         input=raw, check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.int16).astype(np.float32) / 32768.0


def _wav(path: str) -> np.ndarray:
    out = subprocess.run(["sox", "-q", path, "-r", str(RATE), "-b", "16", "-c", "1", "-t", "raw", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.int16).astype(np.float32) / 32768.0


def _raw(path: str) -> np.ndarray:
    return np.fromfile(path, dtype=np.int16).astype(np.float32) / 32768.0


def _speech_extent(clip: np.ndarray) -> tuple[float, float]:
    """First and last loud 10 ms frame of a clean clip (the reference turn boundaries)."""
    frame = int(FRAME * RATE)
    energy = np.sqrt(np.square(clip[: clip.size // frame * frame]).reshape(-1, frame).mean(axis=1))
    loud = np.nonzero(energy > max(0.01, 0.1 * energy.max()))[0]
    return (loud[0] * FRAME, (loud[-1] + 1) * FRAME) if loud.size else (0.0, 0.0)


def _splice(turns: list[tuple[int, np.ndarray]], rng: random.Random):
    pieces, ref, t = [np.zeros(int(0.5 * RATE), np.float32)], [], 0.5
    for speaker, clip in turns:
        clip = clip / max(1e-6, np.abs(clip).max()) * rng.uniform(0.3, 0.7)
        a, b = _speech_extent(clip)
        ref.append((round(t + a, 2), round(t + b, 2), speaker))
        pieces.append(clip)
        t += clip.size / RATE
        gap = rng.uniform(0.3, 0.9)
        pieces.append(np.zeros(int(gap * RATE), np.float32))
        t += gap
    audio = np.concatenate(pieces)
    audio = audio + np.random.default_rng(rng.randint(0, 10**6)).normal(0, 0.002, audio.size).astype(np.float32)
    return audio, ref


def _synthetic(i: int, pair, sentences, rng) -> tuple[np.ndarray, list]:
    reporter, storyteller = pair
    turns = []
    for q in range(rng.randint(4, 6)):
        turns.append((0, _espeak(rng.choice(QUESTIONS), reporter, rng.randint(150, 175))))
        answer = " ".join(rng.sample(sentences, rng.randint(1, 3)))
        turns.append((1, _espeak(answer, storyteller, rng.randint(135, 165))))
    return _splice(turns, rng)


def _real(i: int, rng) -> tuple[np.ndarray, list]:
    libri = [_wav(os.path.join(PSDATA, "librivox", f)) for f in sorted(os.listdir(os.path.join(PSDATA, "librivox")))
             if f.endswith(".wav")]
    if i % 3 == 0:
        asker = [_wav(os.path.join(PSDATA, "cards", f"00{k}.wav")) for k in range(1, 6)]
    elif i % 3 == 1:
        asker = [_raw(os.path.join(PSDATA, f)) for f in ("goforward.raw", "numbers.raw", "something.raw")]
    else:
        voice = ["en-gb", "en-gb-scotland+f2"][i % 2]
        asker = [_espeak(q, voice, 160) for q in rng.sample(QUESTIONS, 5)]
    answers = libri[:]
    rng.shuffle(answers)
    turns = []
    for answer in answers:
        turns.append((0, rng.choice(asker)))
        turns.append((1, answer))
    return _splice(turns, rng)


def build() -> list[dict]:
    """The interviews: [{name, wav, ref}] (built once into bench/.cache/interviews)."""
    index = os.path.join(CACHE, "index.json")
    if os.path.exists(index):
        return json.load(open(index))
    os.makedirs(CACHE, exist_ok=True)
    sentences, items = _sentences(), []
    for i in range(24):
        rng = random.Random(1000 + i)
        if i < len(VOICE_PAIRS):
            audio, ref = _synthetic(i, VOICE_PAIRS[i], sentences, rng)
            name = f"espeak-{i:02d}-{VOICE_PAIRS[i][0]}-vs-{VOICE_PAIRS[i][1]}"
        else:
            audio, ref = _real(i, rng)
            name = f"librivox-{i:02d}"
        path = os.path.join(CACHE, name + ".wav")
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes()
        subprocess.run(["sox", "-q", "-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1", "-", path],
                       input=pcm, check=True)
        items.append({"name": name, "wav": path, "ref": ref})
    json.dump(items, open(index, "w"), indent=1)
    return items


def frames_of(turns, n: int) -> np.ndarray:
    labels = np.full(n, -1, dtype=int)
    for start, end, speaker in turns:
        labels[int(round(start / FRAME)):int(round(end / FRAME))] = speaker
    return labels


def der(ref, hyp, duration: float, collar: float = 0.25) -> float:
    """Diarization error rate with the best one-to-one mapping of hypothesis to reference speakers."""
    from scipy.optimize import linear_sum_assignment

    n = int(duration / FRAME) + 1
    r, h = frames_of(ref, n), frames_of(hyp, n)
    scored = np.ones(n, dtype=bool)
    c = int(collar / FRAME)
    for start, end, _ in ref:
        for edge in (int(round(start / FRAME)), int(round(end / FRAME))):
            scored[max(0, edge - c):edge + c] = False
    r, h = r[scored], h[scored]
    ref_ids, hyp_ids = sorted(set(r[r >= 0].tolist())), sorted(set(h[h >= 0].tolist()))
    overlap = np.array([[np.sum((r == a) & (h == b)) for b in hyp_ids] for a in ref_ids]) if hyp_ids else np.zeros((1, 1))
    rows, cols = linear_sum_assignment(-overlap)
    correct = overlap[rows, cols].sum()
    ref_speech = np.sum(r >= 0)
    miss = np.sum((r >= 0) & (h < 0))
    false_alarm = np.sum((r < 0) & (h >= 0))
    confusion = np.sum((r >= 0) & (h >= 0)) - correct
    return float((miss + false_alarm + confusion) / max(1, ref_speech))


_BARE: dict = {}


def baseline(samples: np.ndarray):
    """Bare resemblyzer + agglomerative: partials over the whole file, two clusters, nearest partial per frame."""
    from resemblyzer import VoiceEncoder
    from resemblyzer.audio import normalize_volume
    from sklearn.cluster import AgglomerativeClustering

    wav = normalize_volume(samples, -30)
    if "encoder" not in _BARE:  # bare resemblyzer (torch), not the product's numpy encoder
        _BARE["encoder"] = VoiceEncoder(device="cpu", verbose=False)
    _, partials, slices = _BARE["encoder"].embed_utterance(wav, return_partials=True, rate=4)
    labels = AgglomerativeClustering(n_clusters=2, metric="cosine", linkage="average").fit_predict(partials)
    centres = np.array([(s.start + s.stop) / 2 / RATE for s in slices])
    n = int(samples.size / RATE / FRAME)
    times = (np.arange(n) + 0.5) * FRAME
    frame_labels = labels[np.abs(times[:, None] - centres[None, :]).argmin(axis=1)]
    turns, start = [], 0
    for i in range(1, n + 1):
        if i == n or frame_labels[i] != frame_labels[start]:
            turns.append((start * FRAME, i * FRAME, int(frame_labels[start])))
            start = i
    return turns


def product(samples: np.ndarray, threshold: float, windows=None):
    from engines.diarize import voice_diarization

    result = voice_diarization(samples, threshold=threshold, windows=windows)
    return [(t.start, t.end, t.speaker) for t in result.turns], result.speakers


def main() -> None:
    from engines.diarize import CLUSTER_THRESHOLD, load_channels, voice_windows

    items = build()
    audio = {it["name"]: load_channels(it["wav"]).mean(axis=0) for it in items}
    tune = [it for k, it in enumerate(items) if k % 3 == 0]
    report = [it for k, it in enumerate(items) if k % 3 != 0]
    grid = [0.30, 0.34, 0.38, 0.42, 0.46, 0.50, 0.55, 0.60]
    scores = {}
    windows = {it["name"]: voice_windows(audio[it["name"]]) for it in tune}  # embeddings do not depend on the threshold
    for threshold in grid:
        scores[threshold] = float(np.mean([der(it["ref"], product(audio[it["name"]], threshold, windows[it["name"]])[0],
                                               audio[it["name"]].size / RATE) for it in tune]))
    best = min(grid, key=lambda t: (scores[t], abs(t - CLUSTER_THRESHOLD)))
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min), "
          f"{os.cpu_count()} cores")
    print(f"tuning ({len(tune)} interviews) mean DER by threshold: " +
          ", ".join(f"{t:.2f}={s:.3f}" for t, s in scores.items()) + f" -> {best:.2f} "
          f"(engines/diarize.py CLUSTER_THRESHOLD = {CLUSTER_THRESHOLD})")
    print(f"\n{'interview (held out)':48} {'secs':>5} {'ours':>6} {'base':>6} {'ours nc':>7} {'base nc':>7} {'spk':>3} "
          f"{'t ours':>6} {'t base':>6}")
    rows = []
    for it in report:
        samples = audio[it["name"]]
        duration = samples.size / RATE
        t0 = time.perf_counter()
        ours, speakers = product(samples, best)
        t1 = time.perf_counter()
        base = baseline(samples)
        t2 = time.perf_counter()
        row = (der(it["ref"], ours, duration), der(it["ref"], base, duration),
               der(it["ref"], ours, duration, 0.0), der(it["ref"], base, duration, 0.0), t1 - t0, t2 - t1)
        rows.append(row)
        print(f"{it['name'][:48]:48} {duration:5.0f} {row[0]:6.1%} {row[1]:6.1%} {row[2]:7.1%} {row[3]:7.1%} "
              f"{speakers:3d} {row[4]:6.2f} {row[5]:6.2f}")
    arr = np.array(rows)
    print(f"\n{'mean DER, 16 held-out interviews':48} {'':5} {arr[:, 0].mean():6.1%} {arr[:, 1].mean():6.1%} "
          f"{arr[:, 2].mean():7.1%} {arr[:, 3].mean():7.1%}")
    print(f"{'median DER':48} {'':5} {np.median(arr[:, 0]):6.1%} {np.median(arr[:, 1]):6.1%} "
          f"{np.median(arr[:, 2]):7.1%} {np.median(arr[:, 3]):7.1%}")
    print("(ours: not told the speaker count; base: told there are two. 'nc' = no collar. "
          "spk = speakers ours found; t = seconds)")
    print(f"target: DER <= 10% and below baseline -> {'met' if arr[:, 0].mean() <= 0.10 and arr[:, 0].mean() < arr[:, 1].mean() else 'NOT met'}")


if __name__ == "__main__":
    main()
