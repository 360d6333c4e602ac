"""One batch of explore or decode requests through a model: a jitted call per batch, then the answers.

Runs where the model is (the interactive worker process, or the interactive executor when there is no
worker): items from many sockets go through `Inference.explore_quantised` / `decode_quantised` together, padded
to a few fixed sizes, with every layer quantised inside that call (only bytes leave it), and come back
as one `frames.Answer` each, with only the layers and the SSIM that item asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aevp.ml.inference import Inference, QuantisedOutput
from aevp.service import frames


@dataclass(frozen=True)
class ExploreItem:
    image: np.ndarray  # (28, 28) float32 in 0..1
    corruption: tuple[str, float, int] | None = None  # (kind, level, seed)
    layers: frozenset[str] | None = None  # the heatmaps to send; None: all
    ssim: bool = True


@dataclass(frozen=True)
class DecodeItem:
    latent: np.ndarray  # (D,) float32
    layers: frozenset[str] | None = None


def _layers(inf: Inference, out: QuantisedOutput, i: int, shown: frozenset[str] | None) -> list[frames.Layer]:
    """Item `i`'s heatmaps, in layer-table order, for the layers it asked for (quantised in the model call)."""
    layers = []
    for row in inf.spec.layers():
        if row.name in out.layers and (shown is None or row.name in shown):
            lo, hi, q = out.layers[row.name]
            shape = out.shapes[row.name]
            layers.append(frames.Layer(row.name, row.part, row.kind, shape, lo[i], hi[i], q[i].tobytes()))
    return layers


def explore(inf: Inference, items: Sequence[ExploreItem]) -> list[frames.Answer]:
    clean = np.stack([np.asarray(it.image, np.float32) for it in items])
    seen = clean.copy()
    for i, it in enumerate(items):
        if it.corruption is not None:  # rare (the denoising view): one call per corrupted image
            kind, level, seed = it.corruption
            seen[i] = inf.corrupt(clean[i : i + 1], kind, level, seed)[0]
    out = inf.explore_quantised(seen, clean, ssim=any(it.ssim for it in items))
    assert out.latent is not None
    mse = np.mean((out.reconstruction.astype(np.float64) - clean) ** 2, axis=(1, 2))
    sigma = out.latent_sigma
    answers = []
    for i, it in enumerate(items):
        arrays = {"latent": out.latent[i], "reconstruction": out.reconstruction[i].reshape(-1)}
        if sigma is not None:
            arrays["latent_sigma"] = sigma[i]
        if it.corruption is not None:
            arrays["corrupted"] = seen[i].reshape(-1)
        m = float(mse[i])
        scalars = {
            "mse": m if np.isfinite(m) else None,
            "psnr": float(10 * np.log10(1.0 / m)) if np.isfinite(m) and m > 0 else None,  # 0: infinite, sent as null
            "ssim": float(out.ssim[i]) if it.ssim and out.ssim is not None else None,
        }
        answers.append(frames.Answer("explore_result", arrays, _layers(inf, out, i, it.layers), scalars))
    return answers


def decode(inf: Inference, items: Sequence[DecodeItem]) -> list[frames.Answer]:
    out = inf.decode_quantised(np.stack([np.asarray(it.latent, np.float32) for it in items]))
    recon = out.reconstruction.reshape(len(items), -1)
    return [
        frames.Answer("decode_result", {"reconstruction": recon[i]}, _layers(inf, out, i, it.layers))
        for i, it in enumerate(items)
    ]
