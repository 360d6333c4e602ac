"""GET /api/datasets and their sample images."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from aevp.service import datasets
from aevp.service.deps import DataDep
from aevp.service.routes.params import DatasetName
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import DatasetInfo, SampleList

router = APIRouter(prefix="/datasets", tags=["datasets"], route_class=StrictJSONRoute)


@router.get(
    "",
    summary="List datasets",
    description="Each dataset with its title, split sizes, whether it is cached and verified, and its class "
    "names (e.g. 'T-shirt/top' for Fashion-MNIST class 0).",
)
async def list_datasets(data: DataDep) -> list[DatasetInfo]:
    return await run_in_threadpool(datasets.dataset_infos, data)  # reads the cache's index: file I/O


@router.get(
    "/{name}/samples",
    summary="Sample images",
    description="Images of one split as 784 integers 0..255 (row-major), with their labels and their index "
    "in the split; optionally only one class. Pages with `offset` and `limit`. 409 when the dataset has not "
    "been fetched (`aevp data fetch`).",
    responses={404: {"description": "No such dataset"}, 409: {"description": "The dataset is not fetched"}},
)
async def list_samples(
    name: DatasetName,
    data: DataDep,
    split: Annotated[Literal["train", "test"], Query(description="Which split")] = "test",
    label: Annotated[
        int | None,
        Query(ge=0, le=255, description="Only this class", openapi_examples={"three": {"value": 3}}),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=256, description="At most this many images")] = 16,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Skip this many matching images")] = 0,
) -> SampleList:
    return await run_in_threadpool(datasets.sample_page, data, name, split, label, limit, offset)
