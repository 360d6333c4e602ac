"""Explore and decode answers, the same for the REST routes and the explore WebSocket.

`explore` runs one image through a model (the activations asked for, the latent, the reconstruction and
its error) and `decode` one latent through the decoder; each places the latent on the requested latent
maps. Both are batched with whatever other requests for the model arrive at the same moment
(`LoadedModels.explore`, `batcher.Batcher`) and return a `frames.Answer` with the map positions, which
each caller sends in its own form: a binary frame (explore protocol 2), or JSON fields (protocol 1, REST).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from aevp.service import frames
from aevp.service.batch_compute import DecodeItem, ExploreItem
from aevp.service.faults import LatentSizeMismatch, WalkInvalid
from aevp.service.models import Models
from aevp.service.schemas import Corruption, DecodeResult, ExploreResult, LayerActivation, Tensor8
from aevp.service.store import ModelEntry


class LayerNotFound(WalkInvalid):  # 422, like any request naming what the model lacks
    def __init__(self, model_id: str, names: list[str]) -> None:
        super().__init__(f"model {model_id!r} has no layer {', '.join(map(repr, names))}")


def check_latent_size(model_id: str, latent: Sequence[float], latent_dim: int) -> None:
    if len(latent) != latent_dim:
        raise LatentSizeMismatch(model_id, len(latent), latent_dim)


def shown_layers(entry: ModelEntry, layers: Collection[str] | None) -> frozenset[str] | None:
    """The heatmaps asked for (None: all); a name the model does not have is an error naming it."""
    if layers is None:
        return None
    known = {row.name for row in entry.spec.layers()}
    unknown = sorted(set(layers) - known)
    if unknown:
        raise LayerNotFound(entry.id, unknown)
    return frozenset(layers)


async def explore(
    models: Models,
    model_id: str,
    image: np.ndarray,
    corruption: Corruption | None = None,
    maps: list[str] | None = None,
    layers: Collection[str] | None = None,
    ssim: bool = True,
) -> tuple[frames.Answer, dict[str, Any]]:
    """One (28, 28) image in 0..1 through the model: its answer, and `map_positions` when maps are asked;
    with a corruption, the encoder sees the corrupted image and the metrics compare with the clean one."""
    entry = models.store.get(model_id)
    noise = None if corruption is None else (corruption.kind, corruption.level, corruption.seed)
    item = ExploreItem(np.asarray(image, np.float32), noise, shown_layers(entry, layers), ssim)
    answer = await models.loaded.explore(entry, item)
    return answer, _placed(models, model_id, answer.arrays["latent"], maps)


async def decode(
    models: Models,
    model_id: str,
    latent: Sequence[float],
    maps: list[str] | None = None,
    layers: Collection[str] | None = None,
) -> tuple[frames.Answer, dict[str, Any]]:
    """One latent vector through the decoder: the reconstruction and the decoder layers asked for."""
    entry = models.store.get(model_id)
    check_latent_size(model_id, latent, entry.spec.latent_dim)
    item = DecodeItem(np.asarray(latent, np.float32), shown_layers(entry, layers))
    answer = await models.loaded.decode(entry, item)
    return answer, _placed(models, model_id, np.asarray(latent, np.float64), maps)


def _placed(models: Models, model_id: str, latent: np.ndarray, maps: list[str] | None) -> dict[str, Any]:
    if not maps:
        return {}
    values = [float(v) if np.isfinite(v) else None for v in np.asarray(latent, np.float64)]
    return {"map_positions": models.latents.positions(model_id, values, maps)}


def json_fields(answer: frames.Answer) -> dict[str, Any]:
    """Protocol 1's and REST's fields of an answer, heatmaps as the wire models (for `model_construct`)."""
    fields = frames.json_fields(answer)
    fields["activations"] = [
        LayerActivation.model_construct(**{**a, "tensor": Tensor8.model_construct(**a["tensor"])})
        for a in fields["activations"]
    ]
    return fields


async def explore_result(
    models: Models, model_id: str, image: np.ndarray, corruption: Corruption | None, maps: list[str] | None
) -> ExploreResult:
    answer, extra = await explore(models, model_id, image, corruption, maps)
    return ExploreResult.model_construct(**json_fields(answer), **extra)


async def decode_result(models: Models, model_id: str, latent: Sequence[float], maps: list[str] | None) -> DecodeResult:
    answer, extra = await decode(models, model_id, latent, maps)
    return DecodeResult.model_construct(**json_fields(answer), **extra)
