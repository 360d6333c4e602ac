"""GET /api/models/{id}/timeline[/{index}] and /api/jobs/{id}/timeline[/{index}]: how a model learned."""

from typing import Annotated

from fastapi import APIRouter, Path

from aevp.service.deps import JobsDep, ModelsDep
from aevp.service.faults import TimelineNotFound
from aevp.service.routes.params import JOB_NOT_FOUND, MODEL_NOT_FOUND, JobId, ModelId
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import Timeline, TimelineFrame

router = APIRouter(tags=["timeline"], route_class=StrictJSONRoute)
_INDEX = "A frame's index from the timeline's `frames`"
FrameIndex = Annotated[
    int,
    Path(ge=0, le=1_000_000, description=_INDEX,
         openapi_examples={"first": {"summary": "The first frame: the random initial weights", "value": 0}}),
]
JobFrameIndex = Annotated[
    int,
    Path(ge=0, le=1_000_000, description=_INDEX,
         openapi_examples={"later": {"summary": "Error 404: a frame the job has not recorded", "value": 999_999}}),
]
NO_TIMELINE = {404: {"description": "No such model or job, no timeline, or no frame with this index"}}
NO_FRAME = {404: {"description": "No such job, or no frame with this index (yet)"}}


@router.get(
    "/models/{model_id}/timeline",
    summary="A model's training timeline",
    responses={**MODEL_NOT_FOUND, **NO_TIMELINE},
    description="The frames recorded while the model trained (about 100, denser early): each one's index, step, "
    "epoch and loss. 404 for a model saved without a timeline.",
)
async def model_timeline(model_id: ModelId, models: ModelsDep) -> Timeline:
    return await models.run(models.timelines.index, model_id, interactive=False)


@router.get(
    "/models/{model_id}/timeline/{index}",
    summary="One frame of a model's timeline",
    responses={**MODEL_NOT_FOUND, **NO_TIMELINE},
    description="What the model made of the probe images at that step (their reconstructions, probe 0's every "
    "layer as Tensor8 heatmaps) and where the map sample's test images lay (PCA of that step's codes, each frame "
    "turned onto the previous one).",
)
async def model_timeline_frame(model_id: ModelId, index: FrameIndex, models: ModelsDep) -> TimelineFrame:
    return await models.run(models.timelines.frame, model_id, index, interactive=False)


@router.get(
    "/jobs/{job_id}/timeline",
    summary="A job's timeline so far",
    responses=JOB_NOT_FOUND,
    description="The frames a job has recorded so far (`complete` false while it runs; none yet before its first "
    "step); new ones are announced on `/ws/jobs/{id}` as `timeline_frame` messages. After a restart, a done "
    "job's model's frames.",
)
async def job_timeline(job_id: JobId, jobs: JobsDep, models: ModelsDep) -> Timeline:
    job, topic = jobs.get(job_id), await jobs.topic(job_id)
    if not len(topic.timeline) and job.model_id is not None:
        return await models.run(models.timelines.index, job.model_id, interactive=False)
    return topic.timeline.index(complete=not job.active)


@router.get(
    "/jobs/{job_id}/timeline/{index}",
    summary="One frame of a job's timeline",
    responses=NO_FRAME,
    description="As `GET /api/models/{id}/timeline/{index}`, for a job's frames so far.",
)
async def job_timeline_frame(job_id: JobId, index: JobFrameIndex, jobs: JobsDep, models: ModelsDep) -> TimelineFrame:
    job, topic = jobs.get(job_id), await jobs.topic(job_id)
    if len(topic.timeline):
        return await models.run(topic.timeline.frame, index, job.spec.layers(), f"job {job_id!r}", interactive=False)
    if job.model_id is not None:
        return await models.run(models.timelines.frame, job.model_id, index, interactive=False)
    raise TimelineNotFound(f"job {job_id!r} has no timeline frame {index}: it has recorded none yet")
