"""Sweeps: POST /api/sweeps (a grid over a spec, one job per combination), list, status and cancel."""

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path, Request

from aevp.service.deps import SweepsDep
from aevp.service.routes.jobs import client_of
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import MAX_COMBINATIONS, CreateSweep, SweepInfo
from aevp.service.sweeps import SweepNotFound, SweepReadOnly

router = APIRouter(prefix="/sweeps", tags=["sweeps"], route_class=StrictJSONRoute)

SweepId = Annotated[
    str,
    Path(
        description="A sweep id from `GET /api/sweeps`",
        openapi_examples={"sweep": {"summary": "A sweep id", "value": "s-5b1e9a0c2d7f"}},
    ),
]
NOT_FOUND = {404: {"description": "No sweep with this id"}}

SWEEP_EXAMPLES = {
    "bottleneck": {
        "summary": "How big must the bottleneck be? Latent 2, 4, 8, 16 (one epoch each)",
        "value": {
            "base": {"dataset": "mnist", "blocks": [{"filters": 8, "kernel": 3}], "latent_dim": 8, "epochs": 1},
            "grid": {"latent_dim": [2, 4, 8, 16]},
        },
    },
    "two": {
        "summary": "Latent size against the filters of every block (8 jobs)",
        "value": {
            "base": {"dataset": "mnist", "epochs": 1},
            "grid": {"latent_dim": [2, 4, 8, 16], "filters": [16, 32]},
        },
    },
}


def _lookup(error: LookupError | PermissionError) -> HTTPException:
    return HTTPException(404 if isinstance(error, SweepNotFound) else 403, str(error))


@router.post(
    "",
    summary="Start a sweep",
    status_code=201,
    description="Trains one job per combination of the grid's values over the base spec (the last field varies "
    f"fastest; at most {MAX_COMBINATIONS}). Every combination is validated as a spec, against "
    "`AEVP_MAX_JOB_STEPS` and its dataset before any job is queued: a bad one is a 422 whose `loc` names the "
    "grid field and whose message names the combination. The jobs are ordinary jobs (`/api/jobs`, "
    "`/ws/jobs/{id}`), run `AEVP_MAX_CONCURRENT_JOBS` at a time; 429 when `AEVP_MAX_ACTIVE_SWEEPS` sweeps "
    "are already queued or running, 409 when the dataset is not available.",
    responses={409: {"description": "The dataset is not available"}, 429: {"description": "Too many sweeps"}},
)
async def create_sweep(
    body: Annotated[CreateSweep, Body(openapi_examples=SWEEP_EXAMPLES)], sweeps: SweepsDep, request: Request
) -> SweepInfo:
    return await sweeps.create(body, client_of(request))


@router.get(
    "",
    summary="List sweeps",
    description="Your sweeps, newest first (with their jobs' states and final metrics), then the ready-made "
    "sweeps shipped with the pretrained models (`pretrained: true`).",
)
async def list_sweeps(sweeps: SweepsDep) -> list[SweepInfo]:
    return sweeps.list()


@router.get(
    "/{sweep_id}",
    summary="Sweep status",
    responses=NOT_FOUND,
    description="The sweep's state and each job's values, state, model and last epoch's test loss, PSNR and "
    "SSIM (null until its first epoch ends).",
)
async def get_sweep(sweep_id: SweepId, sweeps: SweepsDep) -> SweepInfo:
    try:
        return sweeps.get(sweep_id)
    except SweepNotFound as e:
        raise _lookup(e) from None


@router.post(
    "/{sweep_id}/cancel",
    summary="Cancel a sweep",
    responses={**NOT_FOUND, 403: {"description": "A shipped sweep is read-only"}},
    description="Cancels every job of the sweep that has not ended: queued ones at once, running ones within a "
    "batch. Jobs already done keep their models. Cancelling again changes nothing.",
)
async def cancel_sweep(sweep_id: SweepId, sweeps: SweepsDep) -> SweepInfo:
    try:
        return sweeps.cancel(sweep_id)
    except (SweepNotFound, SweepReadOnly) as e:
        raise _lookup(e) from None
