"""Explore and decode answers, the same for the REST routes and the explore WebSocket.

`explore` runs one image through a model (every activation, the latent, the reconstruction and its
error) and `decode` one latent through the decoder; each places the latent on the requested latent maps.
Both return the answer's wire fields, so each caller wraps them in its own model (a REST result, or a
WebSocket message with its request id) and builds the JSON off the event loop. Synchronous: run them on
the interactive executor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from aevp.service import encode
from aevp.service.faults import LatentSizeMismatch
from aevp.service.models import Models
from aevp.service.schemas import Corruption, DecodeResult, ExploreResult


def check_latent_size(model_id: str, latent: Sequence[float], latent_dim: int) -> None:
    if len(latent) != latent_dim:
        raise LatentSizeMismatch(model_id, len(latent), latent_dim)


def explore(
    models: Models,
    model_id: str,
    image: np.ndarray,
    corruption: Corruption | None = None,
    maps: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """All activations, latent and reconstruction for one (28, 28) image in 0..1, as wire fields; with a
    corruption, the encoder sees the corrupted image and the metrics compare with the clean one."""
    from aevp.ml.metrics import ssim_one

    inf = models.loaded.inference(model_id)
    seen = image
    if corruption is not None:
        seen = inf.corrupt(image[None], corruption.kind, corruption.level, corruption.seed)[0]
        extra["corrupted"] = encode.finite_list(seen)
    out = inf.explore(seen[None])
    ssim = ssim_one(out.reconstruction[0], image)
    layers = models.store.get(model_id).spec.layers()
    fields = encode.explore_result(
        layers, image, out.latent, out.reconstruction, out.activations, ssim=ssim, **extra
    )
    if maps:
        fields["map_positions"] = models.latents.positions(model_id, fields["latent"], maps)
    return fields


def decode(
    models: Models, model_id: str, latent: Sequence[float], maps: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    """The reconstruction of one latent vector and every decoder layer's activations, as wire fields."""
    entry = models.store.get(model_id)
    check_latent_size(model_id, latent, entry.spec.latent_dim)
    recon, acts = models.loaded.inference(model_id).decode_explore(np.asarray(latent, dtype=np.float32)[None])
    fields = encode.decode_result(entry.spec.layers(), recon, acts, **extra)
    if maps:
        fields["map_positions"] = models.latents.positions(model_id, list(latent), maps)
    return fields


def explore_result(
    models: Models, model_id: str, image: np.ndarray, corruption: Corruption | None, maps: list[str] | None
) -> ExploreResult:
    return ExploreResult.model_construct(**explore(models, model_id, image, corruption, maps))


def decode_result(models: Models, model_id: str, latent: Sequence[float], maps: list[str] | None) -> DecodeResult:
    return DecodeResult.model_construct(**decode(models, model_id, latent, maps))
