"""A trained model ready to answer: explore an image, encode a batch, decode latents (with or without
the decoder's activations).

Interactive calls run on the CPU even when a GPU is present: for one image the CPU answers in
about 0.5 ms and a GPU in about 3 ms (transfers dominate; docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from aevp.ml import steps
from aevp.ml.metrics import ssim_batch
from aevp.ml.spec import ModelSpec

# Encoding the 10,000 test images (latent maps and statistics) in chunks of 250 takes 0.67 s on 2 cores,
# in chunks of 1,000 1.05-1.17 s: the smaller chunk's activations stay in cache (`make bench` prints it).
ENCODE_CHUNK = 250
DECODE_BUCKET_MAX = 256
# The batch sizes interactive calls are padded to, so that a batch of any size compiles nothing new: the
# service's batcher groups requests from many sockets into these (`make bench` prints the cost per image).
BATCH_SIZES = (1, 8, 32)
_corrupt_jit = jax.jit(steps.corrupt_images, static_argnums=0)


def bucket(n: int) -> int:
    """The padded batch size for `n` items (n <= BATCH_SIZES[-1])."""
    return next(b for b in BATCH_SIZES if b >= n)


def _pad(a: np.ndarray, size: int) -> np.ndarray:
    return a if a.shape[0] == size else np.concatenate([a, np.zeros((size - a.shape[0], *a.shape[1:]), a.dtype)])


@dataclass(frozen=True)
class ExploreOutput:
    latent: np.ndarray  # (N, D)
    reconstruction: np.ndarray  # (N, 28, 28) in [0, 1]
    activations: dict[str, np.ndarray]  # layer-table order, latent included; (N, H, W, C) or (N, D)
    latent_logvar: np.ndarray | None = None  # (N, D) for a VAE (whose `latent` is the mean), else None

    @property
    def latent_sigma(self) -> np.ndarray | None:
        """A VAE's standard deviation per latent dimension, exp(logvar / 2)."""
        return None if self.latent_logvar is None else np.exp(0.5 * self.latent_logvar)


_EXPLORE_SSIM: dict[int, Any] = {}


def _explore_ssim_of(fns: steps.InferenceFunctions) -> Any:
    """Explore and the reconstructions' SSIM in one jitted call (one dispatch per batch instead of two),
    one per architecture (`fns` is cached per architecture)."""
    if id(fns) not in _EXPLORE_SSIM:
        def explore_ssim(params, images, clean):  # noqa: ANN001, ANN202
            latent, recon, acts = fns.explore(params, images)
            return latent, recon, acts, ssim_batch(recon, clean)

        _EXPLORE_SSIM[id(fns)] = jax.jit(explore_ssim)
    return _EXPLORE_SSIM[id(fns)]


def _as_images(images: np.ndarray) -> np.ndarray:
    arr = np.asarray(images, np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (28, 28):
        raise ValueError(f"images must have shape (N, 28, 28), got {arr.shape}")
    return arr


class Inference:
    """Compiled functions of one model's weights; safe to call from several threads."""

    def __init__(self, spec: ModelSpec, params: dict[str, np.ndarray]):
        self.spec = spec
        self.device = jax.devices("cpu")[0]
        self._fns = steps.inference_functions(spec)
        self._explore_ssim = _explore_ssim_of(self._fns)
        self._params = jax.device_put(steps.unflatten_params(spec, params), self.device)
        self._order = [row.name for row in spec.layers()]
        self._decoder_order = [row.name for row in spec.layers() if row.part == "decoder"]

    def warm(self, batch_sizes: tuple[int, ...] = (1,)) -> None:
        """Compile for single images and for encode chunks, so the first real request is fast; the
        batched interactive calls for `batch_sizes` too."""
        for n in batch_sizes:
            z = np.zeros((n, 28, 28), np.float32)
            self.explore_batch(z, z, ssim=True)
            self.explore_batch(z, z, ssim=False)
            self.decode_batch(np.zeros((n, self.spec.latent_dim), np.float32))
        self.explore(np.zeros((1, 28, 28), np.float32))
        self.encode(np.zeros((ENCODE_CHUNK, 28, 28), np.float32))  # the test set's codes: maps, statistics
        self.decode(np.zeros((1, self.spec.latent_dim), np.float32))
        self.decode_explore(np.zeros((1, self.spec.latent_dim), np.float32))
        if self.spec.variant == "denoising":  # the lab's noise control: its first use should not compile
            for kind in ("gaussian", "mask"):
                self.corrupt(np.zeros((1, 28, 28), np.float32), kind, 0.1)

    def explore(self, images: np.ndarray) -> ExploreOutput:
        x = jax.device_put(_as_images(images), self.device)
        latent, recon, acts = jax.device_get(self._fns.explore(self._params, x))
        logvar = acts.get("latent_logvar")
        return ExploreOutput(np.asarray(latent), np.asarray(recon),
                             {name: np.asarray(acts[name]) for name in self._order},
                             None if logvar is None else np.asarray(logvar))

    def explore_batch(
        self, images: np.ndarray, clean: np.ndarray, *, ssim: bool
    ) -> tuple[ExploreOutput, np.ndarray | None]:
        """Explore (N, 28, 28) images in one call per BATCH_SIZES bucket (padded: nothing recompiles), with
        each reconstruction's SSIM against `clean` (the uncorrupted inputs) computed in the same call."""
        x, c = _as_images(images), _as_images(clean)
        parts, ssims = [], []
        top = BATCH_SIZES[-1]
        for i in range(0, x.shape[0], top):
            n = min(top, x.shape[0] - i)
            size = bucket(n)
            xs = jax.device_put(_pad(x[i : i + n], size), self.device)
            if ssim:
                cs = jax.device_put(_pad(c[i : i + n], size), self.device)
                latent, recon, acts, s = jax.device_get(self._explore_ssim(self._params, xs, cs))
                ssims.append(np.asarray(s)[:n])
            else:
                latent, recon, acts = jax.device_get(self._fns.explore(self._params, xs))
            names = [*self._order, *(["latent_logvar"] if "latent_logvar" in acts else [])]
            parts.append((np.asarray(latent)[:n], np.asarray(recon)[:n], {k: np.asarray(acts[k])[:n] for k in names}))
        joined = {k: np.concatenate([p[2][k] for p in parts]) for k in parts[0][2]}
        logvar = joined.get("latent_logvar")
        out = ExploreOutput(
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            {k: joined[k] for k in self._order},
            logvar,
        )
        return out, (np.concatenate(ssims) if ssim else None)

    def decode_batch(self, latents: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """`decode_explore` of (N, D) latents, padded to BATCH_SIZES buckets (nothing recompiles)."""
        z = np.asarray(latents, np.float32).reshape(-1, self.spec.latent_dim)
        recons, acts_list = [], []
        top = BATCH_SIZES[-1]
        for i in range(0, z.shape[0], top):
            n = min(top, z.shape[0] - i)
            recon, acts = self.decode_explore(_pad(z[i : i + n], bucket(n)))
            recons.append(recon[:n])
            acts_list.append({k: v[:n] for k, v in acts.items()})
        return np.concatenate(recons), {k: np.concatenate([a[k] for a in acts_list]) for k in self._decoder_order}

    def _as_latents(self, latents: np.ndarray) -> jax.Array:
        z = np.asarray(latents, np.float32)
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.spec.latent_dim:
            raise ValueError(f"latents must have shape (N, {self.spec.latent_dim}), got {z.shape}")
        return jax.device_put(z, self.device)

    def decode(self, latents: np.ndarray) -> np.ndarray:
        """(N, D) latents -> (N, 28, 28) reconstructions in [0, 1].

        Batches are padded to a power of two (at most 8 compilations up to 256) so that strips and grids of
        every size do not each compile the decoder (~0.4 s apiece)."""
        z = np.asarray(latents, np.float32)
        n = 1 if z.ndim == 1 else z.shape[0]
        size = 1 << max(n - 1, 0).bit_length()
        if z.ndim == 2 and 1 < n < size <= DECODE_BUCKET_MAX:
            z = np.concatenate([z, np.zeros((size - n, z.shape[1]), np.float32)])
        return np.asarray(self._fns.decode(self._params, self._as_latents(z)))[:n]

    def decode_explore(self, latents: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(N, D) latents -> (reconstructions (N, 28, 28), every decoder layer's activation in
        layer-table order: (N, H, W, C) or (N, D))."""
        recon, acts = jax.device_get(self._fns.decode_explore(self._params, self._as_latents(latents)))
        return np.asarray(recon), {name: np.asarray(acts[name]) for name in self._decoder_order}

    def corrupt(self, images: np.ndarray, kind: str, level: float, seed: int = 0) -> np.ndarray:
        """(N, 28, 28) images in [0, 1] corrupted as a denoising model's training inputs are (same function),
        reproducibly for a seed."""
        x = jax.device_put(_as_images(images), self.device)
        key = jax.device_put(jax.random.key(seed), self.device)
        return np.asarray(_corrupt_jit(kind, np.float32(level), x, key))

    def denoising_metrics(
        self, images: np.ndarray, kind: str, level: float, seed: int = 0
    ) -> dict[str, float]:
        """Mean PSNR/SSIM against the clean (N, 28, 28) images of the corrupted inputs and of the model's
        reconstructions of them: how much of the corruption the model removes."""
        from aevp.ml.metrics import image_metrics

        x = _as_images(images)
        sums = np.zeros(4)
        for i in range(0, x.shape[0], ENCODE_CHUNK):
            clean = x[i : i + ENCODE_CHUNK]
            noisy = self.corrupt(clean, kind, level, seed + i)
            recon = self.decode(self.encode(noisy))
            for j, seen in enumerate((noisy, recon)):
                psnr, ssim = image_metrics(jax.numpy.asarray(seen), jax.numpy.asarray(clean))
                sums[2 * j : 2 * j + 2] += float(psnr.sum()), float(ssim.sum())
        n = max(x.shape[0], 1)
        return dict(zip(("input_psnr", "input_ssim", "psnr", "ssim"), (sums / n).tolist(), strict=True))

    def encode(self, images: np.ndarray) -> np.ndarray:
        """Latents of many images, in fixed-size chunks (one compilation)."""
        x = _as_images(images)
        out = []
        for i in range(0, x.shape[0], ENCODE_CHUNK):
            chunk = x[i : i + ENCODE_CHUNK]
            pad = ENCODE_CHUNK - chunk.shape[0] if x.shape[0] > ENCODE_CHUNK else 0
            if pad:
                chunk = np.concatenate([chunk, np.zeros((pad, 28, 28), np.float32)])
            z = np.asarray(self._fns.encode(self._params, jax.device_put(chunk, self.device)))
            out.append(z[: z.shape[0] - pad])
        return np.concatenate(out) if out else np.zeros((0, self.spec.latent_dim), np.float32)
