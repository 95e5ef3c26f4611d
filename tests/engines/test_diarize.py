"""Speaker diarization: turn alignment on constructed inputs, the real voice encoder on espeak-ng voices."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from engines import diarize as dz

RATE = 16000


def _voice(text: str, voice: str) -> np.ndarray:
    raw = subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "--stdout", text], check=True, capture_output=True).stdout
    pcm = subprocess.run(["sox", "-q", "-R", "-t", "wav", "-", "-r", str(RATE), "-b", "16", "-c", "1", "-t", "raw", "-"],
                         input=raw, check=True, capture_output=True).stdout
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0


def _write(path, channels: np.ndarray) -> None:
    data = (np.clip(channels.T, -1, 1) * 32767).astype(np.int16).tobytes()
    subprocess.run(["sox", "-q", "-R", "-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", str(channels.shape[0]),
                    "-", str(path)], input=data, check=True)


def _interview():
    """Reporter (en-gb) and storyteller (en-us+f3) alternating; returns (audio, [(start, end, who)])."""
    lines = [(0, "Can you tell me about your first appointment?"),
             (1, "I waited for an hour and nobody told me why. Then my officer came out and said sorry."),
             (0, "What helped you most after that?"),
             (1, "Having the same case manager every week. She knew my story and I did not have to repeat it.")]
    pieces, ref, t = [np.zeros(RATE // 2, np.float32)], [], 0.5
    for who, text in lines:
        clip = _voice(text, "en-gb" if who == 0 else "en-us+f3")
        ref.append((t, t + clip.size / RATE, who))
        pieces += [clip, np.zeros(int(0.6 * RATE), np.float32)]
        t += clip.size / RATE + 0.6
    return np.concatenate(pieces), ref


def test_words_take_the_speaker_covering_them_and_segments_split_at_a_change():
    turns = [dz.Turn(0.0, 2.0, 0), dz.Turn(2.2, 5.0, 1)]
    segment = {"start": 0.0, "end": 4.0, "text": "how are you fine thanks", "avg_logprob": -0.2, "flags": [],
               "words": [{"start": 0.1, "end": 0.5, "text": "how"}, {"start": 0.6, "end": 0.9, "text": "are"},
                         {"start": 1.0, "end": 1.9, "text": "you"}, {"start": 2.3, "end": 2.8, "text": "fine"},
                         {"start": 2.9, "end": 3.5, "text": "thanks"}]}
    out = dz.assign_speakers([segment], turns)
    assert [(s["speaker_index"], s["text"]) for s in out] == [(0, "how are you"), (1, "fine thanks")]
    assert out[0]["start"] == 0.0 and out[1]["start"] == 2.3 and out[1]["end"] == 4.0
    assert out[1]["avg_logprob"] == -0.2


def test_a_word_in_a_gap_takes_the_nearest_turn_and_no_turns_means_no_speaker():
    turns = [dz.Turn(0.0, 1.0, 0), dz.Turn(5.0, 6.0, 1)]
    assert dz.speaker_at(4.2, 4.5, turns) == 1
    assert dz.speaker_at(1.1, 1.3, turns) == 0
    assert dz.speaker_at(1.0, 2.0, []) is None


def test_short_flickers_are_merged_into_the_surrounding_turn():
    frames = np.array([0] * 300 + [1] * 20 + [0] * 300 + [-1] * 50 + [1] * 200)
    turns = dz._frames_to_turns(frames, 0.01)
    assert [(t.speaker, round(t.start, 2), round(t.end, 2)) for t in turns] == [(0, 0.0, 6.2), (1, 6.7, 8.7)]


def test_silence_has_no_speech_regions():
    assert dz.speech_regions(np.zeros(RATE * 2, np.float32)) == []


def test_stereo_with_a_voice_per_channel_is_split_by_channel(tmp_path):
    audio, ref = _interview()
    left, right = np.zeros_like(audio), np.zeros_like(audio)
    for start, end, who in ref:
        a, b = int(start * RATE), int(end * RATE)
        (left if who == 0 else right)[a:b] = audio[a:b]
        (right if who == 0 else left)[a:b] = audio[a:b] * 0.05  # a little bleed into the other microphone
    path = tmp_path / "two-mics.wav"
    _write(path, np.stack([left, right]))
    result = dz.diarize(path)
    assert result.method == "channels"
    assert [t.speaker for t in result.turns] == [0, 1, 0, 1]
    for turn, (start, end, _who) in zip(result.turns, ref):
        # espeak-ng ends each clip with ~0.3 s of silence, which the reference (clip bounds) includes
        assert abs(turn.start - start) < 0.3 and -0.5 < turn.end - end < 0.1


@pytest.mark.slow
def test_two_espeak_voices_are_told_apart_by_voice(tmp_path):
    audio, ref = _interview()
    path = tmp_path / "interview.wav"
    _write(path, audio[None, :])
    result = dz.diarize(path)
    assert result.method == "voices" and result.speakers == 2
    for start, end, who in ref:
        assert dz.speaker_at(start, end, result.turns) == who  # first voice heard is speaker 0


@pytest.mark.slow
def test_an_enrolled_voice_is_recognised_among_the_speakers(tmp_path):
    audio, _ref = _interview()
    path = tmp_path / "interview.wav"
    _write(path, audio[None, :])
    sample = tmp_path / "reporter-sample.wav"
    _write(sample, _voice("Hello, my name is Sam and I am a community reporter. I record stories with people.",
                          "en-gb")[None, :])
    result = dz.diarize(path)
    assert dz.match_enrolled(result, dz.voice_embedding(sample)) == 0
    other = tmp_path / "someone-else.wav"
    _write(other, _voice("This is a different person speaking, with another voice altogether.", "en-029+m2")[None, :])
    assert dz.match_enrolled(result, dz.voice_embedding(other), min_similarity=0.9) is None
