"""The numpy voice encoder gives resemblyzer's numbers, and a heavy job's diarization loads no torch.

resemblyzer (torch, librosa) is imported here only as the reference to compare with.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engines import diarize as dz
from engines.diarization import voice_encoder as ve

REPO = Path(__file__).resolve().parents[2]
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
HEAVY = ("torch", "librosa", "numba", "sklearn", "resemblyzer")


def _reader() -> np.ndarray:
    """Real speech: two LibriVox clips of pocketsphinx-testdata's reader, 16 kHz mono."""
    clips = [dz.load_channels(LIBRIVOX / f"sense_and_sensibility_01_austen_64kb-{n}.wav").mean(axis=0)
             for n in ("0870", "0880")]
    return np.concatenate(clips)


@pytest.mark.slow
def test_the_mel_spectrogram_is_librosas():
    from resemblyzer.audio import wav_to_mel_spectrogram

    wav = ve.normalize_volume(_reader(), -30)
    ours, theirs = ve.mel_frames(wav), wav_to_mel_spectrogram(wav)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 1e-3 * np.abs(theirs).max()


@pytest.mark.slow
def test_the_checkpoint_is_read_as_torch_reads_it():
    import torch

    reference = torch.load(ve.checkpoint_path(), map_location="cpu")["model_state"]
    ours = ve.load_weights()
    assert set(ours) == set(reference)
    for name, tensor in reference.items():
        assert np.array_equal(ours[name], tensor.numpy()), name


@pytest.mark.slow
def test_embeddings_equal_resemblyzers_on_real_speech():
    import torch
    from resemblyzer import VoiceEncoder

    mel = ve.mel_frames(ve.normalize_volume(_reader(), -30))
    windows = np.stack([mel[s:s + 160] for s in range(0, mel.shape[0] - 160, 40)])
    with torch.no_grad():
        theirs = VoiceEncoder("cpu", verbose=False)(torch.from_numpy(windows)).numpy()
    ours = ve.VoiceEncoder().embed(windows)
    assert windows.shape[0] >= 10
    assert np.einsum("ij,ij->i", ours, theirs).min() > 0.999
    short = windows[:3, :70]  # a short speech region gets a window of its own length
    with torch.no_grad():
        assert np.einsum("ij,ij->i", ve.VoiceEncoder().embed(short),
                         VoiceEncoder("cpu", verbose=False)(torch.from_numpy(np.ascontiguousarray(short))).numpy()).min() > 0.999


def test_clustering_gives_sklearns_labels():
    from sklearn.cluster import AgglomerativeClustering

    rng = np.random.default_rng(7)
    centres = rng.normal(size=(3, 256))
    points = np.concatenate([c + rng.normal(scale=0.6, size=(40, 256)) for c in centres]).astype(np.float32)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    for kwargs, ours in (({"n_clusters": None, "distance_threshold": 0.34}, dz._agglomerate(points, None, 0.34)),
                         ({"n_clusters": 2}, dz._agglomerate(points, 2, 0.34))):
        theirs = AgglomerativeClustering(metric="cosine", linkage="average", **kwargs).fit_predict(points)
        pairs = set(zip(ours.tolist(), theirs.tolist()))
        assert len(pairs) == len(set(ours.tolist())) == len(set(theirs.tolist())), kwargs  # the same partition


@pytest.mark.slow
def test_diarizing_a_recording_imports_no_torch_librosa_numba_or_sklearn(tmp_path):
    wav = tmp_path / "reader.wav"
    subprocess.run(["sox", "-q", "-R", str(LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0870.wav"),
                    str(LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0880.wav"), str(wav)], check=True)
    code = ("import json, sys\nfrom engines.diarize import diarize, voice_embedding\n"
            f"result = diarize({str(wav)!r}); voice_embedding({str(wav)!r})\n"
            f"print(json.dumps([result.method, result.speakers, sorted(m for m in {HEAVY!r} if m in sys.modules)]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    method, speakers, loaded = json.loads(out.strip().splitlines()[-1])
    assert method == "voices" and speakers >= 1
    assert loaded == []


@pytest.mark.slow
def test_the_two_voice_interview_gets_the_same_turns_as_with_resemblyzer():
    import torch
    from resemblyzer import VoiceEncoder
    from resemblyzer.audio import wav_to_mel_spectrogram

    from tests.engines.test_diarize import _interview

    audio, _ref = _interview()
    regions, spans, ours = dz.voice_windows(audio)
    mel = wav_to_mel_spectrogram(ve.normalize_volume(audio.astype(np.float32), -30))
    encoder = VoiceEncoder("cpu", verbose=False)
    with torch.no_grad():
        theirs = np.concatenate([encoder(torch.from_numpy(np.ascontiguousarray(mel[a:b])[None])).numpy() for a, b in spans])
    assert np.einsum("ij,ij->i", ours, theirs).min() > 0.999
    with_ours = dz.voice_diarization(audio, windows=(regions, spans, ours))
    with_theirs = dz.voice_diarization(audio, windows=(regions, spans, theirs))
    assert with_ours.speakers == with_theirs.speakers == 2
    assert [(t.speaker, t.start, t.end) for t in with_ours.turns] == [(t.speaker, t.start, t.end) for t in with_theirs.turns]
