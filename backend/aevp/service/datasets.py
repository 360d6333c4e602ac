"""The datasets as the API shows them (status, classes, credit), pages of their images, and the user's imports."""

from __future__ import annotations

import threading
from typing import BinaryIO, Literal

import numpy as np
from starlette.exceptions import HTTPException

from aevp.data import DataError, DatasetExists, ImportLimits, ImportRefused, NotImported
from aevp.service.datasource import CREDITS, TITLES, DataSource
from aevp.service.faults import DatasetNotFound, InvalidField
from aevp.service.schemas import ClassInfo, DatasetInfo, Sample, SampleList
from aevp.service.schemas.datasets import DatasetImport
from aevp.settings import Settings

# Imports are CPU-bound and read up to AEVP_IMPORT_MAX_BYTES: one at a time per server, the next one is told so.
_importing = threading.Lock()


def dataset_info(data: DataSource, name: str) -> DatasetInfo:
    """One dataset with its title, sizes, cache state, class names and credit (file I/O)."""
    s = data.status(name)
    return DatasetInfo(
        name=name,
        title=TITLES.get(name, name),
        train_size=s.train_size,
        test_size=s.test_size,
        cached=s.cached,
        verified=s.verified,
        source=s.source,
        classes=[ClassInfo(index=i, name=c) for i, c in enumerate(data.class_names(name))],
        imported=data.is_imported(name),
        credit=CREDITS.get(name),
    )


def dataset_infos(data: DataSource) -> list[DatasetInfo]:
    """Every dataset: the built-in ones, then the user's imports (reads the cache's index: file I/O)."""
    return [dataset_info(data, name) for name in data.names()]


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


def import_upload(
    data: DataSource,
    settings: Settings,
    file: BinaryIO,
    name: str,
    *,
    invert: bool,
    test_fraction: float,
    filename: str | None,
) -> DatasetImport:
    """Import an uploaded zip as dataset `name`: 201 with its info and notes; 409 for a taken name, 413 for an
    archive over a size limit, 422 for anything else refused, 429 while another import runs."""
    if not _importing.acquire(blocking=False):
        raise HTTPException(429, "another import is running; try again when it has finished")
    try:
        label = f"the archive {filename!r}" if filename else "the archive"
        try:
            limits = ImportLimits.from_settings(settings)
            _, notes = data.import_archive(
                file, name, limits, invert=invert, test_fraction=test_fraction, label=label
            )
        except DatasetExists as exc:
            raise HTTPException(409, str(exc)) from exc
        except ImportRefused as exc:
            raise HTTPException(413 if exc.too_large else 422, str(exc)) from exc
    finally:
        _importing.release()
    return DatasetImport(dataset=dataset_info(data, name), notes=notes)


def delete(data: DataSource, name: str) -> None:
    """Delete an imported dataset: 404 when there is none, 403 for a built-in one."""
    if name not in data.names():
        raise DatasetNotFound(name, data.names())
    try:
        data.delete(name)
    except NotImported as exc:
        raise HTTPException(403, str(exc)) from exc
    except DataError as exc:
        raise DatasetNotFound(name, data.names()) from exc
