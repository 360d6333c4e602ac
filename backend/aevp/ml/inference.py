"""A trained model ready to answer: explore an image, encode a batch, decode latents (with or without
the decoder's activations).

Interactive calls run on the CPU even when a GPU is present: for one image the CPU answers in
about 0.5 ms and a GPU in about 3 ms (transfers dominate; docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from aevp.ml import steps
from aevp.ml.metrics import ssim_batch
from aevp.ml.spec import ModelSpec

# Encoding the 10,000 test images (latent maps and statistics) in chunks of 250 takes 0.67 s on 2 cores,
# in chunks of 1,000 1.05-1.17 s: the smaller chunk's activations stay in cache (`make bench` prints it).
ENCODE_CHUNK = 250
DECODE_BUCKET_MAX = 256
# The batch sizes interactive calls are padded to, so that a batch of any size compiles nothing new: the
# service's batcher groups requests from many sockets into these. Each size compiles once per architecture and
# kind (~1.4 s explore, ~0.8 s decode), in the background (`Inference.wanted`), never on a request's path once
# one size is compiled. 16 is there because under the class load test most batches hold 9-16 requests, and
# padding those to 32 cost the default model's explore 17.8 ms a call against 9.0 ms at 16 (decode 7.8 against
# 4.8 ms); more sizes measured no better (docs/performance.md). `make bench` prints the cost per image.
BATCH_SIZES = (1, 8, 16, 32)
_corrupt_jit = jax.jit(steps.corrupt_images, static_argnums=0)


def _concat_parts(parts: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """The first n rows of each padded chunk, joined."""
    return np.concatenate([np.asarray(a)[:n] for n, a in parts])


def bucket(n: int) -> int:
    """The padded batch size for `n` items (n <= BATCH_SIZES[-1])."""
    return next(b for b in BATCH_SIZES if b >= n)


def plan(n: int, compiled: set[int]) -> list[int]:
    """The padded sizes of the calls that answer `n` items using only `compiled` sizes: the smallest compiled
    size that holds what is left, else the largest compiled one, and so on. With none compiled: BATCH_SIZES
    buckets (the first call compiles)."""
    sizes: list[int] = []
    left = n
    while left > 0:
        fits = [b for b in compiled if b >= left]
        if fits:
            size = min(fits)
        elif compiled:
            size = max(compiled)
        else:
            size = bucket(min(left, BATCH_SIZES[-1]))
        sizes.append(size)
        left -= size
    return sizes


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


def quantise(a: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """A batch of one layer's activations, (N, H, W, C), (N, H, W) or (N, D), as Tensor8s inside the jitted
    call (one fused pass; only bytes leave it): lo and hi (N, C) and the bytes (N, C, H*W), C-major. The
    service's NumPy `frames.quantise_batch` does the same; an image with a non-finite value is quantised
    with those values as 0."""
    n = a.shape[0]
    flat = a.reshape(n, -1, a.shape[3]) if a.ndim == 4 else a.reshape(n, -1, 1)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    bad = ~(jnp.isfinite(lo).all(axis=1) & jnp.isfinite(hi).all(axis=1))
    flat = jnp.where(bad[:, None, None], jnp.nan_to_num(flat, nan=0.0, posinf=0.0, neginf=0.0), flat)
    lo = jnp.where(bad[:, None], flat.min(axis=1), lo)
    hi = jnp.where(bad[:, None], flat.max(axis=1), hi)
    span = hi - lo
    scale = jnp.where(span > 0, jnp.float32(255.0) / jnp.where(span > 0, span, 1.0), 0.0)
    q = ((flat - lo[:, None, :]) * scale[:, None, :] + jnp.float32(0.5)).astype(jnp.uint8)
    return lo, hi, jnp.swapaxes(q, 1, 2)


@dataclass(frozen=True)
class QuantisedOutput:
    """A batch's answer with every layer already quantised (`Inference.explore_quantised`)."""

    latent: np.ndarray | None  # (N, D); None for a decode
    reconstruction: np.ndarray  # (N, 28, 28)
    layers: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # name -> lo (N, C), hi (N, C), bytes (N, C, HW)
    shapes: dict[str, list[int]]  # name -> [C, H, W]
    ssim: np.ndarray | None = None  # (N,)
    latent_logvar: np.ndarray | None = None

    @property
    def latent_sigma(self) -> np.ndarray | None:
        return None if self.latent_logvar is None else np.exp(0.5 * self.latent_logvar)


def _chw(shape: tuple[int, ...]) -> list[int]:
    if len(shape) == 4:
        return [shape[3], shape[1], shape[2]]
    return [1, shape[1], shape[2]] if len(shape) == 3 else [1, 1, shape[1]]


_QUANTISED: dict[tuple[int, str], Any] = {}
# The padded sizes each of them has run at least once (so are compiled), by the same key.
_COMPILED: dict[tuple[int, str], set[int]] = {}


def _quantised_of(fns: steps.InferenceFunctions, kind: str) -> Any:
    """Explore (with or without SSIM) or decode, with the layers quantised, as one jitted call per architecture."""
    key = (id(fns), kind)
    if key not in _QUANTISED:
        def q_all(acts):  # noqa: ANN001, ANN202
            return {k: quantise(v) for k, v in acts.items() if k not in ("latent", "latent_logvar")}

        def explore(params, images, clean):  # noqa: ANN001, ANN202
            latent, recon, acts = fns.explore(params, images)
            ssim = ssim_batch(recon, clean) if kind == "explore_ssim" else None
            return latent, recon, ssim, acts.get("latent_logvar"), q_all(acts)

        def decode(params, latent):  # noqa: ANN001, ANN202
            recon, acts = fns.decode_explore(params, latent)
            return recon, q_all(acts)

        _QUANTISED[key] = jax.jit(decode if kind == "decode" else explore)
    return _QUANTISED[key]


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
        self._params = jax.device_put(steps.unflatten_params(spec, params), self.device)
        self._order = [row.name for row in spec.layers()]
        self._decoder_order = [row.name for row in spec.layers() if row.part == "decoder"]
        self.wanted: set[tuple[str, int]] = set()  # see `_batched`
        self._handed_out: set[tuple[str, int]] = set()

    def warm(self, batch_sizes: tuple[int, ...] = (1,), *, interactive: bool = True, service: bool = True) -> None:
        """Compile what the first requests run, so they are fast: with `interactive`, the batched explore (with
        SSIM) and decode for `batch_sizes` and a denoising model's noise; with `service`, the encode chunks
        (maps, statistics) and decode (walks). Explore without SSIM compiles on first use."""
        if interactive:
            for n in batch_sizes:
                self.compile("explore_ssim", n)
                self.compile("decode", n)
            if self.spec.variant == "denoising":  # the lab's noise control: its first use should not compile
                for kind in ("gaussian", "mask"):
                    self.corrupt(np.zeros((1, 28, 28), np.float32), kind, 0.1)
        if service:
            self.encode(np.zeros((ENCODE_CHUNK, 28, 28), np.float32))  # the test set's codes: maps, statistics
            self.decode(np.zeros((1, self.spec.latent_dim), np.float32))

    def explore(self, images: np.ndarray) -> ExploreOutput:
        x = jax.device_put(_as_images(images), self.device)
        latent, recon, acts = jax.device_get(self._fns.explore(self._params, x))
        logvar = acts.get("latent_logvar")
        return ExploreOutput(np.asarray(latent), np.asarray(recon),
                             {name: np.asarray(acts[name]) for name in self._order},
                             None if logvar is None else np.asarray(logvar))

    def explore_quantised(self, images: np.ndarray, clean: np.ndarray, *, ssim: bool) -> QuantisedOutput:
        """Explore (N, 28, 28) images padded to compiled BATCH_SIZES (`plan`), with each reconstruction's SSIM
        against `clean` (the uncorrupted inputs) and every layer quantised in that call."""
        parts = self._batched("explore_ssim" if ssim else "explore", _as_images(images), _as_images(clean))
        cat = _concat_parts
        latent = cat([(n, p[0]) for n, p in parts])
        layers = {k: tuple(cat([(n, p[4][k][j]) for n, p in parts]) for j in range(3)) for k in parts[0][1][4]}
        return QuantisedOutput(
            latent,
            cat([(n, p[1]) for n, p in parts]),
            layers,
            self._shapes("explore"),
            cat([(n, p[2]) for n, p in parts]) if ssim else None,
            cat([(n, p[3]) for n, p in parts]) if parts[0][1][3] is not None else None,
        )

    def decode_quantised(self, latents: np.ndarray) -> QuantisedOutput:
        """`decode_explore` of (N, D) latents padded like `explore_quantised`, the decoder's layers quantised."""
        z = np.asarray(latents, np.float32).reshape(-1, self.spec.latent_dim)
        parts = self._batched("decode", z)
        cat = _concat_parts
        layers = {k: tuple(cat([(n, p[1][k][j]) for n, p in parts]) for j in range(3)) for k in parts[0][1][1]}
        return QuantisedOutput(None, cat([(n, p[0]) for n, p in parts]), layers, self._shapes("decode"))

    def _batched(self, kind: str, *arrays: np.ndarray) -> list[tuple[int, Any]]:
        """(items, host outputs) of each padded call of `kind` over the rows of `arrays`. A bucket that would
        fit better but is not compiled yet is added to `wanted` and used once someone compiles it."""
        compiled = _COMPILED.setdefault((id(self._fns), kind), set())
        total = arrays[0].shape[0]
        best = bucket(min(total, BATCH_SIZES[-1]))
        if compiled and best not in compiled:
            self.wanted.add((kind, best))
        fn = _quantised_of(self._fns, kind)
        parts, start = [], 0
        for size in plan(total, set(compiled)):
            n = min(size, total - start)
            args = [jax.device_put(_pad(a[start : start + n], size), self.device) for a in arrays]
            parts.append((n, jax.device_get(fn(self._params, *args))))
            compiled.add(size)
            start += n
        return parts

    def compile(self, kind: str, size: int) -> None:
        """Compile `kind` ("explore", "explore_ssim" or "decode") for a padded batch of `size`."""
        if size in _COMPILED.get((id(self._fns), kind), ()):
            return
        if kind == "decode":
            args: tuple[np.ndarray, ...] = (np.zeros((size, self.spec.latent_dim), np.float32),)
        else:
            args = (np.zeros((size, 28, 28), np.float32),) * 2
        fn = _quantised_of(self._fns, kind)
        jax.device_get(fn(self._params, *(jax.device_put(a, self.device) for a in args)))
        _COMPILED.setdefault((id(self._fns), kind), set()).add(size)

    def all_batch_kinds(self) -> list[tuple[str, int]]:
        """Every (kind, size) the batched explore (with SSIM) and decode can use, largest first."""
        return [(kind, n) for n in reversed(BATCH_SIZES) for kind in ("explore_ssim", "decode")]

    def take_wanted(self) -> list[tuple[str, int]]:
        """The (kind, size) compilations that requests would have used, once each; for a background thread."""
        out = []
        while self.wanted:
            wanted = self.wanted.pop()
            if wanted not in self._handed_out:
                self._handed_out.add(wanted)
                out.append(wanted)
        return out

    def _shapes(self, kind: str) -> dict[str, list[int]]:
        """[C, H, W] of each layer's Tensor8, from the layer table."""
        rows = [r for r in self.spec.layers() if r.name != "latent" and (kind == "explore" or r.part == "decoder")]
        return {r.name: _chw((0, *r.shape)) for r in rows}

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
