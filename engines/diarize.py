"""Who spoke when: offline speaker diarization with resemblyzer's GE2E voice encoder.

    from engines.diarize import diarize, assign_speakers
    result = diarize(path)                       # Diarization(turns, speakers, method)
    segments = assign_speakers(transcript["segments"], result.turns)

Two ways, chosen per recording:

- **channels**: a stereo recording with one voice per channel (a two-microphone
  recorder, a phone interview recorded per side) is split by which channel is
  louder in each speech frame. No voice model is needed and it is exact.
- **voices**: otherwise webrtcvad finds speech; the voice encoder embeds short
  windows (1.6 s, every 0.4 s) inside each speech region only; windows are
  clustered (agglomerative, cosine, average linkage, a distance threshold so the
  number of speakers need not be known); clusters too small to be a speaker are
  folded into the nearest one; every window is then re-assigned to the nearest
  speaker centroid and the labels are smoothed, because one 1.6 s window is a
  noisy vote and a turn in an interview lasts seconds.

Turns are then aligned to the transcript's word timings: each word takes the
speaker who covers most of it, and a Whisper segment that spans a change of
speaker is split at that word. The voice encoder is resemblyzer's, run in numpy
(engines/diarization/voice_encoder.py), and clustering is scipy's: a worker
process never imports torch, librosa, numba or sklearn for this. Imports happen
inside functions: importing this module is cheap.
The thresholds were tuned by bench/speakers.py on its tuning interviews only.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Sequence

import numpy as np

from .diarization.align import assign_speakers, speaker_at  # noqa: F401  (public API)

SAMPLE_RATE = 16000
FRAME_S = 0.01  # label resolution (resemblyzer's mel step)
VAD_FRAME_MS = 30
VAD_AGGRESSIVENESS = 2
MIN_SPEECH_S = 0.25  # shorter VAD bursts are clicks, not words
BRIDGE_GAP_S = 0.3  # pauses shorter than this stay inside one speech region
WINDOW_FRAMES = 160  # 1.6 s: the encoder's partial utterance
STEP_FRAMES = 40  # 0.4 s
MIN_WINDOW_FRAMES = 50  # regions shorter than 0.5 s get no embedding of their own
CLUSTER_THRESHOLD = 0.34  # cosine distance, chosen by bench/speakers.py on its 8 tuning interviews
MIN_SPEAKER_SHARE = 0.04  # a cluster with less of the speech time is folded into the nearest
MAX_SPEAKERS = 6
SMOOTH_WINDOWS = 5  # median over this many neighbouring windows
MIN_TURN_S = 0.6  # shorter turns are merged into the neighbour
CHANNEL_DOMINANCE = 2.0  # louder channel must have this x the energy (6 dB)
CHANNEL_AGREEMENT = 0.8  # share of speech frames one channel clearly dominates


@dataclass
class Turn:
    """One speaker's uninterrupted stretch, in seconds from the start of the file."""

    start: float
    end: float
    speaker: int  # 0, 1, ... in order of first appearance


@dataclass
class Diarization:
    turns: list[Turn] = field(default_factory=list)
    speakers: int = 0
    method: str = "voices"  # voices | channels | none
    centroids: list[list[float]] = field(default_factory=list)  # one embedding per speaker (voices only)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("centroids")
        return data


# --- audio -----------------------------------------------------------------------------

def load_channels(path) -> np.ndarray:
    """The whole file as (channels, samples) float32 at 16 kHz, at most two channels kept."""
    import av

    container = av.open(str(path))
    try:
        stream = container.streams.audio[0]
        layout = "stereo" if (stream.channels or 1) >= 2 else "mono"
        resampler = av.AudioResampler(format="s16p", layout=layout, rate=SAMPLE_RATE)
        blocks = []
        for frame in container.decode(stream):
            frame.pts = None
            blocks.extend(out.to_ndarray() for out in resampler.resample(frame))
        blocks.extend(out.to_ndarray() for out in resampler.resample(None))
    finally:
        container.close()
    if not blocks:
        return np.zeros((1, 0), dtype=np.float32)
    return (np.concatenate(blocks, axis=1).astype(np.float32) / 32768.0)


def speech_regions(samples: np.ndarray) -> list[tuple[float, float]]:
    """webrtcvad speech regions (start_s, end_s), short pauses bridged, clicks dropped."""
    import webrtcvad

    vad = webrtcvad.Vad(VAD_AGGRESSIVENESS)
    frame = SAMPLE_RATE * VAD_FRAME_MS // 1000
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    regions: list[list[float]] = []
    for i in range(0, pcm.size - frame + 1, frame):
        if not vad.is_speech(pcm[i:i + frame].tobytes(), SAMPLE_RATE):
            continue
        start, end = i / SAMPLE_RATE, (i + frame) / SAMPLE_RATE
        if regions and start - regions[-1][1] <= BRIDGE_GAP_S:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return [(round(a, 3), round(b, 3)) for a, b in regions if b - a >= MIN_SPEECH_S]


# --- one voice per channel ----------------------------------------------------------------

def channel_turns(channels: np.ndarray) -> list[Turn] | None:
    """Turns by the louder channel when each channel carries its own voice; None otherwise."""
    if channels.shape[0] < 2 or channels.shape[1] < SAMPLE_RATE:
        return None
    left, right = channels[0], channels[1]
    if np.corrcoef(left, right)[0, 1] > 0.5:  # the same sound on both sides: a mono mix
        return None
    frame = int(FRAME_S * SAMPLE_RATE) * 3
    usable = (left.size // frame) * frame
    energy = np.stack([np.square(c[:usable], dtype=np.float64).reshape(-1, frame).mean(axis=1) for c in (left, right)])
    regions = speech_regions(left + right)
    speech = np.zeros(energy.shape[1], dtype=bool)
    for a, b in regions:
        speech[int(a * SAMPLE_RATE) // frame:int(b * SAMPLE_RATE) // frame + 1] = True
    speech &= energy.max(axis=0) > 0
    if speech.sum() < 10:
        return None
    ratio = (energy[0] + 1e-12) / (energy[1] + 1e-12)
    clear = (ratio > CHANNEL_DOMINANCE) | (ratio < 1 / CHANNEL_DOMINANCE)
    louder = (energy[1] > energy[0]).astype(int)
    if clear[speech].mean() < CHANNEL_AGREEMENT or min(louder[speech].mean(), 1 - louder[speech].mean()) < 0.05:
        return None
    labels = np.where(speech, louder, -1)
    return _frames_to_turns(labels, frame / SAMPLE_RATE)


# --- voices ------------------------------------------------------------------------------

_encoder = None
_encoder_lock = threading.Lock()


def get_encoder():
    """The process-wide voice encoder: resemblyzer's weights, run in numpy (no torch, librosa or numba)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            from .diarization.voice_encoder import VoiceEncoder

            _encoder = VoiceEncoder()
        return _encoder


def _embed(mels: list[np.ndarray]) -> np.ndarray:
    """L2-normalised embeddings of mel windows (batched by equal length)."""
    encoder = get_encoder()
    out = np.zeros((len(mels), 256), dtype=np.float32)
    by_length: dict[int, list[int]] = {}
    for i, mel in enumerate(mels):
        by_length.setdefault(mel.shape[0], []).append(i)
    for indices in by_length.values():
        for k in range(0, len(indices), 64):
            chunk = indices[k:k + 64]
            out[chunk] = encoder.embed(np.stack([mels[i] for i in chunk]))
    return out


def window_embeddings(samples: np.ndarray, regions: Sequence[tuple[float, float]]):
    """(spans [(first_frame, end_frame)], embeddings) for windows inside the speech regions."""
    from .diarization.voice_encoder import mel_frames, normalize_volume

    mel = mel_frames(normalize_volume(samples.astype(np.float32), -30))
    spans, mels = [], []
    for a, b in regions:
        first, last = int(a / FRAME_S), min(int(b / FRAME_S), mel.shape[0])
        length = last - first
        if length < MIN_WINDOW_FRAMES:
            continue
        if length <= WINDOW_FRAMES:
            spans.append((first, last))
            mels.append(mel[first:last])
            continue
        starts = list(range(first, last - WINDOW_FRAMES + 1, STEP_FRAMES))
        if starts[-1] + WINDOW_FRAMES < last:
            starts.append(last - WINDOW_FRAMES)
        for s in starts:
            spans.append((s, s + WINDOW_FRAMES))
            mels.append(mel[s:s + WINDOW_FRAMES])
    return spans, (_embed(mels) if mels else np.zeros((0, 256), dtype=np.float32))


def voice_windows(samples: np.ndarray):
    """(speech regions, window spans, window embeddings): the expensive half of voice_diarization."""
    regions = speech_regions(samples)
    return (regions, *window_embeddings(samples, regions))


def cluster_windows(embeddings: np.ndarray, num_speakers: int | None = None,
                    threshold: float = CLUSTER_THRESHOLD, weights: np.ndarray | None = None) -> np.ndarray:
    """Speaker index per window: agglomerative clustering, small clusters folded, centroid re-assignment."""
    n = embeddings.shape[0]
    if n < 2:
        return np.zeros(n, dtype=int)
    labels = _agglomerate(embeddings, num_speakers, threshold)
    if not num_speakers:
        labels = _fold_small(embeddings, labels, np.ones(n) if weights is None else weights)
    for _ in range(3):  # k-means style refinement from the agglomerative start
        centroids = _centroids(embeddings, labels)
        labels = np.argmax(embeddings @ centroids.T, axis=1)
    return labels


def _agglomerate(embeddings: np.ndarray, num_speakers: int | None, threshold: float) -> np.ndarray:
    """Average-linkage clusters on cosine distance, 0-based: num_speakers of them, or cut at threshold.

    The same partition as sklearn's AgglomerativeClustering(metric="cosine", linkage="average"),
    which builds this scipy tree too, without importing sklearn into a worker process.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings.astype(np.float64), method="average", metric="cosine")
    count = min(num_speakers, embeddings.shape[0]) if num_speakers else int((tree[:, 2] >= threshold).sum()) + 1
    return fcluster(tree, count, criterion="maxclust") - 1


def _centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    ids = sorted(set(labels.tolist()))
    centroids = np.stack([embeddings[labels == k].mean(axis=0) for k in ids])
    return centroids / np.linalg.norm(centroids, axis=1, keepdims=True)


def _fold_small(embeddings: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Fold clusters with < MIN_SPEAKER_SHARE of the speech time into the nearest big one; keep <= MAX_SPEAKERS.

    Shares are by speech time, not window count: a reporter's short questions get
    one window each while a long answer gets one every 0.4 s.
    """
    share = np.bincount(labels, weights=weights) / max(1e-9, weights.sum())
    order = np.argsort(-share)
    keep = [k for k in order[:MAX_SPEAKERS] if share[k] >= MIN_SPEAKER_SHARE] or [order[0]]
    centroids = np.stack([embeddings[labels == k].mean(axis=0) for k in keep])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    return np.argmax(embeddings @ centroids.T, axis=1)


def _time_weights(spans: list[tuple[int, int]]) -> np.ndarray:
    """Speech time each window stands for: its span, less the overlap with the previous window."""
    weights = np.zeros(len(spans))
    for i, (a, b) in enumerate(spans):
        previous_end = spans[i - 1][1] if i and spans[i - 1][1] > a else a
        weights[i] = max(1, b - max(a, previous_end))
    return weights


def _smooth(labels: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """Majority vote over neighbouring windows of the same speech region."""
    out = labels.copy()
    half = SMOOTH_WINDOWS // 2
    for i in range(labels.size):
        lo, hi = i, i
        while lo > 0 and i - lo < half and spans[lo - 1][1] >= spans[lo][0]:
            lo -= 1
        while hi < labels.size - 1 and hi - i < half and spans[hi + 1][0] <= spans[hi][1]:
            hi += 1
        votes = np.bincount(labels[lo:hi + 1])
        if votes.max() > votes[labels[i]]:
            out[i] = int(np.argmax(votes))
    return out


def _frame_labels(spans, labels, regions, n_frames: int) -> np.ndarray:
    """Label every 10 ms speech frame from the window whose centre is nearest (-1 = no speech)."""
    frames = np.full(n_frames, -1, dtype=int)
    if not spans:
        return frames
    centres = np.array([(a + b) / 2 for a, b in spans])
    for a, b in regions:
        first, last = int(a / FRAME_S), min(int(b / FRAME_S), n_frames)
        if last <= first:
            continue
        idx = np.arange(first, last)
        nearest = np.abs(centres[None, :] - idx[:, None]).argmin(axis=1)
        frames[first:last] = labels[nearest]
    return frames


def _frames_to_turns(frames: np.ndarray, frame_s: float) -> list[Turn]:
    """Runs of equal labels as turns; short turns merged into their longer neighbour."""
    turns: list[Turn] = []
    for i, label in enumerate(frames.tolist()):
        if label < 0:
            continue
        start = i * frame_s
        if turns and turns[-1].speaker == label and start - turns[-1].end < 1.5 * frame_s + 1e-9:
            turns[-1].end = start + frame_s
        else:
            turns.append(Turn(start, start + frame_s, label))
    changed = True
    while changed and len(turns) > 1:
        changed = False
        for i, turn in enumerate(turns):
            if turn.end - turn.start >= MIN_TURN_S:
                continue
            prev, nxt = (turns[i - 1] if i else None), (turns[i + 1] if i + 1 < len(turns) else None)
            near = [t for t in (prev, nxt) if t is not None and min(abs(t.end - turn.start), abs(turn.end - t.start)) < 0.5]
            if not near:
                continue
            turn.speaker = max(near, key=lambda t: t.end - t.start).speaker
            changed = True
        merged: list[Turn] = []
        for turn in turns:
            if merged and merged[-1].speaker == turn.speaker and turn.start - merged[-1].end < 0.5:
                merged[-1].end = turn.end
            else:
                merged.append(Turn(turn.start, turn.end, turn.speaker))
        turns = merged
    return _renumber([Turn(round(t.start, 3), round(t.end, 3), t.speaker) for t in turns])


def _renumber(turns: list[Turn]) -> list[Turn]:
    order: dict[int, int] = {}
    for turn in turns:
        order.setdefault(turn.speaker, len(order))
        turn.speaker = order[turn.speaker]
    return turns


def voice_diarization(samples: np.ndarray, num_speakers: int | None = None,
                      threshold: float = CLUSTER_THRESHOLD, windows=None) -> Diarization:
    """Diarize mono 16 kHz samples by voice (`windows`: precomputed (regions, spans, embeddings))."""
    regions, spans, embeddings = windows or voice_windows(samples)
    if not spans:
        turns = [Turn(a, b, 0) for a, b in regions]
        return Diarization(turns=turns, speakers=1 if turns else 0)
    labels = _smooth(cluster_windows(embeddings, num_speakers, threshold, _time_weights(spans)), spans)
    frames = _frame_labels(spans, labels, regions, int(samples.size / SAMPLE_RATE / FRAME_S) + 1)
    turns = _frames_to_turns(frames, FRAME_S)
    first_seen: dict[int, int] = {}
    for label in frames[frames >= 0].tolist():
        first_seen.setdefault(label, len(first_seen))
    centroids = _centroids(embeddings, labels) if labels.size else np.zeros((0, 256))
    ids = sorted(set(labels.tolist()))
    ordered = sorted(ids, key=lambda k: first_seen.get(k, 99))
    cents = [centroids[ids.index(k)].tolist() for k in ordered if k in first_seen]
    return Diarization(turns=turns, speakers=len({t.speaker for t in turns}), method="voices", centroids=cents)


def diarize(path, num_speakers: int | None = None) -> Diarization:
    """Who spoke when in an audio/video file: by channel when stereo with a voice per side, else by voice."""
    channels = load_channels(path)
    if channels.shape[1] == 0:
        return Diarization(method="none")
    by_channel = channel_turns(channels)
    if by_channel is not None:
        return Diarization(turns=by_channel, speakers=len({t.speaker for t in by_channel}), method="channels")
    return voice_diarization(channels.mean(axis=0), num_speakers)


def voice_embedding(path) -> list[float]:
    """One L2-normalised voice embedding for an enrolment sample (e.g. a reporter's consented recording)."""
    samples = load_channels(path).mean(axis=0)
    spans, embeddings = window_embeddings(samples, speech_regions(samples))
    if not spans:
        raise ValueError("The sample has no speech long enough to learn a voice from.")
    mean = embeddings.mean(axis=0)
    return (mean / np.linalg.norm(mean)).round(6).tolist()


def match_enrolled(diarization: Diarization, enrolled: Sequence[float], min_similarity: float = 0.6) -> int | None:
    """The speaker index whose voice is the enrolled one (cosine >= min_similarity), or None."""
    if not diarization.centroids or not enrolled:
        return None
    sims = np.array(diarization.centroids) @ np.asarray(enrolled, dtype=np.float32)
    best = int(np.argmax(sims))
    return best if sims[best] >= min_similarity else None
