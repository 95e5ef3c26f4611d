"""resemblyzer's GE2E voice encoder in numpy: the same weights and the same numbers, without torch.

    from engines.diarization.voice_encoder import VoiceEncoder, mel_frames, normalize_volume
    encoder = VoiceEncoder()                     # reads resemblyzer's pretrained.pt (no torch)
    embeddings = encoder.embed(np.stack(mels))   # (windows, frames, 40) -> (windows, 256), L2-normalised

resemblyzer's own VoiceEncoder is a 3-layer LSTM (40 -> 256) with a Linear(256 -> 256),
ReLU and L2 norm on the last hidden state, over 40-channel mel frames from
librosa.feature.melspectrogram. Using it costs a worker process `import torch`
and librosa's feature module (scipy.signal, numba compiles) on its first story,
several seconds that bare Whisper does not pay. Here the mel spectrogram (a
Hann-windowed STFT and Slaney mel filters, as librosa computes them) and the
LSTM forward pass are numpy, batched over windows, and the weights are read
straight from the checkpoint in the resemblyzer wheel: that file is a legacy
(pre-zip) torch pickle, unpickled here with only the three names it uses allowed.
tests/engines/test_voice_encoder.py checks the embeddings against resemblyzer's.
"""
from __future__ import annotations

import pickle
import struct
from collections import OrderedDict
from importlib.util import find_spec
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
N_FFT = SAMPLE_RATE * 25 // 1000  # resemblyzer.hparams: 25 ms window
HOP = SAMPLE_RATE * 10 // 1000  # 10 ms step
N_MELS = 40
LAYERS = 3
INT16_MAX = 2 ** 15 - 1


# --- audio -----------------------------------------------------------------------------

def normalize_volume(wav: np.ndarray, target_dbfs: float) -> np.ndarray:
    """The waveform scaled to target_dbfs RMS (resemblyzer.audio.normalize_volume, both directions)."""
    rms = np.sqrt(np.mean((wav * INT16_MAX) ** 2))
    change = target_dbfs - 20 * np.log10(rms / INT16_MAX)
    return wav * (10 ** (change / 20))


def _hz_to_mel(hz):
    """Slaney's mel scale (librosa's default, htk=False): linear below 1 kHz, logarithmic above."""
    hz = np.asanyarray(hz, dtype=np.float64)
    step, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    mels = hz / step
    return np.where(hz >= min_log_hz, min_log_hz / step + np.log(np.maximum(hz, 1e-10) / min_log_hz) / logstep, mels)


def _mel_to_hz(mels):
    mels = np.asanyarray(mels, dtype=np.float64)
    step, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / step
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), step * mels)


def mel_filters(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """(n_mels, 1 + n_fft // 2) triangular filters, Slaney area-normalised (librosa.filters.mel defaults)."""
    fft_hz = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_hz = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sr / 2), n_mels + 2))
    ramps = mel_hz[:, None] - fft_hz[None, :]
    widths = np.diff(mel_hz)
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2:n_mels + 2] - mel_hz[:n_mels]))[:, None]
    return weights.astype(np.float32)


def mel_frames(wav: np.ndarray) -> np.ndarray:
    """(frames, 40) power mel spectrogram as resemblyzer.audio.wav_to_mel_spectrogram gives it.

    librosa's STFT: periodic Hann window of N_FFT, centred frames (zero padding of
    N_FFT // 2 each side), power 2; then the Slaney mel filters.
    """
    wav = np.asarray(wav, dtype=np.float32)
    padded = np.pad(wav, N_FFT // 2, mode="constant")
    n_frames = 1 + (padded.size - N_FFT) // HOP
    if n_frames <= 0:
        return np.zeros((0, N_MELS), dtype=np.float32)
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    frames = np.lib.stride_tricks.as_strided(padded, shape=(n_frames, N_FFT),
                                             strides=(padded.strides[0] * HOP, padded.strides[0]))
    spectrum = np.fft.rfft(frames * window, axis=1)
    power = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32)
    return power @ _filters().T


_FILTERS: list[np.ndarray] = []


def _filters() -> np.ndarray:
    if not _FILTERS:
        _FILTERS.append(mel_filters())
    return _FILTERS[0]


# --- weights -----------------------------------------------------------------------------

def checkpoint_path() -> Path:
    """pretrained.pt inside the installed resemblyzer package (found without importing it: it imports torch)."""
    spec = find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("resemblyzer is not installed: its voice encoder weights ship in that package.")
    return Path(list(spec.submodule_search_locations)[0]) / "pretrained.pt"


_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64}


class _Storage:
    def __init__(self, dtype, key: str):
        self.dtype, self.key, self.data = dtype, key, None


def _rebuild_tensor(storage: _Storage, offset: int, size, stride, *_):
    return ("tensor", storage, offset, tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    """Unpickles a legacy torch checkpoint's state dict, allowing only the names such a file uses."""

    def __init__(self, file, storages: dict):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return _DTYPES[name]
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in the voice encoder checkpoint")

    def persistent_load(self, pid):
        _, dtype, key, _location, _size = pid[:5]
        return self.storages.setdefault(key, _Storage(dtype, key))


def load_weights(path: Path | None = None) -> dict[str, np.ndarray]:
    """{name: array} from a legacy torch checkpoint's "model_state", read without torch.

    The legacy format is: pickled magic number, protocol version, system info, the
    object (tensors refer to storages by key), the list of storage keys, then each
    storage's raw little-endian data preceded by its element count (int64).
    """
    storages: dict[str, _Storage] = {}
    with open(path or checkpoint_path(), "rb") as f:
        for _ in range(3):
            pickle.load(f)
        state = _Unpickler(f, storages).load()["model_state"]
        for key in pickle.load(f):
            count = struct.unpack("<q", f.read(8))[0]
            storage = storages[key]
            storage.data = np.frombuffer(f.read(count * np.dtype(storage.dtype).itemsize), dtype=storage.dtype)
    out = {}
    for name, (_, storage, offset, size, stride) in state.items():
        item = storage.data.itemsize
        out[name] = np.lib.stride_tricks.as_strided(storage.data[offset:], shape=size,
                                                    strides=[s * item for s in stride]).copy()
    return out


# --- the network ---------------------------------------------------------------------------

class VoiceEncoder:
    """resemblyzer.VoiceEncoder's forward pass: mel windows (batch, frames, 40) -> (batch, 256).

    Each layer's input, forget and output gate rows are pre-scaled by 1/2 so one tanh
    over all four gates gives them all: sigmoid(x) = (1 + tanh(x / 2)) / 2.
    """

    def __init__(self, weights: dict[str, np.ndarray] | None = None):
        w = weights or load_weights()
        self.layers = [self._layer(w, k) for k in range(LAYERS)]
        self.linear = (w["linear.weight"].T.copy(), w["linear.bias"].copy())

    @staticmethod
    def _layer(w: dict[str, np.ndarray], k: int):
        hidden = w[f"lstm.weight_hh_l{k}"].shape[1]
        scale = np.full(4 * hidden, 0.5, dtype=np.float32)
        scale[2 * hidden:3 * hidden] = 1.0  # the cell candidate is a plain tanh
        return ((w[f"lstm.weight_ih_l{k}"] * scale[:, None]).T.copy(), (w[f"lstm.weight_hh_l{k}"] * scale[:, None]).T.copy(),
                (w[f"lstm.bias_ih_l{k}"] + w[f"lstm.bias_hh_l{k}"]) * scale)

    def embed(self, mels: np.ndarray) -> np.ndarray:
        """L2-normalised embeddings of equal-length mel windows (BLAS on one thread: one core per worker)."""
        from threadpoolctl import threadpool_limits

        x = np.asarray(mels, dtype=np.float32)
        with threadpool_limits(1, user_api="blas"):
            for w_ih, w_hh, bias in self.layers:
                x = self._lstm_layer(x, w_ih, w_hh, bias, last_only=w_ih is self.layers[-1][0])
            raw = np.maximum(0, x @ self.linear[0] + self.linear[1])
        return raw / np.linalg.norm(raw, axis=1, keepdims=True)

    @staticmethod
    def _lstm_layer(x, w_ih, w_hh, bias, last_only: bool = False) -> np.ndarray:
        """One LSTM layer over (batch, time, in), PyTorch's gate order (input, forget, cell, output).

        Returns the hidden states (batch, time, hidden), or only the last one (batch, hidden).
        """
        batch, steps, _ = x.shape
        hidden = w_hh.shape[0]
        inputs = (x.reshape(batch * steps, -1) @ w_ih + bias).reshape(batch, steps, 4 * hidden)
        h = np.zeros((batch, hidden), dtype=np.float32)
        c = np.zeros((batch, hidden), dtype=np.float32)
        out = None if last_only else np.empty((batch, steps, hidden), dtype=np.float32)
        gates = np.empty((batch, 4 * hidden), dtype=np.float32)
        for t in range(steps):
            np.matmul(h, w_hh, out=gates)
            gates += inputs[:, t]
            np.tanh(gates, out=gates)
            i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
            for gate in (i, f, o):
                gate *= 0.5
                gate += 0.5
            c *= f
            c += i * g
            h = o * np.tanh(c)
            if out is not None:
                out[:, t] = h
        return h if out is None else out
