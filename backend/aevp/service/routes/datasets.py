"""GET /api/datasets and their sample images; POST (import) and DELETE of the user's own datasets."""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from aevp.service import datasets
from aevp.service.deps import DataDep, ServicesDep
from aevp.service.routes.params import DatasetName
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import DatasetInfo, SampleList
from aevp.service.schemas.datasets import DATASET_NAME_PATTERN, DatasetImport

router = APIRouter(prefix="/datasets", tags=["datasets"], route_class=StrictJSONRoute)


class ImportRoute(StrictJSONRoute):
    """An import's body is an archive: its own size limit (AEVP_IMPORT_MAX_BYTES)."""

    limit_setting = "import_max_bytes"


import_router = APIRouter(prefix="/datasets", tags=["datasets"], route_class=ImportRoute)

ImportedName = Annotated[
    str,
    Path(
        description="One of your imported datasets (from `GET /api/datasets`, `imported: true`)",
        openapi_examples={"built-in": {"summary": "Error 403: a built-in dataset stays", "value": "mnist"}},
    ),
]


@router.get(
    "",
    summary="List datasets",
    description="Each dataset (the built-in ones, then your imports) with its title, split sizes, whether it is "
    "cached and verified, its class names (e.g. 'T-shirt/top' for Fashion-MNIST class 0) and its credit.",
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
        Query(ge=0, le=65535, description="Only this class", openapi_examples={"three": {"value": 3}}),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=256, description="At most this many images")] = 16,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Skip this many matching images")] = 0,
) -> SampleList:
    return await run_in_threadpool(datasets.sample_page, data, name, split, label, limit, offset)


@import_router.post(
    "",
    summary="Import a dataset",
    status_code=201,
    description="Your own images as a new dataset (multipart): `file`, a zip whose top-level folders are the "
    "classes, holding PNG or JPEG images (converted to 28x28 grey the MNIST way), or a zip of the four IDX "
    "files; `name`; `invert` for dark ink on a light background; `test_fraction`, the share of each class kept "
    "for testing. Hostile or unusable archives are refused and nothing is stored: 413 over a size limit "
    "(AEVP_IMPORT_MAX_BYTES, _IMAGES, _PIXELS, _RATIO), 422 otherwise; 409 when the name is taken; 429 while "
    "another import runs.",
    responses={
        409: {"description": "The name is taken"},
        413: {"description": "Over a size limit"},
        422: {"description": "Not a usable archive; `detail` says why"},
        429: {"description": "Another import is running"},
    },
)
async def import_dataset(
    file: Annotated[UploadFile, File(description="A .zip of class folders of PNG/JPEG, or of four IDX files")],
    name: Annotated[str, Form(pattern=DATASET_NAME_PATTERN, description="The new dataset's name")],
    services: ServicesDep,
    invert: Annotated[bool, Form(description="Invert dark-on-light images to MNIST's light on dark")] = False,
    test_fraction: Annotated[float, Form(ge=0.01, le=0.5, description="Share of each class for testing")] = 0.1,
) -> DatasetImport:
    return await run_in_threadpool(
        datasets.import_upload,
        services.data,
        services.settings,
        file.file,
        name,
        invert=invert,
        test_fraction=test_fraction,
        filename=file.filename,
    )


@router.delete(
    "/{name}",
    summary="Delete an imported dataset",
    status_code=204,
    description="Removes one of your imported datasets (models trained on it stay). 403 for a built-in one.",
    responses={403: {"description": "A built-in dataset"}, 404: {"description": "No such dataset"}},
)
async def delete_dataset(name: ImportedName, data: DataDep) -> Response:
    await run_in_threadpool(datasets.delete, data, name)
    return Response(status_code=204)
