"""`/api/models`: the models, their training history and latent statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from aevp.ml.spec import ModelSpec
from aevp.service import examples
from aevp.service.schemas.common import Response
from aevp.service.schemas.jobs import EpochMetrics
from aevp.service.schemas.specs import LayerRow


class ModelSummary(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.MODEL_SUMMARY]})

    id: str
    title: str = Field(description="Such as 'AE-32-64-L16 · MNIST'")
    dataset: str
    spec: ModelSpec
    params: int
    metrics: dict[str, float | None] = Field(description="Final test metrics: test_loss, psnr, ssim, ...")
    pretrained: bool = Field(description="Shipped with AeVP (read-only)")
    created: datetime
    available: Literal[True] = Field(True, description="Always true here; see UnavailableModel")


class UnavailableModel(Response):
    """A model folder that cannot be used (no weights, a damaged file, metadata that fails validation). It is
    listed so that it hides nothing and can be deleted; exploring it answers 409."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.UNAVAILABLE_MODEL]})

    id: str
    title: str = Field(description="The spec's title when the spec is readable, else the id")
    pretrained: bool = Field(description="Shipped with AeVP (read-only)")
    created: datetime = Field(description="When the folder last changed")
    available: Literal[False] = False
    problem: str = Field(description="What is wrong, such as 'weights.safetensors is missing'")


class TrainingHistory(Response):
    losses: list[float | None] = Field(description="Every batch's training loss, in order")
    epochs: list[EpochMetrics]


class ModelDetail(ModelSummary):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.MODEL_DETAIL]})

    layers: list[LayerRow]
    history: TrainingHistory


class DimStats(Response):
    p1: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    p99: float
    mean: float
    std: float


class LatentStats(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.LATENT_STATS]})

    count: int = Field(description="Test images the statistics are computed over")
    dims: list[DimStats] = Field(description="One entry per latent dimension")
