"""`/api/jobs`: training jobs, their progress and the metrics they record (a model's history reuses them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from aevp.ml.spec import ModelSpec
from aevp.service import examples
from aevp.service.schemas.common import Request, Response, optional_in_schema

# interrupted: the server stopped (or died) while the job was queued or running; `POST .../resume` continues it.
JobState = Literal["queued", "running", "done", "cancelled", "failed", "interrupted"]
EndState = Literal["done", "cancelled", "failed", "interrupted"]
# local: a thread of the API process; ray: a Ray cluster's worker (AEVP_RAY_ADDRESS set).
ExecutorName = Literal["local", "ray"]

VAE_EPOCH_FIELDS = ("train_recon", "train_kl", "test_recon", "test_kl", "test_elbo")
VAE_LOSS_FIELDS = ("recon", "kl")
TermList = list[float | None] | None


def recon_field() -> Any:
    return Field(None, description="VAE only: each batch's reconstruction term (BCE summed over pixels, nats "
                 "per image), aligned with `values`; null for other variants")


def kl_field() -> Any:
    return Field(None, description="VAE only: each batch's KL term (nats per image), aligned with `values`; "
                 "null for other variants")


class EpochMetrics(Response):
    model_config = ConfigDict(json_schema_extra=optional_in_schema(*VAE_EPOCH_FIELDS))

    epoch: int = Field(description="Counts from 1")
    train_loss: float | None = Field(description="Mean batch loss (a VAE's: reconstruction + beta x KL, nats)")
    test_loss: float | None
    psnr: float | None = Field(description="Mean PSNR over the test set, dB")
    ssim: float | None = Field(description="Mean SSIM over the test set")
    train_recon: float | None = Field(None, description="VAE only: mean batch reconstruction term, nats")
    train_kl: float | None = Field(None, description="VAE only: mean batch KL term, nats")
    test_recon: float | None = Field(
        None, description="VAE only: test reconstruction term (BCE summed over pixels, decoded from the mean)"
    )
    test_kl: float | None = Field(None, description="VAE only: test KL term, nats per image")
    test_elbo: float | None = Field(None, description="VAE only: test negative ELBO = test_recon + test_kl, nats")


class Progress(Response):
    epoch: int = Field(description="Current epoch, counting from 1 (0 before the first batch)")
    epochs: int
    step: int = Field(description="Batches done so far")
    total_steps: int
    images_per_s: float | None
    eta_s: float | None
    fraction: float = Field(ge=0, le=1, description="step / total_steps; 1 when the job is done")


class CreateJob(Request):
    spec: ModelSpec


class JobInfo(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.JOB_INFO]})

    id: str
    state: JobState
    spec: ModelSpec
    created: datetime
    progress: Progress
    # Defaults only so that examples (whose nulls the OpenAPI export drops) validate; always sent.
    model_id: str | None = Field(None, description="The checkpointed model, once the job is done")
    error: str | None = Field(None, description="Why the job failed, or why it was interrupted")
    started: datetime | None = Field(None, description="When it last started (or resumed) training")
    ended: datetime | None = Field(None, description="When it ended or was interrupted")
    checkpoint_epoch: int = Field(
        0, ge=0, description="The last epoch whose resumable checkpoint is saved; an interrupted job resumes after it"
    )
    executor: ExecutorName = Field(
        "local", description="Where it runs or ran: `local` (a thread of the API server) or `ray` (a Ray cluster)"
    )


class JobDetail(JobInfo):
    model_config = ConfigDict(
        json_schema_extra=optional_in_schema(*VAE_LOSS_FIELDS, examples=[examples.JOB_DETAIL])
    )

    losses: list[float | None] = Field(description="Every batch's training loss so far, in order")
    epochs: list[EpochMetrics]
    recon: TermList = recon_field()
    kl: TermList = kl_field()
