"""`/api/sweeps`: a grid of values over a base spec, trained as one job per combination, and their results."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, JsonValue

from aevp.ml.spec import ModelSpec
from aevp.service.schemas.common import Request, Response
from aevp.service.schemas.jobs import JobState

MAX_COMBINATIONS = 64
MAX_GRID_FIELDS = 4
MAX_TITLE = 120
# running: a job is queued or running; then done (every job done), cancelled (cancelled by a user, or some job
# was), failed (a job failed) or interrupted (the server stopped under a job: resume it from GET /api/jobs).
SweepState = Literal["queued", "running", "done", "cancelled", "failed", "interrupted"]

_SPEC = {"dataset": "mnist", "blocks": [{"filters": 8, "kernel": 3}], "latent_dim": 8, "epochs": 1}
_GRID = {"latent_dim": [2, 4, 8, 16]}
SWEEP_EXAMPLE: dict[str, Any] = {
    "id": "s-5b1e9a0c2d7f",
    "title": None,
    "created": "2025-01-01T12:00:00Z",
    "base": _SPEC,
    "grid": {"latent_dim": [2, 4]},
    "state": "running",
    "pretrained": False,
    "job_ids": ["3f9c2a1b7d4e", "8a0d6e4f1b2c"],
    "jobs": [
        {"job_id": "3f9c2a1b7d4e", "params": {"latent_dim": 2}, "state": "done", "model_id": "ae-8-l2-mnist-1",
         "test_loss": 0.171, "psnr": 15.2, "ssim": 0.56},
        {"job_id": "8a0d6e4f1b2c", "params": {"latent_dim": 4}, "state": "running", "model_id": None,
         "test_loss": None, "psnr": None, "ssim": None},
    ],
}


class CreateSweep(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"base": _SPEC, "grid": _GRID}]},
    )

    base: ModelSpec = Field(description="The spec every job starts from; the grid's fields replace its values")
    grid: dict[str, list[JsonValue]] = Field(
        min_length=1,
        max_length=MAX_GRID_FIELDS,
        description="Spec field -> the values it takes (any ModelSpec field, e.g. latent_dim, learning_rate, "
        "activation, blocks; `filters` sets every block's filters). One job per combination, at most "
        f"{MAX_COMBINATIONS}; each is validated as a spec and a bad one is a 422 naming it and its field.",
    )
    title: str | None = Field(None, max_length=MAX_TITLE, description="A name to list it by")


class SweepJob(Response):
    job_id: str = Field(description="The job (GET /api/jobs/{id}); a pretrained sweep's are its model ids")
    params: dict[str, JsonValue] = Field(description="This job's values of the swept fields")
    state: JobState
    model_id: str | None = Field(None, description="The trained model, once the job is done")
    test_loss: float | None = Field(None, description="The last finished epoch's test loss")
    psnr: float | None = Field(None, description="The last finished epoch's mean test PSNR, dB")
    ssim: float | None = Field(None, description="The last finished epoch's mean test SSIM")


class SweepInfo(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [SWEEP_EXAMPLE]})

    id: str
    title: str | None = None
    created: datetime
    base: ModelSpec
    grid: dict[str, list[JsonValue]]
    state: SweepState
    pretrained: bool = Field(False, description="Shipped with AeVP (read-only; its jobs are its models' ids)")
    job_ids: list[str] = Field(description="In grid order: the last field varies fastest")
    jobs: list[SweepJob]
