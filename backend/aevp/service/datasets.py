"""The datasets as the API shows them: each one's status and classes, and pages of its sample images."""

from __future__ import annotations

from typing import Literal

import numpy as np

from aevp.service.datasource import TITLES, DataSource
from aevp.service.faults import DatasetNotFound, InvalidField
from aevp.service.schemas import ClassInfo, DatasetInfo, Sample, SampleList


def dataset_infos(data: DataSource) -> list[DatasetInfo]:
    """Every dataset with its title, sizes, cache state and class names (reads the cache's index: file I/O)."""
    out = []
    for name in data.names():
        s = data.status(name)
        out.append(
            DatasetInfo(
                name=name,
                title=TITLES.get(name, name),
                train_size=s.train_size,
                test_size=s.test_size,
                cached=s.cached,
                verified=s.verified,
                source=s.source,
                classes=[ClassInfo(index=i, name=c) for i, c in enumerate(data.class_names(name))],
            )
        )
    return out


def sample_page(
    data: DataSource, name: str, split: Literal["train", "test"], label: int | None, limit: int, offset: int
) -> SampleList:
    """Images `offset` to `offset + limit` of one split (of one class, with `label`), as 0..255 integers."""
    if name not in data.names():
        raise DatasetNotFound(name, data.names())
    classes = data.class_names(name)
    if label is not None and label >= len(classes):
        raise InvalidField(["query", "label"], f"label {label} is not a class of {name} (0..{len(classes) - 1})")
    images = data.load(name)  # DataUnavailable -> 409
    xs, ys = (images.test_images, images.test_labels) if split == "test" else (images.train_images, images.train_labels)
    indices = np.arange(len(ys)) if label is None else np.flatnonzero(ys == label)
    page = indices[offset : offset + limit]
    items = [Sample(index=int(i), label=int(ys[i]), image=xs[i].reshape(-1).tolist()) for i in page]
    return SampleList(dataset=name, split=split, total=len(indices), offset=offset, items=items)
