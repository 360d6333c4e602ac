"""`/api/models/{id}/latent-map`: a model's test set mapped to 2-D, and the state of a map being computed."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from aevp.service import examples
from aevp.service.schemas.common import Response

MapMethod = Literal["pca", "tsne", "umap", "latent"]
# The maps the server places a latent on (PCA: the client does it from `mean` and `components`).
PlacedMap = Literal["tsne", "umap", "latent"]
MapState = Literal["queued", "running", "ready", "failed"]


class LatentMap(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PROJECTION]})

    method: MapMethod = Field(
        description="How the latents were mapped to 2-D: pca, tsne (t-SNE), umap, or latent (a model with a "
        "2-D latent: the latents themselves)"
    )
    count: int = Field(description="Test images on the map (the whole test set)")
    points: list[list[float]] = Field(
        description="One [x, y] per test image, in test-set order (rounded to 4 decimals)"
    )
    labels: list[int] = Field(description="The class of each point (names: `GET /api/datasets`)")
    explained_variance: list[float] = Field(
        description="Share of the latents' total variance along each axis (pca, latent), 0..1; empty for "
        "tsne and umap"
    )
    mean: list[float] = Field(description="PCA: the latents' mean (D values); latent: [0, 0]; else empty")
    components: list[list[float]] = Field(
        description="PCA: the two axes (2 x D); a latent z maps to [(z - mean) . components[0], "
        "(z - mean) . components[1]], which is how the lab places your drawing (latent: the identity). "
        "Empty for tsne and umap: ask for `maps` in an explore or decode request instead"
    )
    seconds: float = Field(description="Time taken to compute the map (encoding the test set and fitting)")


class LatentMapStatus(Response):
    """A t-SNE or UMAP map being computed (`GET .../latent-map` answers 202 with this)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.MAP_STATUS]})

    model_id: str
    method: MapMethod
    state: MapState = Field(description="queued (behind another map), running, ready, or failed")
    stage: str = Field(
        description="What it is doing: queued, encoding (the test set), neighbours, exaggeration, "
        "optimisation (t-SNE), layout (UMAP), done; or failed"
    )
    fraction: float = Field(ge=0, le=1, description="Share of the computation done, 0..1")
    error: str | None = Field(None, description="Why it failed")
    stream: str = Field(description="The WebSocket that streams its progress and then the map")
