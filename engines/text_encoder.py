"""The bundled all-MiniLM-L6-v2 sentence encoder in numpy: no torch, transformers or sentence-transformers.

The same sums as sentence-transformers runs (BERT: 6 layers, 12 heads, 384 wide, exact GELU; mean of
the token vectors under the attention mask; L2 norm), with the weights read from the package's
`model.safetensors` and its WordPiece tokenizer from `tokenizer.json` (the `tokenizers` package).
Importing torch and transformers costs a worker process several seconds and ~400 MB before its first
sentence; this costs a fraction of a second. tests/engines/test_text_encoder.py holds it to
sentence-transformers' vectors.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

LAYERS, HEADS, EPS = 6, 12, 1e-12
MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length


def _layer_norm(x, weight, bias):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


def _dense(x, weight, bias):
    """x @ weight.T + bias over the last axis, as one 2-D matrix product (a quarter faster than numpy's 3-D one)."""
    return (x.reshape(-1, x.shape[-1]) @ weight.T + bias).reshape(*x.shape[:-1], weight.shape[0])


def _gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x * (1 / math.sqrt(2.0))))


class TextEncoder:
    """`encode(texts)` -> (n, 384) float32, rows L2-normalised, as SentenceTransformer.encode(normalize_embeddings=True)."""

    def __init__(self, folder: str | Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.w = load_file(str(folder / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.vocab = self.tokenizer.get_vocab()

    def _attention(self, x, mask, n: int):
        w, p = self.w, f"encoder.layer.{n}.attention."
        batch, length, width = x.shape
        head = width // HEADS

        def project(name):
            y = _dense(x, w[f"{p}self.{name}.weight"], w[f"{p}self.{name}.bias"])
            return y.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

        q, k, v = project("query"), project("key"), project("value")
        scores = q @ k.transpose(0, 1, 3, 2) * (1 / math.sqrt(head)) + mask
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        out = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
        out = _dense(out, w[f"{p}output.dense.weight"], w[f"{p}output.dense.bias"])
        return _layer_norm(out + x, w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"])

    def _feed_forward(self, x, n: int):
        w, p = self.w, f"encoder.layer.{n}."
        hidden = _gelu(_dense(x, w[f"{p}intermediate.dense.weight"], w[f"{p}intermediate.dense.bias"]))
        out = _dense(hidden, w[f"{p}output.dense.weight"], w[f"{p}output.dense.bias"])
        return _layer_norm(out + x, w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"])

    def _batch(self, ids: list[list[int]]) -> np.ndarray:
        w = self.w
        length = max(len(i) for i in ids)
        tokens = np.zeros((len(ids), length), dtype=np.int64)
        keep = np.zeros((len(ids), length), dtype=np.float32)
        for row, seq in enumerate(ids):
            tokens[row, :len(seq)], keep[row, :len(seq)] = seq, 1.0
        x = (w["embeddings.word_embeddings.weight"][tokens] + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        mask = ((1.0 - keep) * np.finfo(np.float32).min)[:, None, None, :]
        for n in range(LAYERS):
            x = self._feed_forward(self._attention(x, mask, n), n)
        pooled = (x * keep[..., None]).sum(1) / np.maximum(keep.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch_size: int = 8) -> np.ndarray:
        # Batches of 8 texts of similar length: less padding than batches of 32, as fast per token.
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = np.argsort([-len(i) for i in ids], kind="stable")
        out = np.zeros((len(ids), self.w["embeddings.word_embeddings.weight"].shape[1]), dtype=np.float32)
        for start in range(0, len(ids), batch_size):
            chosen = order[start:start + batch_size]
            out[chosen] = self._batch([ids[i] for i in chosen])
        return out
