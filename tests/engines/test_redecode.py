"""Repetition loops are decoded again (no conditioning on earlier text, temperature fallback) with the real tiny.en."""
from __future__ import annotations

import os
import subprocess

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from engines import transcribe as tx
from engines.transcription.redecode import REDECODED, redecode_loops

SENTENCE = "My case manager helped me find a flat near my daughter's school."


def _loop_segment(start, end):
    text = "vant " * 20
    words = [tx.Word(start + i * 0.1, start + i * 0.1 + 0.1, "vant", 0.3) for i in range(20)]
    return tx.flag_segment(tx.Segment(start, end, text.strip(), -0.4, 0.05, 4.5, words=words), None)


def test_segments_that_are_not_loops_are_left_alone_without_decoding():
    segment = tx.flag_segment(tx.Segment(0.0, 2.0, "an ordinary sentence", -0.2, 0.01, 1.2), None)
    assert redecode_loops(None, np.zeros(16000, np.float32), 0.0, [segment], None, "en", "transcribe", None) == [segment]


@pytest.mark.slow
def test_a_loop_over_real_speech_is_replaced_by_the_words_said(tmp_path):
    wav = tmp_path / "flat.wav"
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(wav), SENTENCE], check=True)
    samples = np.concatenate([chunk for _o, chunk in tx.pcm_windows(wav)])
    transcriber = tx.get_transcriber()
    offset = 12.0  # as if this were a later window of a long file
    loop = _loop_segment(offset, offset + samples.size / 16000)
    assert tx.REPETITION_LOOP in loop.flags
    fixed = redecode_loops(transcriber.whisper, samples, offset, [loop], None, "en", "transcribe", transcriber._convert)
    text = " ".join(s.text for s in fixed).lower()
    assert "vant" not in text and "case manager" in text and "school" in text
    assert all(REDECODED in s.flags and tx.REPETITION_LOOP not in s.flags for s in fixed)
    assert offset <= fixed[0].words[0].start < fixed[-1].words[-1].end <= loop.end + 0.5
