"""`/api/datasets`: the datasets and their samples."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from aevp.service import examples
from aevp.service.schemas.common import IMAGE_PIXELS, Response


class ClassInfo(Response):
    index: int
    name: str


class DatasetInfo(Response):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "fashion-mnist",
                    "title": "Fashion-MNIST",
                    "train_size": 60000,
                    "test_size": 10000,
                    "cached": True,
                    "verified": True,
                    "source": "download",
                    "classes": [{"index": 0, "name": "T-shirt/top"}, {"index": 1, "name": "Trouser"}],
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
