"""`GET /api/health`."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from aevp.service.schemas.common import Response
from aevp.service.schemas.jobs import ExecutorName


class Health(Response):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "ready", "models": 2, "executor": "local", "warming": False}]}
    )

    status: Literal["ready", "starting"]
    models: int = Field(description="Models available (pretrained and user-trained)")
    executor: ExecutorName = Field(
        "local", description="Where training jobs run: `local` threads, or the Ray cluster at AEVP_RAY_ADDRESS"
    )
    warming: bool = Field(
        False,
        description="True while, after `ready`, the server still prepares in the background (the other pretrained "
        "models' latent statistics, every batch size of the first model's explore and decode); requests are "
        "answered meanwhile, a little slower",
    )
