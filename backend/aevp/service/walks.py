"""Walks through a model's latent space, answered as wire models: interpolation between two images,
sweeps of one or two latent dimensions around a centre, and draws from a VAE's prior. Synchronous; the
routes run them on the model layer's executors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aevp.ml import latent_paths
from aevp.service.encode import image_batch
from aevp.service.explore import check_latent_size
from aevp.service.faults import NotVae, WalkInvalid
from aevp.service.models import Models
from aevp.service.schemas import DEFAULT_SPAN, InterpolateResult, Path, SamplesResult, TraverseResult


def interpolate(
    models: Models, model_id: str, a: np.ndarray, b: np.ndarray, steps: int, path: Path | None
) -> InterpolateResult:
    """Encode both (28, 28) images, walk between their latents (a VAE's means) and decode every step."""
    spec = models.store.get(model_id).spec
    chosen: Path = path or ("spherical" if spec.variant == "vae" else "linear")
    inference = models.loaded.inference(model_id)
    za, zb = inference.encode(np.stack([a, b]))  # a VAE's means
    latents = latent_paths.interpolate(za, zb, steps, chosen)
    images = inference.decode(latents)
    return InterpolateResult.model_construct(
        path=chosen, latents=_rounded(latents), images=image_batch(images)
    )


def traverse(
    models: Models,
    model_id: str,
    latent: Sequence[float],
    dims: list[int],
    steps: int,
    span: float | None,
) -> TraverseResult:
    """Decode a line (one dimension) or grid (two) of latents around `latent`, each swept dimension over
    ± span standard deviations of that dimension on the test set."""
    spec = models.store.get(model_id).spec
    check_latent_size(model_id, latent, spec.latent_dim)
    if len(set(dims)) != len(dims):
        raise WalkInvalid(f"dims: the two dimensions must differ, got {dims}")
    for d in dims:
        if d >= spec.latent_dim:
            raise WalkInvalid(f"dims: dimension {d} is out of range (the latent has 0..{spec.latent_dim - 1})")
    stats = models.latents.stats(model_id).dims
    centre = np.asarray(latent, np.float64)
    values = [latent_paths.sweep_values(centre[d], stats[d].std, steps, span or DEFAULT_SPAN) for d in dims]
    latents = latent_paths.grid(centre, dims, values)
    images = models.loaded.inference(model_id).decode(latents)
    return TraverseResult.model_construct(
        dims=list(dims), values=[_rounded(v) for v in values], latents=_rounded(latents), images=image_batch(images)
    )


def samples(models: Models, model_id: str, count: int, seed: int) -> SamplesResult:
    """Decode `count` draws from a VAE's prior N(0, I)."""
    spec = models.store.get(model_id).spec
    if spec.variant != "vae":
        raise NotVae(model_id, spec.variant)
    latents = latent_paths.prior_samples(count, spec.latent_dim, seed)
    images = models.loaded.inference(model_id).decode(latents)
    return SamplesResult.model_construct(latents=_rounded(latents), images=image_batch(images))


def _rounded(a: np.ndarray) -> list:
    """Finite floats rounded to 5 decimals (plenty for a latent, and a third of the JSON)."""
    return np.round(np.nan_to_num(np.asarray(a, np.float64)), 5).tolist()
