"""GET /api/datasets and their sample images."""

from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Path, Query
from starlette.concurrency import run_in_threadpool

from aevp.data import Dataset
from aevp.service.datasource import TITLES
from aevp.service.deps import DataDep
from aevp.service.errors import field_error
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import ClassInfo, DatasetInfo, Sample, SampleList

router = APIRouter(prefix="/datasets", tags=["datasets"], route_class=StrictJSONRoute)

DatasetName = Annotated[
    str,
    Path(
        description="mnist or fashion-mnist",
        openapi_examples={"mnist": {"value": "mnist"}, "fashion": {"value": "fashion-mnist"}},
    ),
]


@router.get(
    "",
    summary="List datasets",
    description="Each dataset with its title, split sizes, whether it is cached and verified, and its class "
    "names (e.g. 'T-shirt/top' for Fashion-MNIST class 0).",
)
async def list_datasets(data: DataDep) -> list[DatasetInfo]:
    out = []
    for name in data.names():
        s = await run_in_threadpool(data.status, name)  # reads the cache's index: file I/O
        classes = [ClassInfo(index=i, name=c) for i, c in enumerate(data.class_names(name))]
        out.append(
            DatasetInfo(
                name=name,
                title=TITLES.get(name, name),
                train_size=s.train_size,
                test_size=s.test_size,
                cached=s.cached,
                verified=s.verified,
                source=s.source,
                classes=classes,
            )
        )
    return out


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
    if name not in data.names():
        raise HTTPException(404, f"no dataset {name!r}; available: {', '.join(data.names())}")
    classes = data.class_names(name)
    if label is not None and label >= len(classes):
        raise field_error(["query", "label"], f"label {label} is not a class of {name} (0..{len(classes) - 1})")
    images: Dataset = await run_in_threadpool(data.load, name)  # DataUnavailable -> 409
    xs, ys = (images.test_images, images.test_labels) if split == "test" else (images.train_images, images.train_labels)
    indices = np.arange(len(ys)) if label is None else np.flatnonzero(ys == label)
    page = indices[offset : offset + limit]
    items = [Sample(index=int(i), label=int(ys[i]), image=xs[i].reshape(-1).tolist()) for i in page]
    return SampleList(dataset=name, split=split, total=len(indices), offset=offset, items=items)
