"""One batch of explore or decode requests through a model: a jitted call per batch, then the answers.

Runs where the model is (the interactive worker process, or the interactive executor when there is no
worker): items from many sockets go through `Inference.explore_batch` / `decode_batch` together, padded
to a few fixed sizes, and come back as one `frames.Answer` each, with only the layers and the SSIM that
item asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aevp.ml.inference import Inference
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


def explore(inf: Inference, items: Sequence[ExploreItem]) -> list[frames.Answer]:
    clean = np.stack([np.asarray(it.image, np.float32) for it in items])
    seen = clean.copy()
    for i, it in enumerate(items):
        if it.corruption is not None:  # rare (the denoising view): one call per corrupted image
            kind, level, seed = it.corruption
            seen[i] = inf.corrupt(clean[i : i + 1], kind, level, seed)[0]
    want_ssim = any(it.ssim for it in items)
    out, ssim = inf.explore_batch(seen, clean, ssim=want_ssim)
    mse = np.mean((out.reconstruction.astype(np.float64) - clean) ** 2, axis=(1, 2))
    sigma = out.latent_sigma
    layers = frames.batch_layers(inf.spec.layers(), out.activations, [it.layers for it in items])
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
            "ssim": float(ssim[i]) if it.ssim and ssim is not None else None,
        }
        answers.append(frames.Answer("explore_result", arrays, layers[i], scalars))
    return answers


def decode(inf: Inference, items: Sequence[DecodeItem]) -> list[frames.Answer]:
    z = np.stack([np.asarray(it.latent, np.float32) for it in items])
    recon, acts = inf.decode_batch(z)
    layers = frames.batch_layers(inf.spec.layers(), acts, [it.layers for it in items])
    return [
        frames.Answer("decode_result", {"reconstruction": recon[i].reshape(-1)}, layers[i])
        for i in range(len(items))
    ]
