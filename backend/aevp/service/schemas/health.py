"""`GET /api/health`."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from aevp.service.schemas.common import Response


class Health(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready", "models": 2}]})

    status: Literal["ready", "starting"]
    models: int = Field(description="Models available (pretrained and user-trained)")
