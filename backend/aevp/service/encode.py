"""Arrays in, wire models out: images, heatmaps as Tensor8, explore and decode results, training snapshots.

Pure functions of NumPy arrays; no I/O and no JAX.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from aevp.ml.spec import IMAGE_SIZE, LayerInfo
from aevp.service.schemas import ImageBatch, LayerActivation, SnapshotMessage, Tensor8


def image_array(values: Sequence[float] | Sequence[Sequence[float]]) -> np.ndarray:
    """A validated image (784 values or 28 rows) -> float32 (28, 28) in 0..1; 0..255 when any value is > 1."""
    image = np.asarray(values, dtype=np.float32).reshape(IMAGE_SIZE, IMAGE_SIZE)
    if image.max(initial=0.0) > 1.0:
        image = image / np.float32(255.0)
    return image


def image_batch(images: np.ndarray) -> ImageBatch:
    """(N, H, W) images in 0..1 -> one base64 string of N*H*W bytes (value x 255, rounded; NaN -> 0)."""
    a = np.nan_to_num(np.asarray(images, np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    q = (np.clip(a, 0.0, 1.0) * np.float32(255.0) + np.float32(0.5)).astype(np.uint8)
    n, h, w = q.shape
    return ImageBatch.model_construct(count=n, height=h, width=w, data=base64.b64encode(q.tobytes()).decode("ascii"))


def finite_list(a: np.ndarray) -> list[float | None]:
    """A float array as a JSON-safe list: NaN and infinities become None."""
    a = np.asarray(a, dtype=np.float64).ravel()
    if np.isfinite(a).all():
        return a.tolist()
    return [x if np.isfinite(x) else None for x in a.tolist()]


def tensor8(a: np.ndarray) -> Tensor8:
    """Quantise one image's activation to uint8 with a per-channel [lo, hi] range.

    (H, W, C) travels as shape [C, H, W], (H, W) as [1, H, W] and a vector (D,) as [1, 1, D]. The
    quantisation runs in the array's own (pixels, channels) layout; only the bytes are transposed.
    """
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 3:
        shape, flat = [a.shape[2], a.shape[0], a.shape[1]], a.reshape(-1, a.shape[2])
    elif a.ndim == 2:
        shape, flat = [1, a.shape[0], a.shape[1]], a.reshape(-1, 1)
    else:
        shape, flat = [1, 1, a.size], a.reshape(-1, 1)
    lo, hi = flat.min(axis=0), flat.max(axis=0)
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):  # a diverged model: show zeros, not garbage
        flat = np.nan_to_num(flat, nan=0.0, posinf=0.0, neginf=0.0)
        lo, hi = flat.min(axis=0), flat.max(axis=0)
    span = hi - lo
    scale = np.divide(np.float32(255.0), span, out=np.zeros_like(span), where=span > 0)
    q = ((flat - lo) * scale + np.float32(0.5)).astype(np.uint8)  # round half up; always in 0..255
    return Tensor8.model_construct(
        shape=shape,
        lo=lo.astype(np.float64).tolist(),
        hi=hi.astype(np.float64).tolist(),
        data=base64.b64encode(np.ascontiguousarray(q.T).tobytes()).decode("ascii"),
    )


def layer_activations(
    layers: Sequence[LayerInfo], activations: Mapping[str, np.ndarray], index: int = 0
) -> list[LayerActivation]:
    """Heatmaps of one image for every layer of the table except the latent, in table order."""
    out = []
    for layer in layers:
        if layer.name == "latent" or layer.name not in activations:
            continue
        tensor = tensor8(activations[layer.name][index])
        out.append(LayerActivation.model_construct(name=layer.name, part=layer.part, kind=layer.kind, tensor=tensor))
    return out


def reconstruction_error(image: np.ndarray, reconstruction: np.ndarray) -> tuple[float | None, float | None]:
    """(MSE, PSNR in dB) of one reconstruction; None where not finite. A perfect reconstruction has an
    infinite PSNR, which JSON cannot carry: it is sent as None with an MSE of 0 (the lab shows "∞")."""
    mse = float(np.mean((np.asarray(reconstruction, np.float64) - image) ** 2))
    if not np.isfinite(mse):
        return None, None
    psnr = float(10 * np.log10(1.0 / mse)) if mse > 0 else None
    return mse, psnr


def explore_result(
    layers: Sequence[LayerInfo],
    image: np.ndarray,
    latent: np.ndarray,
    reconstruction: np.ndarray,
    activations: Mapping[str, np.ndarray],
    index: int = 0,
    ssim: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The fields of an ExploreResult (or ExploreResultMessage, with `extra`) for image `index` of a batch;
    `ssim` is computed by the caller (it needs JAX, which this module does not import)."""
    recon = np.asarray(reconstruction[index])
    mse, psnr = reconstruction_error(image, recon)
    return dict(
        latent=finite_list(latent[index]),
        reconstruction=finite_list(recon),
        activations=layer_activations(layers, activations, index),
        mse=mse,
        psnr=psnr,
        ssim=ssim if ssim is not None and np.isfinite(ssim) else None,
        latent_sigma=latent_sigma(activations, index),
        **extra,
    )


def latent_sigma(activations: Mapping[str, np.ndarray], index: int = 0) -> list[float | None] | None:
    """A VAE's standard deviation per latent dimension, from its 'latent_logvar' activation; else None."""
    logvar = activations.get("latent_logvar")
    return None if logvar is None else finite_list(np.exp(0.5 * np.asarray(logvar[index], np.float64)))


def decode_result(
    layers: Sequence[LayerInfo],
    reconstruction: np.ndarray,
    activations: Mapping[str, np.ndarray],
    index: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """The fields of a DecodeResult (or DecodeResultMessage, with `extra`) for latent `index` of a batch:
    the reconstruction and the heatmaps of the layers in `activations` (the decoder's)."""
    return dict(
        reconstruction=finite_list(reconstruction[index]),
        activations=layer_activations(layers, activations, index),
        **extra,
    )


def snapshot_message(
    layers: Sequence[LayerInfo],
    step: int,
    inputs: np.ndarray,
    reconstructions: np.ndarray,
    activations: Mapping[str, np.ndarray],
) -> SnapshotMessage:
    """A training snapshot: every probe image and its reconstruction, and probe 0's activations."""
    return SnapshotMessage.model_construct(
        step=int(step),
        inputs=[tensor8(x) for x in inputs],
        reconstructions=[tensor8(x) for x in reconstructions],
        activations=layer_activations(layers, activations, 0),
    )
