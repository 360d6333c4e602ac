"""Training jobs: POST /api/jobs and friends, and the /ws/jobs/{id} stream."""

from typing import Annotated

from fastapi import APIRouter, Body, Path, Request

from aevp.service.deps import JobsDep, ServicesDep
from aevp.service.guard import GuardedSocket
from aevp.service.hub import CLOSE_NOT_FOUND
from aevp.service.jobs import JobNotFound
from aevp.service.routes.params import JOB_NOT_FOUND, JobId
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import CreateJob, ErrorMessage, JobDetail, JobInfo

InterruptedJobId = Annotated[
    str,
    Path(
        description="An interrupted job's id from `GET /api/jobs`",
        openapi_examples={"running": {"summary": "Error 409: a job that is not interrupted", "value": "3f9c2a1b7d4e"}},
    ),
]

router = APIRouter(prefix="/jobs", tags=["jobs"], route_class=StrictJSONRoute)
ws_router = APIRouter()

JOB_EXAMPLES = {
    "quick": {
        "summary": "A small model, one epoch (a minute on 2 cores)",
        "value": {
            "spec": {
                "dataset": "mnist",
                "blocks": [{"filters": 8, "kernel": 3}],
                "latent_dim": 8,
                "epochs": 1,
            }
        },
    },
    "default": {
        "summary": "AE-32-64-L16 on Fashion-MNIST, 5 epochs",
        "value": {"spec": {"dataset": "fashion-mnist", "epochs": 5}},
    },
}


@router.post(
    "",
    summary="Start a training job",
    status_code=201,
    description="Queues training of a spec on its dataset and returns the job. It runs when a worker is "
    "free (`AEVP_MAX_CONCURRENT_JOBS`), streams on `/ws/jobs/{id}`, and when done its model is saved and "
    "listed in `GET /api/models`. 429 when the queue is full or this client already has "
    "`AEVP_MAX_QUEUED_JOBS_PER_CLIENT` jobs waiting, 422 when the job would train more batches than "
    "`AEVP_MAX_JOB_STEPS`, 409 when the dataset is not fetched.",
    responses={409: {"description": "The dataset is not available"}, 429: {"description": "Too many jobs"}},
)
async def create_job(
    body: Annotated[CreateJob, Body(openapi_examples=JOB_EXAMPLES)], jobs: JobsDep, request: Request
) -> JobInfo:
    job = await jobs.submit(body.spec, client_of(request))
    return job.info()


@router.get(
    "",
    summary="List jobs",
    description="Every job, newest first: those queued or running, and the newest `AEVP_MAX_FINISHED_JOBS` "
    "finished or interrupted ones, kept across restarts.",
)
async def list_jobs(jobs: JobsDep) -> list[JobInfo]:
    return [job.info() for job in jobs.list()]


@router.get(
    "/{job_id}",
    summary="Job status",
    responses=JOB_NOT_FOUND,
    description="State, progress, and every batch's loss and each epoch's metrics so far.",
)
async def get_job(job_id: JobId, jobs: JobsDep) -> JobDetail:
    return await jobs.detail(job_id)


@router.post(
    "/{job_id}/cancel",
    summary="Cancel a job",
    responses=JOB_NOT_FOUND,
    description="A queued or interrupted job ends at once; a running one stops within a batch and ends as "
    "`cancelled` (watch the stream or poll). Cancelling a finished job changes nothing.",
)
async def cancel_job(job_id: JobId, jobs: JobsDep) -> JobInfo:
    return jobs.cancel(job_id).info()


@router.post(
    "/{job_id}/resume",
    summary="Resume an interrupted job",
    responses={
        **JOB_NOT_FOUND,
        409: {"description": "The job is not interrupted, or its dataset is not available"},
        429: {"description": "Too many jobs"},
    },
    description="Queues an `interrupted` job (the server stopped while it was queued or running) again: it "
    "continues after its last finished epoch (`checkpoint_epoch`), with the same losses from there on as a run "
    "that was never interrupted, and streams on `/ws/jobs/{id}` like a new job.",
)
async def resume_job(job_id: InterruptedJobId, jobs: JobsDep, request: Request) -> JobInfo:
    job = await jobs.resume(job_id, client_of(request))
    return job.info()


def client_of(request: Request) -> str:
    """The client a job is counted against: its IP address."""
    return request.client.host if request.client is not None else ""


@ws_router.websocket("/ws/jobs/{job_id}")
async def job_socket(sock: GuardedSocket, job_id: str, services: ServicesDep) -> None:
    """The hub streams the job; its sends time out after the same `ws_send_timeout_s` as the guard's."""
    try:
        job = services.jobs.get(job_id)
        topic = await services.jobs.topic(job_id)
    except JobNotFound as e:
        await sock.send_and_close(ErrorMessage(message=str(e)).model_dump_json(), CLOSE_NOT_FOUND)
        return
    await services.hub.stream_job(sock.ws, topic, job.info)
