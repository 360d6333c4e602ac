"""`/api/specs`: a spec's layer table and costs."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from aevp.ml.spec import LayerInfo
from aevp.service import examples
from aevp.service.schemas.common import Response


class LayerRow(Response):
    """One row of a model's layer table."""

    name: str
    part: Literal["encoder", "decoder"]
    kind: Literal["conv", "maxpool", "dense", "tconv"]
    shape: list[int] = Field(description="Output shape per image: [H, W, C] or [D]")
    params: int
    flops: int = Field(description="Forward FLOPs per image (2 per multiply-add)")
    activation: str | None
    kernel: int | None = None
    stride: int = 1

    @classmethod
    def of(cls, layer: LayerInfo) -> LayerRow:
        return cls.model_validate(layer.model_dump())


class SpecReport(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SPEC_REPORT]})

    valid: Literal[True] = True
    layers: list[LayerRow]
    params: int
    forward_flops: int
    train_flops: int
    summary: str = Field(description="One line such as 'conv 32 -> pool -> conv 64 -> pool -> 16'")
